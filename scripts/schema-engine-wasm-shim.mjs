#!/usr/bin/env node
// Offline stand-in for Prisma's native schema-engine (same stdin/stdout JSON-RPC) over @prisma/schema-engine-wasm + adapter-pg.
import fs from "node:fs";
import readline from "node:readline";
import { createRequire } from "node:module";
import pg from "pg";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
const require = createRequire(import.meta.url);
// (1) adapter-pg 7 rejects pg's internal "char" type (OID 18, pg_class.relkind): report it as text
const R = require("pg/lib/result.js"),
  addFields = R.prototype.addFields;
R.prototype.addFields = function (f) {
  for (const x of f) if (x.dataTypeID === 18) x.dataTypeID = 25;
  return addFields.call(this, f);
};
const argv = process.argv.slice(2),
  datamodels = [];
let ds = {},
  cli = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--version") {
    console.log("schema-engine-cli wasm-shim");
    process.exit(0);
  }
  if (a === "--datamodels") datamodels.push(argv[++i]);
  else if (a === "--datasource") ds = JSON.parse(argv[++i]);
  else if (a === "--enabled-preview-features" || a === "--extension-types") i++;
  else if (a === "cli") cli = argv[++i];
}
// (2) discrete fields: with connectionString, pg ignores `database` -> "shadow" db would be the MAIN db
const cfg = (url, database) => {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? decodeURIComponent(u.pathname.slice(1)),
  };
};
const admin = async (fn) => {
  const c = new pg.Client(cfg(ds.url, "postgres"));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};
const dbName = () => cfg(ds.url).database;
const createDb = () =>
  admin(async (c) => {
    if (!(await c.query("SELECT 1 FROM pg_database WHERE datname=$1", [dbName()])).rowCount)
      await c.query(`CREATE DATABASE "${dbName()}"`);
    return dbName();
  });
if (cli) {
  // (3) one-shot commands: the CLI drops stderr line 1 and JSON-parses the rest
  const log = (level, fields) =>
    process.stderr.write(JSON.stringify({ level, target: "schema_engine::logger", fields }) + "\n");
  log("INFO", { message: "wasm shim" });
  try {
    if (cli === "can-connect-to-database") {
      const c = new pg.Client(cfg(ds.url));
      await c.connect();
      await c.end();
    } else if (cli === "create-database") await createDb();
    else if (cli === "drop-database") await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName()}"`));
    else throw new Error(`unsupported: ${cli}`);
    process.exit(0);
  } catch (e) {
    log(
      "ERROR",
      e.code === "3D000"
        ? { error_code: "P1003", message: `Database \`${dbName()}\` does not exist` }
        : { error_code: e.code === "ECONNREFUSED" ? "P1001" : "P1000", message: String(e.message) },
    );
    process.exit(1);
  }
}
const wasm = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasm), { "./schema_engine_bg.js": bg });
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();
let engine; // one per process: its migration-schema cache must survive between RPCs
async function getEngine() {
  if (engine) return engine;
  let adapter;
  if (ds.url) {
    const f = new PrismaPg(cfg(ds.url));
    f.connectToShadowDb = async () => {
      // (4) adapter-pg drops the shadow db before closing its pool
      if (ds.shadowDatabaseUrl) return new PrismaPg(cfg(ds.shadowDatabaseUrl)).connect();
      const name = `prisma_shadow_${process.pid}_${Date.now()}`;
      await admin((c) => c.query(`CREATE DATABASE "${name}"`));
      const a = await new PrismaPg(cfg(ds.url, name)).connect(),
        dispose = a.dispose.bind(a);
      a.dispose = async () => {
        await dispose();
        await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}"`));
      };
      return a;
    };
    // (7) adapter-pg splits scripts on every ";", breaking function bodies: send a migration as one simple query, as the native engine does
    const connect = f.connect.bind(f);
    f.connect = async () => {
      const a = await connect(),
        proto = Object.getPrototypeOf(a);
      if (!proto.lifeboatWholeScript) {
        proto.lifeboatWholeScript = true;
        proto.executeScript = async function (script) {
          try {
            await this.client.query(script);
          } catch (e) {
            this.onError(e);
          }
        };
      }
      return a;
    };
    adapter = bindMigrationAwareSqlAdapterFactory(f);
  }
  const files = datamodels.map((p) => [p, fs.readFileSync(p, "utf8")]);
  return (engine = await bg.SchemaEngine.new({ datamodels: files.length ? files : undefined }, () => {}, adapter));
}
const local = {
  createDatabase: async () => ({ databaseName: await createDb() }),
  getDatabaseVersion: () => admin(async (c) => (await c.query("SELECT version()")).rows[0].version),
};
const send = (o) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...o }) + "\n");
readline
  .createInterface({ input: process.stdin })
  .on("line", async (line) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      return;
    }
    if (req.id === undefined || !req.method) return; // acks of our "print" requests
    try {
      let result;
      if (local[req.method]) result = await local[req.method](req.params);
      else {
        const e = await getEngine();
        if (typeof e[req.method] !== "function") throw new Error(`${req.method} not supported by wasm shim`);
        // (5) wasm evaluateDataLoss/createMigration get no shadow factory; they need the history schema that
        // devDiagnostic caches (skipped on an empty db) -> run devDiagnostic first
        if (req.method === "evaluateDataLoss")
          await e.devDiagnostic({ migrationsList: req.params.migrationsList, filters: req.params.filters });
        result = await e[req.method](req.params ?? {});
        if (req.method === "diff" && typeof result?.stdout === "string") {
          // (6) native engine prints diffs via "print"
          if (result.stdout) send({ id: 1e9 + req.id, method: "print", params: { content: result.stdout } });
          result = { exitCode: result.exitCode };
        }
      }
      send({ id: req.id, result: result ?? null });
    } catch (err) {
      const msg = String(err?.message ?? err);
      send({
        id: req.id,
        error: {
          code: 4466,
          message: "Schema engine error",
          data: { is_panic: /panicked|RuntimeError/.test(msg), message: msg },
        },
      });
    }
  })
  .on("close", () => process.exit(0));
