import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma's native schema engine is downloaded at first use, which cannot happen offline:
// scripts/schema-engine-wasm-shim.mjs speaks the same JSON-RPC over @prisma/schema-engine-wasm.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "scripts/schema-engine-wasm-shim.mjs");

// Without DATABASE_URL, the embedded server `npm run dev` starts, with the random password it keeps in .data/.
function embeddedUrl() {
  const file = path.join(path.resolve(import.meta.dirname, process.env.LIFEBOAT_DATA_DIR || ".data"), "pg.password");
  const password = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${process.env.LIFEBOAT_PG_PORT ?? 54329}/lifeboat`;
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL || embeddedUrl() },
});
