import { spawn } from "node:child_process";

/**
 * For integration tests: a child process (kubectl, a shell command an operator would run) with its output. Async on
 * purpose (never spawnSync): the sandbox may serve from the test's own process, whose event loop must keep running.
 */
export function run(
  cmd: string,
  args: string[],
  o: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: o.env ?? process.env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: -1, out, err: String(e) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
    // A command that does not read its input (kubectl get) may exit before it is written: that is no failure.
    child.stdin.on("error", () => undefined);
    child.stdin.end(o.input ?? "");
  });
}
