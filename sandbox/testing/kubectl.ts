import { spawn, spawnSync } from "node:child_process";

// The machine's real kubectl, run against a sandbox kubeconfig.
export const KUBECTL = process.env.KUBECTL ?? "kubectl";
export const haveKubectl = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" }).status === 0;

/** Async on purpose: the sandbox server usually runs in the test's own process, whose event loop must keep serving. */
export function kubectl(
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, ["--kubeconfig", kubeconfig, ...args]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err });
    });
    child.stdin.end(input ?? "");
  });
}

/** Runs kubectl for a bounded time (e.g. `get -w`), calling `during` once it has started; resolves with its output. */
export function kubectlFor(
  kubeconfig: string,
  args: string[],
  ms: number,
  during: () => Promise<void> | void,
): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, ["--kubeconfig", kubeconfig, ...args]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), ms);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(out);
    });
    setTimeout(() => void during(), 700);
  });
}
