// For console integration tests (server/**): starts a sandbox in its own process — two clusters with Velero and a third
// without it (sandbox-3, for installing Velero), the S3 and
// Azure Blob emulators and moto (AWS with IAM enforced; absent, with the reason in sandbox.json, where python3 has no
// moto) — and tells the tests where it is through LIFEBOAT_TEST_SANDBOX (the path of its sandbox.json).
// The console's code then meets the sandbox only over the network, through kubeconfigs, as it meets real clusters.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";

let child: ChildProcess | undefined;
let dir: string | undefined;

export async function setup() {
  if (process.env.LIFEBOAT_TEST_SANDBOX) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-test-sandbox-"));
  const root = path.resolve(import.meta.dirname, "../..");
  child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/tsx/dist/cli.mjs"),
      "sandbox/cli.ts",
      "--clusters",
      "3",
      "--without-velero",
      "sandbox-3",
      "--dir",
      dir,
      "--s3-port",
      "0",
      "--azure-port",
      "0",
      "--aws-port",
      "0",
      // Velero validates a location every 2 s and syncs its backups every 2 s (10 s and 5 s in the demo and e2e): the
      // tests that wait for Velero to notice a change made behind its back wait seconds, not periods of ten.
      "--velero-periods",
      "2000,2000",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test sandbox did not start in 60 s:\n${out}`)), 60_000);
    child!.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("READY")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child!.stderr!.on("data", (d) => (out += d));
    child!.on("exit", (code) => reject(new Error(`the test sandbox exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  process.env.LIFEBOAT_TEST_SANDBOX = path.join(dir, "sandbox.json");
}

export async function teardown() {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => child!.once("exit", r));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
