import path from "node:path";
import { spawn } from "node:child_process";

/** What a console process's controllers own and follow (its answer to "report"). */
export interface ControllerReport {
  holder: string;
  owned: string[];
  syncing: string[];
}

/**
 * For integration tests: a console process's controller runtime in a child process (server/testing/controller-process.ts
 * runs what the console's instrumentation starts) on the database `url`, with short leases. `ready` resolves once it
 * runs (rejects if it exits first); `report()` asks what it owns and follows.
 */
export function consoleProcess(url: string, env: { leaseSeconds: number; healthSeconds: number }) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.resolve(import.meta.dirname, "controller-process.ts")],
    {
      env: {
        ...process.env,
        DATABASE_URL: url,
        LIFEBOAT_LEASE_SECONDS: String(env.leaseSeconds),
        LIFEBOAT_HEALTH_INTERVAL_SECONDS: String(env.healthSeconds),
        LIFEBOAT_LOG_LEVEL: "error",
      },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  child.stderr.resume();
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const reports: ((r: ControllerReport) => void)[] = [];
  let out = "";
  let buffer = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString().slice(0, 10_000);
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const l of lines) {
        if (l === "READY") resolve();
        else if (l.startsWith("REPORT ")) reports.shift()?.(JSON.parse(l.slice(7)) as ControllerReport);
      }
    });
    void exited.then(() => reject(new Error(`the console process exited before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    exited,
    ready,
    /** What it owns and follows; rejects when it has not answered within 10 s (it died, or hangs). */
    report: () =>
      new Promise<ControllerReport>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the console process did not report within 10 s")), 10_000);
        reports.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
        child.stdin.write("report\n");
      }),
  };
}
export type ConsoleProcess = ReturnType<typeof consoleProcess>;
