import { describe, expect, it } from "vitest";
import { compact, lineDiff, objectChange, projectOnto, replaceReasons } from "./diff";
import type { K8sObject } from "./manifest";

const deployment = (args: string[], extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "velero", namespace: "velero", labels: { component: "velero" } },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [{ name: "velero", image: "velero/velero:v1.17.0", args }],
        ...extra,
      },
    },
  },
});

describe("lineDiff", () => {
  it("finds the shortest script, in order", () => {
    const d = lineDiff(["a", "b", "c", "d"], ["a", "c", "d", "e"]);
    expect(d).toEqual([
      { op: " ", text: "a" },
      { op: "-", text: "b" },
      { op: " ", text: "c" },
      { op: " ", text: "d" },
      { op: "+", text: "e" },
    ]);
  });
  it("handles empty sides", () => {
    expect(lineDiff([], ["x"])).toEqual([{ op: "+", text: "x" }]);
    expect(lineDiff(["x"], [])).toEqual([{ op: "-", text: "x" }]);
    expect(lineDiff([], [])).toEqual([]);
  });
  it("rebuilds both sides from the script", () => {
    const a = "the quick brown fox jumps over the lazy dog".split(" ");
    const b = "a quick red fox leaps over the dog today".split(" ");
    const d = lineDiff(a, b);
    expect(d.filter((l) => l.op !== "+").map((l) => l.text)).toEqual(a);
    expect(d.filter((l) => l.op !== "-").map((l) => l.text)).toEqual(b);
  });
});

describe("lineDiff, on many pairs", () => {
  it("always rebuilds both sides, with no more edits than replacing everything", () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      const a = Array.from({ length: Math.floor(rand() * 40) }, () => "abcde"[Math.floor(rand() * 5)]);
      const b = Array.from({ length: Math.floor(rand() * 40) }, () => "abcde"[Math.floor(rand() * 5)]);
      const d = lineDiff(a, b);
      expect(d.filter((l) => l.op !== "+").map((l) => l.text)).toEqual(a);
      expect(d.filter((l) => l.op !== "-").map((l) => l.text)).toEqual(b);
      expect(d.filter((l) => l.op !== " ").length).toBeLessThanOrEqual(a.length + b.length);
    }
  });
});

describe("compact", () => {
  it("cuts unchanged runs beyond the context to one line", () => {
    const lines = [...Array.from({ length: 10 }, (_, i) => ({ op: " " as const, text: `l${i}` }))];
    lines.splice(5, 0, { op: "+" as const, text: "new" } as never);
    const c = compact(lines, 1);
    expect(c.map((l) => l.text)).toEqual(["… 4 unchanged lines", "l4", "new", "l5", "… 4 unchanged lines"]);
  });
});

describe("projectOnto", () => {
  it("keeps only the fields of the shapes, matches named lists by name, drops status and server metadata", () => {
    const live = {
      ...deployment(["server"]),
      metadata: {
        name: "velero",
        namespace: "velero",
        uid: "u1",
        resourceVersion: "9",
        labels: { component: "velero" },
      },
      status: { readyReplicas: 1 },
    } as Record<string, unknown>;
    (live.spec as { template: { spec: Record<string, unknown> } }).template.spec.containers = [
      {
        name: "velero",
        image: "velero/velero:v1.17.0",
        args: ["server"],
        terminationMessagePath: "/dev/termination-log",
      },
      { name: "sidecar", image: "someone/else" },
    ];
    const p = projectOnto(live, [deployment(["server"])]);
    expect(p).toEqual(deployment(["server"]));
  });
});

describe("objectChange", () => {
  it("is same when only defaults and status differ", () => {
    const live = { ...deployment(["server"]), status: { replicas: 1 } };
    expect(objectChange(deployment(["server"]), live).change).toBe("same");
  });
  it("shows a changed flag as - and + lines", () => {
    const c = objectChange(deployment(["server", "--default-volumes-to-fs-backup"]), deployment(["server"]));
    expect(c.change).toBe("update");
    expect(c.lines.filter((l) => l.op === "+").map((l) => l.text.trim())).toEqual(["- --default-volumes-to-fs-backup"]);
  });
  it("shows a field Lifeboat no longer sets as removed, through what it applied before", () => {
    const before = deployment(["server"], { nodeSelector: { disk: "ssd" } });
    const live = deployment(["server"], { nodeSelector: { disk: "ssd" } });
    const c = objectChange(deployment(["server"]), live, before);
    expect(c.change).toBe("update");
    expect(c.lines.some((l) => l.op === "-" && l.text.includes("disk: ssd"))).toBe(true);
  });
  it("creates what is missing and deletes what is no longer rendered", () => {
    expect(objectChange(deployment([]), null).change).toBe("create");
    expect(objectChange(null, deployment([])).change).toBe("delete");
    expect(objectChange(null, null, deployment([])).change).toBe("same");
  });
});

describe("replaceReasons", () => {
  it("is empty when an apply in place gives what was rendered", () => {
    expect(replaceReasons(deployment(["server"]), deployment(["server", "--other"]))).toEqual([]);
  });
  it("names what another manager added and a different selector", () => {
    const want = {
      ...deployment(["server"]),
      spec: { ...(deployment(["server"]).spec as object), selector: { matchLabels: { deploy: "velero" } } },
    } as K8sObject;
    const live = deployment(["server"], {
      initContainers: [{ name: "velero-plugin-for-gcp", image: "velero/velero-plugin-for-gcp:v1.13.0" }],
      volumes: [{ name: "cloud-credentials", secret: { secretName: "x" } }],
    });
    (live.spec as Record<string, unknown>).selector = { matchLabels: { "app.kubernetes.io/name": "velero" } };
    expect(replaceReasons(want, live)).toEqual([
      "its selector differs",
      "init container velero-plugin-for-gcp is not in Velero's render",
      "volume cloud-credentials is not in Velero's render",
    ]);
  });
});
