import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module without types
import { freePort, passwordFileOf, startEmbeddedPostgres } from "./postgres.mjs";

async function connects(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

// The embedded PostgreSQL (#9 §5): a random password kept beside its data in .data/ (0600), never postgres/postgres.
describe("embedded PostgreSQL", () => {
  it("gets a random password in a 0600 file, and a server made with the old postgres/postgres is moved to one", async () => {
    const port = await freePort();
    const dir = path.resolve(`.data/vitest-embedded-${port}`);
    const legacyUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
    try {
      const first = await startEmbeddedPostgres({ dir, port, databases: [], fresh: true });
      const password = fs.readFileSync(passwordFileOf(dir), "utf8").trim();
      expect(password).toMatch(/^[\w-]{32}$/);
      expect(fs.statSync(passwordFileOf(dir)).mode & 0o777).toBe(0o600);
      expect(first.url("postgres")).toBe(`postgresql://postgres:${password}@127.0.0.1:${port}/postgres`);
      expect(await connects(first.url("postgres"))).toBe(true);
      expect(await connects(legacyUrl)).toBe(false);

      // A data directory from before: its password is "postgres" and it has no password file.
      const c = new pg.Client({ connectionString: first.url("postgres") });
      await c.connect();
      await c.query("ALTER ROLE postgres PASSWORD 'postgres'");
      await c.end();
      await first.stop();
      fs.rmSync(passwordFileOf(dir));
      const again = await startEmbeddedPostgres({ dir, port, databases: [] });
      const replaced = fs.readFileSync(passwordFileOf(dir), "utf8").trim();
      expect(replaced).not.toBe("postgres");
      expect(await connects(again.url("postgres"))).toBe(true);
      expect(await connects(legacyUrl)).toBe(false);
      await again.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(passwordFileOf(dir), { force: true });
    }
  }, 120_000);
});
