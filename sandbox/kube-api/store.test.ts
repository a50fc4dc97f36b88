import { describe, expect, it } from "vitest";
import { Store, type StoreEvent } from "./store";
import { BUILTIN_TYPES } from "./builtins";

const configmaps = BUILTIN_TYPES.find((t) => t.resource === "configmaps")!;
const cm = (name: string, a = "1") => ({ metadata: { name, namespace: "n" }, data: { a } });

describe("Store", () => {
  it("hands out copies: what a caller or a listener holds is not what it keeps", () => {
    const store = new Store();
    const heard: StoreEvent[] = [];
    store.subscribe((e) => heard.push(e));
    const body = cm("c");
    const put = store.put(configmaps, body, "ADDED");
    body.data.a = "body";
    put.data.a = "returned";
    heard[0]!.object.data.a = "event";
    expect(store.get(configmaps, "n", "c")!.data).toEqual({ a: "1" });
    const again = store.put(configmaps, cm("c", "2"), "MODIFIED");
    expect(heard[1]!.old!.data).toEqual({ a: "1" });
    expect(heard[1]!.object.data).toEqual({ a: "2" });
    expect(again.metadata.resourceVersion).toBe("3");
  });

  it("keeps the last maxEvents events for watches however many writes there were", () => {
    const store = new Store(3);
    for (let i = 0; i < 20; i++) store.put(configmaps, cm(`c${i}`), "ADDED"); // resourceVersions 2..21
    expect(store.currentRV).toBe(21);
    expect(store.oldestRV).toBe(19);
    expect(store.since(17)).toBe("expired");
    const history = store.since(18);
    expect(history).not.toBe("expired");
    expect((history as StoreEvent[]).map((e) => [e.rv, e.object.metadata.name])).toEqual([
      [19, "c17"],
      [20, "c18"],
      [21, "c19"],
    ]);
    expect((store.since(20) as StoreEvent[]).map((e) => e.rv)).toEqual([21]);
    expect(store.since(21)).toEqual([]);
    for (let i = 0; i < 4; i++) store.put(configmaps, cm(`c${i}`, "x"), "MODIFIED"); // 22..25
    expect(store.oldestRV).toBe(23);
    expect((store.since(22) as StoreEvent[]).map((e) => [e.rv, e.type, e.old])).toEqual([
      [23, "MODIFIED", undefined],
      [24, "MODIFIED", undefined],
      [25, "MODIFIED", undefined],
    ]);
    store.compact();
    expect(store.oldestRV).toBe(26);
    expect(store.since(24)).toBe("expired");
    store.put(configmaps, cm("after"), "ADDED");
    expect((store.since(25) as StoreEvent[]).map((e) => e.rv)).toEqual([26]);
  });
});
