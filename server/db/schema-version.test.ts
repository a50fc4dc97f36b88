import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "./schema-version";

describe("the schema version readiness waits for", () => {
  it("is the newest migration", () => {
    const newest = fs
      .readdirSync(path.resolve(import.meta.dirname, "../../prisma/migrations"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .at(-1);
    expect(SCHEMA_VERSION).toBe(newest);
  });
});
