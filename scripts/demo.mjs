#!/usr/bin/env node
// `npm run demo`: installs what is missing, starts embedded PostgreSQL, migrates, builds if needed, bootstraps an admin
// and serves the console on http://localhost:3000. The credentials are kept in .data/demo-admin.json.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "./lib/setup.mjs";
import { DEMO_CLUSTERS, DEMO_RESTART_NOTE, DEMO_WITHOUT_VELERO, demoPorts } from "./lib/demo-config.mjs";

// Every port from the environment (README, "Two demos on one host"); a bad value stops here with its name.
let ports;
try {
  ports = demoPorts();
} catch (e) {
  console.error(`✖ ${e.message}`);
  process.exit(2);
}
process.env.PORT = String(ports.console);
process.env.LIFEBOAT_PG_PORT = String(ports.postgres);

const credsFile = path.join(dataDir, "demo-admin.json");
fs.mkdirSync(dataDir, { recursive: true });
if (!fs.existsSync(credsFile)) {
  const creds = { email: "admin@lifeboat.local", password: crypto.randomBytes(12).toString("base64url") };
  fs.writeFileSync(credsFile, JSON.stringify(creds, null, 2) + "\n", { mode: 0o600 });
}
const creds = JSON.parse(fs.readFileSync(credsFile, "utf8"));
process.env.LIFEBOAT_ADMIN_EMAIL ??= creds.email;
process.env.LIFEBOAT_ADMIN_PASSWORD ??= creds.password;
process.env.LIFEBOAT_ALLOW_LOOPBACK ??= "1";
// Azure service principals sign in at the sandbox's stand-in for Entra ID and Azure Resource Manager (plain http on
// loopback, which the console accepts for these two only when they are given explicitly).
process.env.LIFEBOAT_AZURE_AUTHORITY_HOST ??= `http://127.0.0.1:${ports.entra}`;
process.env.LIFEBOAT_AZURE_RESOURCE_MANAGER ??= `http://127.0.0.1:${ports.entra}`;
process.env.HOST ??= "localhost";

// The sandbox: three clusters (API server, seeded workloads; Velero on two, the third waits for Lifeboat to install it) and S3/Azure/AWS emulators (Azure: azurite and
// an Entra ID / ARM stand-in; AWS: moto, where python3 has it), in a child process.
const { ensureInstalled, root, spawnChild } = await import("./lib/setup.mjs");
ensureInstalled();
const sandboxDir = path.join(dataDir, "sandbox");
const sandbox = spawnChild(
  process.execPath,
  [
    path.join(root, "node_modules/tsx/dist/cli.mjs"),
    "sandbox/cli.ts",
    "--clusters",
    String(DEMO_CLUSTERS),
    "--without-velero",
    DEMO_WITHOUT_VELERO.join(","),
    "--dir",
    sandboxDir,
    "--base-port",
    String(ports.sandboxBase),
    "--s3-port",
    String(ports.s3),
    "--azure-port",
    String(ports.azure),
    "--entra-port",
    String(ports.entra),
    "--aws-port",
    String(ports.aws),
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const sandboxOut = await new Promise((resolve, reject) => {
  let out = "";
  sandbox.stdout.on("data", (d) => {
    out += d;
    if (out.includes("READY")) resolve(out);
  });
  sandbox.on("exit", (code) => reject(new Error(`the sandbox exited (${code}) before it was ready:\n${out}`)));
});
sandbox.stdout.resume();

const { serve } = await import("./serve.mjs");
const { url } = await serve();

// Attach the sandbox clusters to the console (once; later runs refresh their kubeconfigs).
const { spawnSync } = await import("node:child_process");
const seeded = spawnSync(
  process.execPath,
  [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/demo-seed.ts", path.join(sandboxDir, "sandbox.json")],
  { cwd: root, stdio: "inherit", env: process.env },
);
if (seeded.status !== 0)
  console.error("✖ attaching the sandbox clusters failed (see above); the console runs without them");
const banner = [
  "",
  "  Lifeboat demo",
  `  Console:  ${url}`,
  `  Email:    ${process.env.LIFEBOAT_ADMIN_EMAIL}`,
  `  Password: ${process.env.LIFEBOAT_ADMIN_PASSWORD}   (kept in ${credsFile})`,
  "",
  ...String(sandboxOut)
    .replace(/\nREADY\s*$/, "")
    .split("\n")
    .map((l) => `  ${l}`),
  "",
  ...DEMO_RESTART_NOTE,
  "",
  "  Ctrl-C stops the console, its database and the sandbox.",
  "",
];
setTimeout(() => console.log(banner.join("\n")), 1500);
