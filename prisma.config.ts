import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma's native schema engine is downloaded at first use, which cannot happen offline:
// scripts/schema-engine-wasm-shim.mjs speaks the same JSON-RPC over @prisma/schema-engine-wasm.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "scripts/schema-engine-wasm-shim.mjs");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:54329/lifeboat" },
});
