import type { ChildProcess } from "node:child_process";
import net from "node:net";

// What the emulators that run as child processes (Azurite, moto) share: a port picked before the child starts (neither
// reports an ephemeral port back), readiness as "accepts TCP connections", and a stop that always ends the child.

export const HOST = "127.0.0.1";

/**
 * Port 0: a port that is free now. Other ports: that port, after checking nothing listens on it (otherwise the readiness
 * poll could succeed against whatever already listens there).
 */
export function reserveFreePort(name: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`${name}: port ${HOST}:${port} is not available (${err.code ?? err.message})`)),
    );
    server.listen(port, HOST, () => {
      const { port: free } = server.address() as net.AddressInfo;
      server.close(() => resolve(free));
    });
  });
}

/** The child's last 16 KiB of stdout and stderr, for error messages. */
export function captureOutput(child: ChildProcess): () => string {
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-16_384);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text.trim();
}

/**
 * stop() sends SIGTERM, then SIGKILL after 5 s, and resolves once the child has exited; safe to call twice. Until then,
 * if this process ends without stop() (a crashed test run), the child is killed so nothing is left behind.
 */
export function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  return async () => {
    process.removeListener("exit", killOnExit);
    // No pid: the spawn failed (e.g. ENOENT) and no "exit" will come.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/** The child never accepted connections: it could not be spawned (spawnErrorCode, e.g. ENOENT) or it exited (exitCode). */
export class ChildStartError extends Error {
  constructor(
    message: string,
    readonly detail: { spawnErrorCode?: string; exitCode?: number | null; output: string },
  ) {
    super(message);
  }
}

/** Resolves once HOST:port accepts connections; rejects if the child fails to spawn, exits first, or the time runs out. */
export async function waitForPort(
  name: string,
  port: number,
  timeoutMs: number,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failure: { error?: NodeJS.ErrnoException } = {};
  child.once("error", (err) => (failure.error = err));
  for (;;) {
    if (failure.error) {
      throw new ChildStartError(`${name} failed to start: ${failure.error.message}`, {
        spawnErrorCode: failure.error.code,
        output: output(),
      });
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ChildStartError(
        `${name} exited (${child.exitCode ?? child.signalCode}) before accepting connections on ${HOST}:${port}: ${output() || "(no output)"}`,
        { exitCode: child.exitCode, output: output() },
      );
    }
    if (await canConnect(port)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${name} did not accept connections on ${HOST}:${port} within ${timeoutMs} ms: ${output() || "(no output)"}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
