import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MOTO_INSTALL, startMoto } from "./moto";

// moto-server.py patches a moto internal, so it refuses every moto it was not written for, with a reason that says how to
// get the right one; startMoto turns that refusal (or a missing python3) into { aws: null, reason }. The wrong motos are
// stand-in packages on PYTHONPATH, so these tests do not depend on what the machine has installed.
const LAUNCHER = path.join(import.meta.dirname, "moto-server.py");
const python = spawnSync("python3", ["--version"], { encoding: "utf8" });
const noPython = python.error || python.status !== 0 ? "python3 is not installed" : null;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-moto-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A directory for PYTHONPATH holding a package "moto" made of these files. */
function fakeMoto(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, "moto", file)), { recursive: true });
    fs.writeFileSync(path.join(root, "moto", file), text);
  }
  return root;
}

function launch(args: string[], pythonPath?: string, pythonArgs: string[] = []) {
  const env = { ...process.env, PYTHONPATH: pythonPath ?? "" };
  const r = spawnSync("python3", [...pythonArgs, LAUNCHER, ...args], { encoding: "utf8", env, timeout: 30_000 });
  return { status: r.status, stderr: (r.stderr ?? "").trim(), stdout: (r.stdout ?? "").trim() };
}

describe.skipIf(Boolean(noPython))(`moto-server.py's checks${noPython ? ` (skipped: ${noPython})` : ""}`, () => {
  it.each([
    {
      what: "no moto at all (python3 -S: no site-packages)",
      pythonArgs: ["-S"],
      reason: /^moto-server\.py: python3 \(.+\) cannot import moto \(No module named 'moto'\)/,
    },
    {
      what: "another minor version",
      pythonPath: () => fakeMoto("v5.3", { "__init__.py": '__version__ = "5.3.0"\n' }),
      reason: /moto 5\.3\.0 is installed, but this launcher patches moto 5\.2\.x internals/,
    },
    {
      what: "5.2.x without the patched internal",
      pythonPath: () =>
        fakeMoto("v5.2-changed", {
          "__init__.py": '__version__ = "5.2.99"\n',
          "iam/__init__.py": "",
          "iam/access_control.py": "class IAMRequestBase:\n    pass\n",
        }),
      reason: /moto 5\.2\.99 has no IAMRequestBase\._create_aws_request, which this launcher patches/,
    },
    {
      what: "5.2.x without the server extra",
      pythonPath: () =>
        fakeMoto("v5.2-no-server", {
          "__init__.py": '__version__ = "5.2.1"\n',
          "iam/__init__.py": "",
          "iam/access_control.py": "class IAMRequestBase:\n    def _create_aws_request(self):\n        pass\n",
          "server.py": "import flask_that_is_not_installed\n",
        }),
      reason: /moto 5\.2\.1 is installed without its server extra/,
    },
  ])("exits 3 with the reason and the install command: $what", ({ pythonPath, pythonArgs, reason }) => {
    const r = launch(["--check"], pythonPath?.(), pythonArgs);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toContain(`install it with: ${MOTO_INSTALL}`);
    expect(r.status).toBe(3);
  });

  const real = launch(["--check"]);
  it.skipIf(real.status !== 0)(
    `accepts the moto this machine has${real.status === 0 ? "" : ` (skipped: ${real.stderr})`}`,
    () => {
      expect(real.stdout).toMatch(/^moto 5\.2\.\d+: usable$/);
    },
  );

  it("startMoto resolves aws: null with the launcher's reason", async () => {
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = fakeMoto("v6", { "__init__.py": '__version__ = "6.0.0"\n' });
    try {
      const moto = await startMoto();
      expect(moto).toEqual({
        aws: null,
        reason: `moto 6.0.0 is installed, but this launcher patches moto 5.2.x internals; install it with: ${MOTO_INSTALL}`,
      });
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });
});

it("startMoto resolves aws: null, saying how to get moto, when there is no such python", async () => {
  const moto = await startMoto({ python: path.join(dir, "no-such-python3") });
  expect(moto.aws).toBeNull();
  expect(moto).toMatchObject({ reason: expect.stringContaining(MOTO_INSTALL) });
  expect(moto).toMatchObject({ reason: expect.stringContaining("no-such-python3 was not found") });
});
