// What the launchers share: install what is missing, migrate, build when stale, run children that die with us.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
export const dataDir = path.resolve(root, process.env.LIFEBOAT_DATA_DIR || ".data");

const stampFile = path.join(root, "node_modules", ".lifeboat-install-stamp");
const installHash = () =>
  crypto
    .createHash("sha256")
    .update(
      ["package.json", "package-lock.json"]
        .map((f) => (fs.existsSync(path.join(root, f)) ? fs.readFileSync(path.join(root, f)) : ""))
        .join("\0"),
    )
    .digest("hex");

/** `npm install` when node_modules is missing or older than package.json / package-lock.json (never `npm ci`: see toolchain.md). */
export function ensureInstalled() {
  const want = installHash();
  const have = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8") : "";
  if (have !== want || !fs.existsSync(path.join(root, "node_modules/next/package.json"))) {
    console.log("» Installing dependencies (npm install)…");
    run("npm", ["install", "--no-audit", "--no-fund"]);
    fs.writeFileSync(stampFile, installHash());
  }
  if (!fs.existsSync(path.join(root, "server/db/generated/client.ts"))) run(process.execPath, [prismaCli, "generate"]);
}

/** The Chromium the end-to-end tests and the browser benches drive: Debian's, or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Installs Debian's chromium through apt-get when it is missing and this is root; whether it is there now. */
export function ensureChromium() {
  if (fs.existsSync(chromiumPath)) return true;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `✖ ${chromiumPath} is missing and this is not root: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
    return false;
  }
  console.log("» Installing Debian's chromium (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  return fs.existsSync(chromiumPath);
}

export const prismaCli = path.join(root, "node_modules/prisma/build/index.js");

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: "inherit",
    ...opts,
    env: { ...process.env, ...(opts.env ?? {}) },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
}

export function migrate(databaseUrl) {
  run(process.execPath, [prismaCli, "migrate", "deploy"], {
    env: { DATABASE_URL: databaseUrl },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

const SOURCES = [
  "app",
  "components",
  "lib",
  "server",
  "prisma",
  "public",
  "package.json",
  "next.config.js",
  "tsconfig.json",
];
function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) if (e !== "generated") max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

/** `next build` unless .next holds a build newer than every source file. */
export function buildIfNeeded() {
  const id = path.join(root, ".next/BUILD_ID");
  const built = fs.existsSync(id) ? fs.statSync(id).mtimeMs : 0;
  if (built && SOURCES.every((s) => newestMtime(path.join(root, s)) < built)) return false;
  console.log("» Building the console (next build)…");
  run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    env: { NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  return true;
}

/** Children stopped when we exit or are interrupted. They share our process group, so a kill of the group reaches them too. */
const children = new Set();
export function spawnChild(cmd, args, opts = {}) {
  const child = spawn(cmd, args, {
    cwd: root,
    stdio: "inherit",
    ...opts,
    env: { ...process.env, ...(opts.env ?? {}) },
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}
export function killChildren(signal = "SIGTERM") {
  for (const c of children) {
    c.kill(signal);
  }
}

/** Resolves once every child has exited, or after `ms` (a child that ignores its signal does not hold the exit up). */
export function childrenExited(ms) {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = Promise.all(running.map((c) => new Promise((r) => c.once("exit", r)))).then(() => true);
  return Promise.race([exited, new Promise((r) => setTimeout(() => r(false), ms).unref())]);
}

/** How long a stop waits for the children to finish (the console drains up to 25 s, then ends its requests). */
const CHILDREN_STOP_MS = 40_000;

/**
 * On SIGINT, SIGTERM or SIGHUP: signals the children, waits until they have exited (the console drains its requests
 * and gives its leases up through the database), then runs `fn` (e.g. stops the embedded PostgreSQL) and exits. A child
 * still running after CHILDREN_STOP_MS, or when a second signal comes (Ctrl-C twice), is killed.
 */
export function onShutdown(fn) {
  let done = false;
  const handler = async (sig) => {
    if (done) return killChildren("SIGKILL");
    done = true;
    killChildren();
    if (!(await childrenExited(CHILDREN_STOP_MS))) {
      killChildren("SIGKILL");
      await childrenExited(5_000);
    }
    await fn();
    process.exit(sig === "SIGINT" ? 130 : 0);
  };
  for (const s of SHUTDOWN_SIGNALS) process.on(s, handler);
  return handler;
}

/** The signals onShutdown stops on. */
export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
