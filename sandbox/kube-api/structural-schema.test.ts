import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { admitCustomResource, invalidMessage, statusCauses, type FieldError } from "./structural-schema";

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** "field: message", as the apiserver prints one cause. */
const lines = (errors: FieldError[]) => errors.map((e) => `${e.field}: ${e.message}`);

/** A CR schema whose spec has the given properties (and optionally more spec-level keywords). */
function specSchema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: { type: "object", properties, ...extra },
    },
  };
}

const cr = (spec: unknown) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec });

/** Admit `{spec: {x: value}}` against `spec.x: schema`. */
function admitX(schema: Record<string, unknown>, value: unknown) {
  return admitCustomResource(cr(value === undefined ? {} : { x: value }), specSchema({ x: schema }));
}

// ---------------------------------------------------------------------------------------------
// pruning
// ---------------------------------------------------------------------------------------------

describe("pruning", () => {
  it("drops fields not declared in properties, at every level", () => {
    const schema = specSchema({
      a: { type: "string" },
      nested: { type: "object", properties: { keep: { type: "integer" } } },
    });
    const r = admitCustomResource(cr({ a: "x", bogus: 1, nested: { keep: 1, drop: { deep: true } } }), schema);
    expect(r.errors).toEqual([]);
    expect(r.object.spec).toEqual({ a: "x", nested: { keep: 1 } });
  });

  it("drops unknown root fields but always keeps apiVersion, kind and metadata (metadata untouched)", () => {
    const schema = { type: "object", properties: { spec: { type: "object", properties: { a: { type: "string" } } } } };
    const obj = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1", labels: { app: "x" }, annotations: { "a/b": "c" }, whatever: { kept: true } },
      spec: { a: "x" },
      extra: "dropped",
    };
    const r = admitCustomResource(obj, schema);
    expect(r.errors).toEqual([]);
    expect(r.object).toEqual({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1", labels: { app: "x" }, annotations: { "a/b": "c" }, whatever: { kept: true } },
      spec: { a: "x" },
    });
  });

  it("does not mutate its input", () => {
    const input = cr({ a: "x", bogus: 1 });
    const copy = structuredClone(input);
    const r = admitCustomResource(input, specSchema({ a: { type: "string" }, d: { type: "string", default: "dd" } }));
    expect(input).toEqual(copy);
    expect(r.object).not.toBe(input);
    expect(r.object.spec).toEqual({ a: "x", d: "dd" });
  });

  it("keeps unknown fields under x-kubernetes-preserve-unknown-fields but still prunes and validates declared ones", () => {
    const schema = specSchema({
      free: {
        type: "object",
        "x-kubernetes-preserve-unknown-fields": true,
        properties: { typed: { type: "object", properties: { n: { type: "integer" } } } },
      },
    });
    const r = admitCustomResource(
      cr({ free: { anything: { goes: [1, { x: 2 }] }, typed: { n: "NaN", gone: 1 } } }),
      schema,
    );
    expect(r.object.spec.free).toEqual({ anything: { goes: [1, { x: 2 }] }, typed: { n: "NaN" } });
    expect(lines(r.errors)).toEqual([
      `spec.free.typed.n: Invalid value: "string": spec.free.typed.n in body must be of type integer: "string"`,
    ]);
  });

  it("preserve-unknown-fields on an array keeps unknown fields of its items", () => {
    const schema = specSchema({
      containers: {
        type: "array",
        "x-kubernetes-preserve-unknown-fields": true,
        items: { type: "object", properties: { name: { type: "string" } } },
      },
    });
    const r = admitCustomResource(cr({ containers: [{ name: "c", image: "busybox", args: ["x"] }] }), schema);
    expect(r.errors).toEqual([]);
    expect(r.object.spec.containers).toEqual([{ name: "c", image: "busybox", args: ["x"] }]);
  });

  it("additionalProperties with a schema makes a map whose values are pruned and validated", () => {
    const schema = specSchema({
      byName: { type: "object", additionalProperties: { type: "object", properties: { size: { type: "integer" } } } },
    });
    const r = admitCustomResource(cr({ byName: { a: { size: 1, junk: 2 }, b: { size: "big" } } }), schema);
    expect(r.object.spec.byName).toEqual({ a: { size: 1 }, b: { size: "big" } });
    expect(lines(r.errors)).toEqual([
      `spec.byName.b.size: Invalid value: "string": spec.byName.b.size in body must be of type integer: "string"`,
    ]);
  });

  it("x-kubernetes-embedded-resource keeps apiVersion/kind/metadata and requires apiVersion and kind", () => {
    const schema = specSchema({
      template: {
        type: "object",
        "x-kubernetes-embedded-resource": true,
        properties: { spec: { type: "object", properties: { a: { type: "string" } } } },
      },
    });
    const ok = admitCustomResource(
      cr({
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", x: 1 }, spec: { a: "x", b: "y" }, junk: 1 },
      }),
      schema,
    );
    expect(ok.errors).toEqual([]);
    expect(ok.object.spec.template).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", x: 1 },
      spec: { a: "x" },
    });

    const bad = admitCustomResource(cr({ template: { apiVersion: "a/b/c", spec: {} } }), schema);
    expect(lines(bad.errors)).toEqual([
      "spec.template.kind: Required value: must not be empty",
      `spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c`,
    ]);
  });

  it("a value of the wrong shape is pruned like the apiserver does (object under a string field becomes {})", () => {
    const r = admitX({ type: "string" }, { a: 1 });
    expect(r.object.spec.x).toEqual({});
    expect(lines(r.errors)).toEqual([
      `spec.x: Invalid value: "object": spec.x in body must be of type string: "object"`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// nulls and defaults
// ---------------------------------------------------------------------------------------------

describe("nullable and null pruning", () => {
  it.each([
    { name: "non-nullable null without default is dropped", schema: { type: "string" }, expected: {}, errors: [] },
    {
      name: "non-nullable null with default is defaulted",
      schema: { type: "string", default: "d" },
      expected: { x: "d" },
      errors: [],
    },
    {
      name: "nullable null is kept and valid",
      schema: { type: "string", nullable: true },
      expected: { x: null },
      errors: [],
    },
    {
      name: "nullable null with default is kept",
      schema: { type: "string", nullable: true, default: "d" },
      expected: { x: null },
      errors: [],
    },
  ])("$name", ({ schema, expected, errors }) => {
    const r = admitX(schema, null);
    expect(r.object.spec).toEqual(expected);
    expect(lines(r.errors)).toEqual(errors);
  });

  it("a required field sent as null (non-nullable) is reported as missing", () => {
    const r = admitCustomResource(cr({ x: null }), specSchema({ x: { type: "string" } }, { required: ["x"] }));
    expect(lines(r.errors)).toEqual(["spec.x: Required value"]);
  });

  it("a null inside a list cannot be pruned and fails the item type", () => {
    const r = admitX({ type: "array", items: { type: "string" } }, ["a", null]);
    expect(lines(r.errors)).toEqual([
      `spec.x[1]: Invalid value: "null": spec.x[1] in body must be of type string: "null"`,
    ]);
  });

  it("a nullable object may be null, a non-nullable one not", () => {
    const schema = specSchema({
      n: { type: "object", nullable: true, properties: {} },
      m: { type: "object", properties: {} },
    });
    const r = admitCustomResource(cr({ n: null, m: null }), schema);
    expect(r.errors).toEqual([]);
    expect(r.object.spec).toEqual({ n: null });
  });
});

describe("defaulting", () => {
  const schema = specSchema({
    replicas: { type: "integer", default: 1 },
    mode: { type: "string", default: "Always", enum: ["Always", "Never"] },
    policy: {
      type: "object",
      default: {},
      properties: { retries: { type: "integer", default: 3 }, backoff: { type: "string", default: "1s" } },
    },
    items: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, weight: { type: "integer", default: 10 } } },
    },
    labels: {
      type: "object",
      additionalProperties: { type: "object", properties: { v: { type: "string", default: "none" } } },
    },
    pruned: { type: "object", default: { keep: "k", unknown: "u" }, properties: { keep: { type: "string" } } },
  });

  it("applies defaults to missing fields recursively, inside defaults, list items and map values", () => {
    const r = admitCustomResource(
      cr({ items: [{ name: "a" }, { name: "b", weight: 2 }], labels: { a: {} }, bogus: 1 }),
      schema,
    );
    expect(r.errors).toEqual([]);
    expect(r.object.spec).toEqual({
      items: [
        { name: "a", weight: 10 },
        { name: "b", weight: 2 },
      ],
      labels: { a: { v: "none" } },
      replicas: 1,
      mode: "Always",
      policy: { retries: 3, backoff: "1s" },
      pruned: { keep: "k" },
    });
  });

  it("does not overwrite given values, and defaults within a given object", () => {
    const r = admitCustomResource(cr({ replicas: 0, mode: "Never", policy: { retries: 0 } }), schema);
    expect(r.object.spec.replicas).toBe(0);
    expect(r.object.spec.mode).toBe("Never");
    expect(r.object.spec.policy).toEqual({ retries: 0, backoff: "1s" });
  });

  it("creates a missing parent only when the parent has a default", () => {
    const s = specSchema({ a: { type: "object", properties: { b: { type: "string", default: "x" } } } });
    expect(admitCustomResource(cr({}), s).object.spec).toEqual({});
    expect(admitCustomResource(cr({ a: {} }), s).object.spec).toEqual({ a: { b: "x" } });
  });

  it("defaults the same way on create and update", () => {
    const a = admitCustomResource(cr({}), schema, { isCreate: true });
    const b = admitCustomResource(cr({}), schema, { isCreate: false });
    expect(a).toEqual(b);
  });

  it("defaulted values are validated", () => {
    const s = specSchema({ port: { type: "integer", default: 0, minimum: 1 } });
    expect(lines(admitCustomResource(cr({}), s).errors)).toEqual([
      "spec.port: Invalid value: 0: spec.port in body should be greater than or equal to 1",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// validation keywords on spec.x
// ---------------------------------------------------------------------------------------------

type Case = {
  name: string;
  schema: Record<string, unknown>;
  value: unknown;
  errors: string[];
  types?: FieldError["type"][];
};

const keywordCases: Case[] = [
  // type
  { name: "string ok", schema: { type: "string" }, value: "a", errors: [] },
  {
    name: "string given integer",
    schema: { type: "string" },
    value: 5,
    errors: [`spec.x: Invalid value: "integer": spec.x in body must be of type string: "integer"`],
    types: ["FieldValueTypeInvalid"],
  },
  {
    name: "integer given float",
    schema: { type: "integer" },
    value: 1.5,
    errors: [`spec.x: Invalid value: "number": spec.x in body must be of type integer: "number"`],
  },
  {
    name: "integer given string",
    schema: { type: "integer" },
    value: "1",
    errors: [`spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"`],
  },
  { name: "integer ok", schema: { type: "integer" }, value: 3, errors: [] },
  { name: "number accepts integers", schema: { type: "number" }, value: 2, errors: [] },
  { name: "number accepts floats", schema: { type: "number" }, value: 2.5, errors: [] },
  {
    name: "boolean given string",
    schema: { type: "boolean" },
    value: "true",
    errors: [`spec.x: Invalid value: "string": spec.x in body must be of type boolean: "string"`],
  },
  {
    name: "array given object",
    schema: { type: "array", items: { type: "string" } },
    value: {},
    errors: [`spec.x: Invalid value: "object": spec.x in body must be of type array: "object"`],
  },
  {
    name: "object given array",
    schema: { type: "object" },
    value: [],
    errors: [`spec.x: Invalid value: "array": spec.x in body must be of type object: "array"`],
  },
  {
    name: "object given string",
    schema: { type: "object" },
    value: "s",
    errors: [`spec.x: Invalid value: "string": spec.x in body must be of type object: "string"`],
  },
  // int-or-string
  { name: "int-or-string integer", schema: { "x-kubernetes-int-or-string": true }, value: 8080, errors: [] },
  { name: "int-or-string string", schema: { "x-kubernetes-int-or-string": true }, value: "50%", errors: [] },
  {
    name: "int-or-string boolean",
    schema: { "x-kubernetes-int-or-string": true },
    value: true,
    errors: [`spec.x: Invalid value: "boolean": spec.x in body must be of type integer,string: "boolean"`],
  },
  {
    name: "int-or-string float",
    schema: { "x-kubernetes-int-or-string": true },
    value: 1.5,
    errors: [`spec.x: Invalid value: "number": spec.x in body must be of type integer,string: "number"`],
  },
  {
    name: "int-or-string with the usual anyOf",
    schema: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
    value: { a: 1 },
    errors: [
      `spec.x: Invalid value: "object": spec.x in body must be of type integer,string: "object"`,
      `<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf)`,
      `spec.x: Invalid value: "object": spec.x in body must be of type integer: "object"`,
    ],
  },
  // enum
  {
    name: "enum",
    schema: { type: "string", enum: ["Always", "Never"] },
    value: "Foo",
    errors: [`spec.x: Unsupported value: "Foo": supported values: "Always", "Never"`],
    types: ["FieldValueNotSupported"],
  },
  { name: "enum ok", schema: { type: "string", enum: ["Always", "Never"] }, value: "Never", errors: [] },
  {
    name: "enum of integers",
    schema: { type: "integer", enum: [1, 2] },
    value: 3,
    errors: [`spec.x: Unsupported value: 3: supported values: "1", "2"`],
  },
  {
    name: "enum rejects null even when nullable (kube-openapi never matches null against an enum)",
    schema: { type: "string", nullable: true, enum: ["a"] },
    value: null,
    errors: [`spec.x: Unsupported value: "null": supported values: "a"`],
  },
  {
    name: "enum allows the empty string when listed",
    schema: { type: "string", enum: ["kopia", "restic", ""] },
    value: "",
    errors: [],
  },
  {
    name: "enum still runs when the type is wrong",
    schema: { type: "string", enum: ["a"] },
    value: 1,
    errors: [
      `spec.x: Invalid value: "integer": spec.x in body must be of type string: "integer"`,
      `spec.x: Unsupported value: 1: supported values: "a"`,
    ],
  },
  // formats
  {
    name: "date-time ok (Z)",
    schema: { type: "string", format: "date-time" },
    value: "2024-05-01T10:20:30Z",
    errors: [],
  },
  {
    name: "date-time ok (offset, fraction)",
    schema: { type: "string", format: "date-time" },
    value: "2024-05-01T10:20:30.123+02:00",
    errors: [],
  },
  {
    name: "date-time invalid",
    schema: { type: "string", format: "date-time" },
    value: "yesterday",
    errors: [`spec.x: Invalid value: "yesterday": spec.x in body must be of type date-time: "yesterday"`],
    types: ["FieldValueTypeInvalid"],
  },
  {
    name: "date-time without zone",
    schema: { type: "string", format: "date-time" },
    value: "2024-05-01T10:20:30",
    errors: [
      `spec.x: Invalid value: "2024-05-01T10:20:30": spec.x in body must be of type date-time: "2024-05-01T10:20:30"`,
    ],
  },
  {
    name: "date-time given a number is reported against the format (kube-openapi)",
    schema: { type: "string", format: "date-time" },
    value: 5,
    errors: [`spec.x: Invalid value: "int64": spec.x in body must be of type date-time: "int64"`],
  },
  { name: "date ok", schema: { type: "string", format: "date" }, value: "2024-02-29", errors: [] },
  {
    name: "date invalid day",
    schema: { type: "string", format: "date" },
    value: "2023-02-29",
    errors: [`spec.x: Invalid value: "2023-02-29": spec.x in body must be of type date: "2023-02-29"`],
  },
  { name: "byte ok", schema: { type: "string", format: "byte" }, value: "aGVsbG8=", errors: [] },
  {
    name: "byte invalid",
    schema: { type: "string", format: "byte" },
    value: "not base64!",
    errors: [`spec.x: Invalid value: "not base64!": spec.x in body must be of type byte: "not base64!"`],
  },
  { name: "int32 ok", schema: { type: "integer", format: "int32" }, value: 2147483647, errors: [] },
  {
    name: "int32 overflow",
    schema: { type: "integer", format: "int32" },
    value: 2147483648,
    errors: ["spec.x: Invalid value: 2147483648: spec.x in body must be of type int32"],
  },
  { name: "int64 ok", schema: { type: "integer", format: "int64" }, value: 2 ** 40, errors: [] },
  {
    name: "unknown format ignored",
    schema: { type: "string", format: "my-own-format" },
    value: "anything",
    errors: [],
  },
  // numbers
  {
    name: "minimum",
    schema: { type: "integer", minimum: 1 },
    value: 0,
    errors: ["spec.x: Invalid value: 0: spec.x in body should be greater than or equal to 1"],
  },
  { name: "minimum ok", schema: { type: "integer", minimum: 1 }, value: 1, errors: [] },
  {
    name: "exclusiveMinimum",
    schema: { type: "integer", minimum: 1, exclusiveMinimum: true },
    value: 1,
    errors: ["spec.x: Invalid value: 1: spec.x in body should be greater than 1"],
  },
  {
    name: "maximum",
    schema: { type: "integer", maximum: 10 },
    value: 11,
    errors: ["spec.x: Invalid value: 11: spec.x in body should be less than or equal to 10"],
  },
  {
    name: "exclusiveMaximum",
    schema: { type: "integer", maximum: 10, exclusiveMaximum: true },
    value: 10,
    errors: ["spec.x: Invalid value: 10: spec.x in body should be less than 10"],
  },
  {
    name: "maximum with a float",
    schema: { type: "number", maximum: 2 },
    value: 2.5,
    errors: ["spec.x: Invalid value: 2.5: spec.x in body should be less than or equal to 2"],
  },
  {
    name: "float bound printed like Go",
    schema: { type: "number", maximum: 1000000 },
    value: 1000000.5,
    errors: ["spec.x: Invalid value: 1.0000005e+06: spec.x in body should be less than or equal to 1e+06"],
  },
  {
    name: "multipleOf",
    schema: { type: "integer", multipleOf: 5 },
    value: 12,
    errors: ["spec.x: Invalid value: 12: spec.x in body should be a multiple of 5"],
  },
  { name: "multipleOf ok", schema: { type: "number", multipleOf: 0.5 }, value: 2.5, errors: [] },
  // strings
  {
    name: "minLength",
    schema: { type: "string", minLength: 3 },
    value: "ab",
    errors: [`spec.x: Invalid value: "ab": spec.x in body should be at least 3 chars long`],
  },
  {
    name: "maxLength",
    schema: { type: "string", maxLength: 3 },
    value: "abcd",
    errors: ["spec.x: Too long: may not be more than 3 bytes"],
    types: ["FieldValueTooLong"],
  },
  { name: "maxLength counts characters", schema: { type: "string", maxLength: 3 }, value: "äöü", errors: [] },
  {
    name: "pattern",
    schema: { type: "string", pattern: "^[a-z]+$" },
    value: "ABC",
    errors: [`spec.x: Invalid value: "ABC": spec.x in body should match '^[a-z]+$'`],
  },
  { name: "pattern ok", schema: { type: "string", pattern: "^[a-z]+$" }, value: "abc", errors: [] },
  {
    name: "pattern is a search, not a full match",
    schema: { type: "string", pattern: "[0-9]" },
    value: "a1b",
    errors: [],
  },
  // arrays
  {
    name: "minItems",
    schema: { type: "array", items: { type: "string" }, minItems: 1 },
    value: [],
    errors: ["spec.x: Invalid value: 0: spec.x in body should have at least 1 items"],
  },
  {
    name: "maxItems",
    schema: { type: "array", items: { type: "integer" }, maxItems: 2 },
    value: [1, 2, 3],
    errors: ["spec.x: Too many: 3: must have at most 2 items"],
    types: ["FieldValueTooMany"],
  },
  {
    name: "uniqueItems",
    schema: { type: "array", items: { type: "integer" }, uniqueItems: true },
    value: [1, 2, 1],
    errors: [`spec.x: Invalid value: "": spec.x in body shouldn't contain duplicates`],
  },
  {
    name: "uniqueItems compares deeply",
    schema: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      uniqueItems: true,
    },
    value: [{ a: [1] }, { a: [1] }],
    errors: [`spec.x: Invalid value: "": spec.x in body shouldn't contain duplicates`],
  },
  {
    name: "items",
    schema: { type: "array", items: { type: "string" } },
    value: ["a", 1],
    errors: [`spec.x[1]: Invalid value: "integer": spec.x[1] in body must be of type string: "integer"`],
  },
  {
    name: "nested items and required",
    schema: { type: "array", items: { type: "object", required: ["key"], properties: { key: { type: "string" } } } },
    value: [{ key: "a" }, {}],
    errors: ["spec.x[1].key: Required value"],
  },
  // objects
  {
    name: "minProperties",
    schema: { type: "object", additionalProperties: { type: "string" }, minProperties: 1 },
    value: {},
    errors: ["spec.x: Invalid value: 0: spec.x in body should have at least 1 properties"],
  },
  {
    name: "maxProperties",
    schema: { type: "object", additionalProperties: { type: "string" }, maxProperties: 1 },
    value: { a: "1", b: "2" },
    errors: ["spec.x: Too many: 2: must have at most 1 item"],
  },
  {
    name: "additionalProperties values",
    schema: { type: "object", additionalProperties: { type: "string" } },
    value: { a: "x", b: 2 },
    errors: [`spec.x.b: Invalid value: "integer": spec.x.b in body must be of type string: "integer"`],
  },
  {
    name: "required (several)",
    schema: { type: "object", required: ["a", "b"], properties: { a: { type: "string" }, b: { type: "string" } } },
    value: {},
    errors: ["spec.x.a: Required value", "spec.x.b: Required value"],
    types: ["FieldValueRequired", "FieldValueRequired"],
  },
  // junctors (validation only)
  {
    name: "anyOf of required",
    schema: {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" } },
      anyOf: [{ required: ["a"] }, { required: ["b"] }],
    },
    value: {},
    errors: [
      `<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf)`,
      "spec.x.a: Required value",
    ],
  },
  {
    name: "anyOf ok",
    schema: {
      type: "object",
      properties: { a: { type: "string" } },
      anyOf: [{ required: ["a"] }, { required: ["b"] }],
    },
    value: { a: "1" },
    errors: [],
  },
  {
    name: "oneOf none",
    schema: { type: "integer", oneOf: [{ minimum: 10 }, { maximum: 0 }] },
    value: 5,
    errors: [
      `<nil>: Invalid value: "": "spec.x" must validate one and only one schema (oneOf). Found none valid`,
      "spec.x: Invalid value: 5: spec.x in body should be greater than or equal to 10",
    ],
  },
  {
    name: "oneOf two",
    schema: { type: "integer", oneOf: [{ minimum: 1 }, { maximum: 10 }] },
    value: 5,
    errors: [
      `<nil>: Invalid value: "": "spec.x" must validate one and only one schema (oneOf). Found 2 valid alternatives`,
    ],
  },
  {
    name: "oneOf exactly one",
    schema: { type: "integer", oneOf: [{ minimum: 10 }, { maximum: 0 }] },
    value: 11,
    errors: [],
  },
  {
    name: "allOf",
    schema: { type: "string", allOf: [{ minLength: 2 }, { pattern: "^a" }] },
    value: "b",
    errors: [
      `spec.x: Invalid value: "b": spec.x in body should be at least 2 chars long`,
      `spec.x: Invalid value: "b": spec.x in body should match '^a'`,
      `<nil>: Invalid value: "": "spec.x" must validate all the schemas (allOf). None validated`,
    ],
  },
  {
    name: "not",
    schema: { type: "string", not: { enum: ["forbidden"] } },
    value: "forbidden",
    errors: [`<nil>: Invalid value: "": "spec.x" must not validate the schema (not)`],
  },
  { name: "not ok", schema: { type: "string", not: { enum: ["forbidden"] } }, value: "fine", errors: [] },
  // list types
  {
    name: "list-type set duplicates (reported once, at the second occurrence)",
    schema: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
    value: ["a", "b", "a", "a"],
    errors: [`spec.x[2]: Duplicate value: "a"`],
    types: ["FieldValueInvalid"],
  },
  {
    name: "list-type set ok",
    schema: { type: "array", items: { type: "integer" }, "x-kubernetes-list-type": "set" },
    value: [1, 2, 3],
    errors: [],
  },
  {
    name: "list-type map duplicate keys",
    schema: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: { type: "object", required: ["name"], properties: { name: { type: "string" }, v: { type: "integer" } } },
    },
    value: [{ name: "a", v: 1 }, { name: "b" }, { name: "a", v: 2 }],
    errors: [`spec.x[2]: Duplicate value: map[string]interface {}{"name":"a"}`],
  },
  {
    name: "list-type map with two keys",
    schema: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["port", "protocol"],
      items: { type: "object", properties: { port: { type: "integer" }, protocol: { type: "string" } } },
    },
    value: [
      { port: 80, protocol: "TCP" },
      { port: 80, protocol: "UDP" },
      { port: 80, protocol: "TCP" },
    ],
    errors: [`spec.x[2]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}`],
  },
  {
    name: "list-type atomic is not checked",
    schema: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "atomic" },
    value: ["a", "a"],
    errors: [],
  },
  // CEL is ignored
  {
    name: "x-kubernetes-validations are ignored",
    schema: { type: "string", "x-kubernetes-validations": [{ rule: "self == 'never'", message: "nope" }] },
    value: "x",
    errors: [],
  },
];

describe("validation keywords", () => {
  it.each(keywordCases)("$name", ({ schema, value, errors, types }) => {
    const r = admitX(schema, value);
    expect(lines(r.errors)).toEqual(errors);
    if (types) expect(r.errors.map((e) => e.type)).toEqual(types);
  });

  it("validates metadata.name/generateName only through the schema's constraints", () => {
    const schema = {
      type: "object",
      properties: { metadata: { type: "object", properties: { name: { type: "string", maxLength: 5 } } } },
    };
    const r = admitCustomResource(
      { apiVersion: "a/v1", kind: "K", metadata: { name: "too-long-name", generateName: 1 } },
      schema,
    );
    expect(lines(r.errors)).toEqual(["metadata.name: Too long: may not be more than 5 bytes"]);
    expect(r.object.metadata).toEqual({ name: "too-long-name", generateName: 1 });
  });

  it("reports a non-object root like the apiserver (no field path)", () => {
    const r = admitCustomResource("nope", { type: "object" });
    expect(lines(r.errors)).toEqual([`<nil>: Invalid value: "string":  in body must be of type object: "string"`]);
  });

  it("without a schema keeps everything and validates nothing", () => {
    const r = admitCustomResource({ apiVersion: "a/v1", kind: "K", spec: { anything: 1 } }, undefined);
    expect(r).toEqual({ object: { apiVersion: "a/v1", kind: "K", spec: { anything: 1 } }, errors: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// 422 helpers
// ---------------------------------------------------------------------------------------------

describe("invalidMessage / statusCauses", () => {
  const ttl: FieldError = {
    type: "FieldValueTypeInvalid",
    field: "spec.ttl",
    message: `Invalid value: "integer": spec.ttl in body must be of type string: "integer"`,
  };
  const phase: FieldError = {
    type: "FieldValueNotSupported",
    field: "status.phase",
    message: `Unsupported value: "Exploded": supported values: "New"`,
  };

  it.each([
    {
      name: "one cause",
      errors: [ttl],
      expected: `Backup.velero.io "b1" is invalid: spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"`,
    },
    {
      name: "several causes",
      errors: [ttl, phase],
      expected: `Backup.velero.io "b1" is invalid: [spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer", status.phase: Unsupported value: "Exploded": supported values: "New"]`,
    },
    {
      name: "duplicates collapse",
      errors: [ttl, ttl],
      expected: `Backup.velero.io "b1" is invalid: spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"`,
    },
    { name: "no causes", errors: [], expected: `Backup.velero.io "b1" is invalid` },
  ])("$name", ({ errors, expected }) => {
    expect(invalidMessage("Backup", "velero.io", "b1", errors)).toBe(expected);
  });

  it("core group has no suffix and the name is Go-quoted", () => {
    expect(invalidMessage("ConfigMap", "", 'we"ird', [])).toBe(`ConfigMap "we\\"ird" is invalid`);
  });

  it("statusCauses carries reason, message and field", () => {
    expect(statusCauses([ttl, phase])).toEqual([
      { reason: "FieldValueTypeInvalid", message: ttl.message, field: "spec.ttl" },
      { reason: "FieldValueNotSupported", message: phase.message, field: "status.phase" },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// the real Velero CRDs
// ---------------------------------------------------------------------------------------------

const crdDir = process.env.VELERO_CRDS_DIR ?? fileURLToPath(new URL("../../../shared/velero-crds", import.meta.url));
const crdDirLabel = process.env.VELERO_CRDS_DIR ?? "../shared/velero-crds";
const haveCrds = existsSync(crdDir);

/** kind -> openAPIV3Schema of the storage (served) version */
function loadVeleroSchemas(): Map<string, { version: string; schema: any }> {
  const out = new Map<string, { version: string; schema: any }>();
  for (const f of readdirSync(crdDir).filter((n) => /\.ya?ml$/.test(n))) {
    const crd = parse(readFileSync(join(crdDir, f), "utf8"));
    if (crd?.kind !== "CustomResourceDefinition") continue;
    const versions: any[] = crd.spec.versions ?? [];
    const v = versions.find((x) => x.served && x.storage) ?? versions.find((x) => x.served);
    if (v?.schema?.openAPIV3Schema)
      out.set(crd.spec.names.kind, { version: `${crd.spec.group}/${v.name}`, schema: v.schema.openAPIV3Schema });
  }
  return out;
}

describe.skipIf(!haveCrds)(`Velero CRDs (${haveCrds ? crdDirLabel : `skipped: ${crdDirLabel} not found`})`, () => {
  const schemas = haveCrds ? loadVeleroSchemas() : new Map<string, { version: string; schema: any }>();
  const admitKind = (kind: string, body: Record<string, unknown>) => {
    const entry = schemas.get(kind);
    if (!entry) throw new Error(`no CRD for ${kind} in ${crdDir}`);
    const obj = {
      apiVersion: entry.version,
      kind,
      metadata: { name: `${kind.toLowerCase()}-1`, namespace: "velero" },
      ...body,
    };
    return admitCustomResource(obj, entry.schema, { isCreate: true });
  };

  const validBackupSpec = {
    includedNamespaces: ["app", "db"],
    excludedResources: ["events"],
    labelSelector: {
      matchLabels: { app: "shop" },
      matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }],
    },
    orLabelSelectors: [{ matchLabels: { team: "a" } }, { matchExpressions: [{ key: "env", operator: "Exists" }] }],
    ttl: "720h0m0s",
    snapshotVolumes: true,
    defaultVolumesToFsBackup: false,
    storageLocation: "default",
    volumeSnapshotLocations: ["aws-default"],
    includeClusterResources: null,
    metadata: { labels: { "velero.io/schedule-name": "nightly" } },
  };

  it("finds the Velero kinds and their versions", () => {
    expect(schemas.get("Backup")?.version).toBe("velero.io/v1");
    expect(schemas.get("DataUpload")?.version).toBe("velero.io/v2alpha1");
  });

  it("a valid Backup passes and unknown fields are pruned", () => {
    const r = admitKind("Backup", {
      metadata: { name: "b1", namespace: "velero", labels: { a: "b" }, annotations: { x: "y" } },
      spec: { ...validBackupSpec, bogus: "drop me", labelSelector: { ...validBackupSpec.labelSelector, extra: 1 } },
      status: {
        phase: "Completed",
        startTimestamp: "2024-05-01T10:20:30Z",
        progress: { totalItems: 10, itemsBackedUp: 10 },
        unknownStatus: 1,
      },
      topLevelJunk: true,
    });
    expect(r.errors).toEqual([]);
    expect(r.object.spec.bogus).toBeUndefined();
    expect(r.object.spec.labelSelector.extra).toBeUndefined();
    expect(r.object.status.unknownStatus).toBeUndefined();
    expect(r.object.topLevelJunk).toBeUndefined();
    expect(r.object.metadata).toEqual({ name: "b1", namespace: "velero", labels: { a: "b" }, annotations: { x: "y" } });
    expect(r.object.spec).toEqual({ ...validBackupSpec, includeClusterResources: null });
  });

  it("an invalid Backup yields errors that name the fields", () => {
    const r = admitKind("Backup", {
      metadata: { name: "b1" },
      spec: {
        ...validBackupSpec,
        ttl: 5,
        includedNamespaces: "ns-as-string",
        labelSelector: { matchExpressions: [{ key: "tier" }] },
        snapshotVolumes: "yes",
      },
      status: { phase: "Exploded", startTimestamp: "not-a-time", errors: 1.5 },
    });
    const got = lines(r.errors);
    expect(got).toEqual(
      expect.arrayContaining([
        `spec.ttl: Invalid value: "integer": spec.ttl in body must be of type string: "integer"`,
        `spec.includedNamespaces: Invalid value: "string": spec.includedNamespaces in body must be of type array: "string"`,
        `spec.snapshotVolumes: Invalid value: "string": spec.snapshotVolumes in body must be of type boolean: "string"`,
        "spec.labelSelector.matchExpressions[0].operator: Required value",
        `status.startTimestamp: Invalid value: "not-a-time": status.startTimestamp in body must be of type date-time: "not-a-time"`,
        `status.errors: Invalid value: "number": status.errors in body must be of type integer: "number"`,
      ]),
    );
    const phase = got.find((l) => l.startsWith("status.phase: "));
    expect(phase).toMatch(
      /^status\.phase: Unsupported value: "Exploded": supported values: "New", "Queued", .*"Completed", .*"Deleting"$/,
    );
    expect(got).toHaveLength(7);

    const message = invalidMessage("Backup", "velero.io", "b1", r.errors);
    expect(message.startsWith(`Backup.velero.io "b1" is invalid: [`)).toBe(true);
    for (const field of ["spec.ttl", "spec.includedNamespaces", "status.phase"])
      expect(message).toContain(`${field}: `);
    expect(statusCauses(r.errors).find((c) => c.field === "spec.ttl")).toEqual({
      reason: "FieldValueTypeInvalid",
      field: "spec.ttl",
      message: `Invalid value: "integer": spec.ttl in body must be of type string: "integer"`,
    });
  });

  const validResources: { kind: string; body: Record<string, unknown> }[] = [
    { kind: "Backup", body: { spec: validBackupSpec } },
    {
      kind: "Restore",
      body: {
        spec: {
          backupName: "b1",
          includedNamespaces: ["app"],
          namespaceMapping: { app: "app-restored" },
          restorePVs: true,
          existingResourcePolicy: "update",
          labelSelector: { matchLabels: { app: "shop" } },
          hooks: {
            resources: [
              {
                name: "restore-hook",
                includedNamespaces: ["app"],
                postHooks: [
                  {
                    exec: {
                      command: ["/bin/sh", "-c", "echo hi"],
                      container: "app",
                      onError: "Continue",
                      waitForReady: null,
                    },
                  },
                  { init: { initContainers: [{ name: "init", image: "busybox", command: ["true"] }], timeout: "5m" } },
                ],
              },
            ],
          },
        },
      },
    },
    {
      kind: "Schedule",
      body: {
        spec: {
          schedule: "0 2 * * *",
          useOwnerReferencesInBackup: false,
          template: {
            includedNamespaces: ["app"],
            ttl: "168h0m0s",
            storageLocation: "default",
            snapshotVolumes: false,
          },
        },
      },
    },
    {
      kind: "BackupStorageLocation",
      body: {
        spec: {
          provider: "aws",
          objectStorage: { bucket: "velero-backups", prefix: "cluster-a", caCert: "aGVsbG8=" },
          config: { region: "eu-west-1", s3ForcePathStyle: "true" },
          credential: { name: "cloud-credentials", key: "cloud" },
          default: true,
          accessMode: "ReadWrite",
          backupSyncPeriod: "1m0s",
        },
      },
    },
    { kind: "VolumeSnapshotLocation", body: { spec: { provider: "aws", config: { region: "eu-west-1" } } } },
    { kind: "DeleteBackupRequest", body: { spec: { backupName: "b1" } } },
    { kind: "DownloadRequest", body: { spec: { target: { kind: "BackupLog", name: "b1" } } } },
    { kind: "ServerStatusRequest", body: { spec: {} } },
    {
      kind: "PodVolumeBackup",
      body: {
        spec: {
          backupStorageLocation: "default",
          node: "node-1",
          pod: { kind: "Pod", name: "app-0", namespace: "app", uid: "123" },
          repoIdentifier: "s3:s3.amazonaws.com/velero/restic/app",
          volume: "data",
          uploaderType: "kopia",
          tags: { backup: "b1" },
        },
      },
    },
    {
      kind: "DataUpload",
      body: {
        spec: {
          snapshotType: "CSI",
          csiSnapshot: { volumeSnapshot: "vs-1", storageClass: "gp3", snapshotClass: "csi-aws" },
          sourcePVC: "data-app-0",
          sourceNamespace: "app",
          backupStorageLocation: "default",
          operationTimeout: "10m0s",
          dataMoverConfig: { a: "b" },
        },
      },
    },
  ];

  it.each(validResources)("a valid $kind passes", ({ kind, body }) => {
    const r = admitKind(kind, body);
    expect(lines(r.errors)).toEqual([]);
  });

  it("Restore init containers keep their unknown fields (x-kubernetes-preserve-unknown-fields)", () => {
    const r = admitKind("Restore", validResources[1].body);
    const init = r.object.spec.hooks.resources[0].postHooks[1].init;
    expect(init.initContainers).toEqual([{ name: "init", image: "busybox", command: ["true"] }]);
  });

  it("BackupStorageLocation requires provider and objectStorage.bucket and defaults credential.name", () => {
    const bad = admitKind("BackupStorageLocation", { spec: { objectStorage: {}, accessMode: "WriteOnly" } });
    expect(lines(bad.errors)).toEqual(
      expect.arrayContaining([
        "spec.provider: Required value",
        "spec.objectStorage.bucket: Required value",
        `spec.accessMode: Unsupported value: "WriteOnly": supported values: "ReadOnly", "ReadWrite"`,
      ]),
    );
    expect(bad.errors).toHaveLength(3);

    const ok = admitKind("BackupStorageLocation", {
      spec: { provider: "aws", objectStorage: { bucket: "b" }, credential: { key: "cloud" } },
    });
    expect(ok.errors).toEqual([]);
    expect(ok.object.spec.credential).toEqual({ key: "cloud", name: "" });
  });

  it("Schedule requires schedule and template; DownloadRequest checks the target kind", () => {
    expect(lines(admitKind("Schedule", { spec: {} }).errors)).toEqual([
      "spec.schedule: Required value",
      "spec.template: Required value",
    ]);
    const dr = admitKind("DownloadRequest", { spec: { target: { kind: "Everything", name: "b1" } } });
    expect(lines(dr.errors)).toHaveLength(1);
    expect(lines(dr.errors)[0]).toMatch(
      /^spec\.target\.kind: Unsupported value: "Everything": supported values: "BackupLog", /,
    );
  });

  it("DataUpload (v2alpha1) reports its missing required fields", () => {
    const r = admitKind("DataUpload", { spec: { snapshotType: "CSI", csiSnapshot: { volumeSnapshot: "vs" } } });
    expect(lines(r.errors).sort()).toEqual(
      [
        "spec.backupStorageLocation: Required value",
        "spec.csiSnapshot.storageClass: Required value",
        "spec.operationTimeout: Required value",
        "spec.sourceNamespace: Required value",
        "spec.sourcePVC: Required value",
      ].sort(),
    );
  });
});
