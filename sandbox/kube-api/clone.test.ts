import { describe, expect, it } from "vitest";
import { cloneJson } from "./clone";

describe("cloneJson", () => {
  const object = () =>
    JSON.parse(
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "c",
          labels: { app: "x" },
          managedFields: [
            {
              manager: "m",
              operation: "Update",
              fieldsType: "FieldsV1",
              fieldsV1: { "f:data": { ".": {}, "f:a": {} }, "f:metadata": { "f:labels": { "f:app": {} } } },
            },
          ],
        },
        data: { a: "1" },
        list: [1, "two", null, true, { deep: [[]] }],
      }),
    );

  it("copies JSON data deeply, as structuredClone does", () => {
    const o = object();
    const c = cloneJson(o);
    expect(c).toStrictEqual(structuredClone(o));
    expect(c).not.toBe(o);
    expect(c.metadata.managedFields[0].fieldsV1).not.toBe(o.metadata.managedFields[0].fieldsV1);
    c.metadata.labels.app = "changed";
    c.list[4].deep[0].push(1);
    expect(o).toStrictEqual(object());
  });

  it("keeps keys with undefined values, holes, key order and an own __proto__ key", () => {
    const o: Record<string, unknown> = JSON.parse('{"b":1,"__proto__":{"polluted":true},"a":2}');
    o.u = undefined;
    o.sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const c = cloneJson(o);
    const s = structuredClone(o);
    expect(Object.keys(c)).toEqual(Object.keys(s));
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(c, "__proto__")).toEqual(Object.getOwnPropertyDescriptor(s, "__proto__"));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect("u" in c).toBe(true);
    expect(1 in (c.sparse as unknown[])).toBe(false);
    expect(c).toStrictEqual(s);
  });

  it("copies what is not JSON as structuredClone does, and refuses what it refuses", () => {
    class Thing {
      constructor(readonly n: number) {}
    }
    const o = { when: new Date(0), bytes: Buffer.from("ab"), thing: new Thing(1), bare: Object.create(null) };
    const c = cloneJson(o);
    expect(c.when).toBeInstanceOf(Date);
    expect(c.when).not.toBe(o.when);
    expect(c.when.getTime()).toBe(0);
    expect(c.bytes).toStrictEqual(structuredClone(o.bytes));
    expect(c.thing).toStrictEqual(structuredClone(o.thing));
    expect(Object.getPrototypeOf(c.bare)).toBe(Object.prototype);
    expect(() => cloneJson({ f: () => 1 })).toThrow();
    expect(() => structuredClone({ f: () => 1 })).toThrow();
  });
});
