import { describe, expect, it } from "vitest";
import { z } from "zod";
import { addIssuesFrom, formErrorMap, splitServerError } from "./server-errors";

const fieldOf = (path: readonly string[]) =>
  path[0] === "name" ? "name" : path[0] === "scope" && path[1] === "include" ? "namespaces" : null;

describe("splitServerError", () => {
  it.each([
    [
      "field errors beside their fields, wrapped in spec or not",
      {
        message: "x",
        data: {
          fieldErrors: [
            { path: "spec.scope.include.1", message: "bad ns" },
            { path: "name", message: "bad name" },
          ],
        },
      },
      {
        fields: [
          { name: "namespaces", message: "bad ns" },
          { name: "name", message: "bad name" },
        ],
        form: null,
      },
    ],
    [
      "the first message per field",
      {
        data: {
          fieldErrors: [
            { path: "scope.include.0", message: "one" },
            { path: "scope.include.2", message: "two" },
          ],
        },
      },
      { fields: [{ name: "namespaces", message: "one" }], form: null },
    ],
    [
      "what no field owns goes to the form, with its path",
      {
        message: "x",
        data: {
          fieldErrors: [
            { path: "spec.ttl.value", message: "too long" },
            { path: "", message: "whole" },
          ],
        },
      },
      { fields: [], form: "spec.ttl.value: too long; whole" },
    ],
    [
      "no field errors: the server's message",
      { message: "Cluster unreachable", data: { fieldErrors: null } },
      { fields: [], form: "Cluster unreachable" },
    ],
    ["not a tRPC error at all", new Error("Failed to fetch"), { fields: [], form: "Failed to fetch" }],
    ["nothing to say", undefined, { fields: [], form: "Something went wrong" }],
  ])("%s", (_, err, want) => expect(splitServerError(err, fieldOf)).toEqual(want));
});

describe("addIssuesFrom", () => {
  const server = z.object({
    name: z.string().min(3, "At least 3"),
    scope: z.object({ include: z.array(z.string().regex(/^[a-z]+$/, "lowercase")) }),
    ttl: z.number().max(5, "too long"),
  });
  const form = z
    .object({ name: z.string(), namespaces: z.string(), ttl: z.number() })
    .superRefine((v, ctx) =>
      addIssuesFrom(ctx, server, { name: v.name, scope: { include: v.namespaces.split(",") }, ttl: v.ttl }, fieldOf),
    );

  it("reports the server schema's problems on the form's fields, the rest on root", () => {
    const r = form.safeParse({ name: "ab", namespaces: "ok,NOT", ttl: 9 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["name", "At least 3"],
      ["namespaces", "lowercase"],
      ["root", "too long"],
    ]);
  });

  it("adds nothing when the server would accept it", () => {
    expect(form.safeParse({ name: "abc", namespaces: "a,b", ttl: 1 }).success).toBe(true);
  });
});

describe("formErrorMap", () => {
  it("says Required for an empty required field, and leaves a schema's own messages alone", () => {
    const s = z.object({ id: z.string().min(1), note: z.string().min(1, "Write a note"), n: z.number() });
    const r = s.safeParse({ id: "", note: "", n: undefined }, { error: formErrorMap });
    expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["id", "Required"],
      ["note", "Write a note"],
      ["n", "Required"],
    ]);
  });
});
