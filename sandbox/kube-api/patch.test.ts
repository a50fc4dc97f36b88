import { describe, expect, it } from "vitest";
import {
  applyJsonPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  normalizePatchContentType,
  PATCH_TYPES,
  PatchError,
  strategicMergeSupported,
} from "./patch";

const deployment = { group: "apps", kind: "Deployment" } as const;
const pod = { group: "", kind: "Pod" } as const;

/** Runs `fn` and returns the PatchError it throws. */
function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PatchError);
    return e as PatchError;
  }
  throw new Error("expected a PatchError");
}

/** Deep-frozen copies prove the inputs are not mutated (a write would throw in strict mode). */
function frozen<T>(v: T): T {
  const c = structuredClone(v);
  const freeze = (x: unknown) => {
    if (x && typeof x === "object") {
      Object.freeze(x);
      Object.values(x).forEach(freeze);
    }
  };
  freeze(c);
  return c;
}

describe("applyJsonPatch (RFC 6902 Appendix A)", () => {
  it.each<[string, unknown, unknown[], unknown]>([
    [
      "A.1 adding an object member",
      { foo: "bar" },
      [{ op: "add", path: "/baz", value: "qux" }],
      { baz: "qux", foo: "bar" },
    ],
    [
      "A.2 adding an array element",
      { foo: ["bar", "baz"] },
      [{ op: "add", path: "/foo/1", value: "qux" }],
      { foo: ["bar", "qux", "baz"] },
    ],
    ["A.3 removing an object member", { baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
    [
      "A.4 removing an array element",
      { foo: ["bar", "qux", "baz"] },
      [{ op: "remove", path: "/foo/1" }],
      { foo: ["bar", "baz"] },
    ],
    [
      "A.5 replacing a value",
      { baz: "qux", foo: "bar" },
      [{ op: "replace", path: "/baz", value: "boo" }],
      { baz: "boo", foo: "bar" },
    ],
    [
      "A.6 moving a value",
      { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
      [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    ],
    [
      "A.7 moving an array element",
      { foo: ["all", "grass", "cows", "eat"] },
      [{ op: "move", from: "/foo/1", path: "/foo/3" }],
      { foo: ["all", "cows", "eat", "grass"] },
    ],
    [
      "A.8 testing a value: success",
      { baz: "qux", foo: ["a", 2, "c"] },
      [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ],
      { baz: "qux", foo: ["a", 2, "c"] },
    ],
    [
      "A.10 adding a nested member object",
      { foo: "bar" },
      [{ op: "add", path: "/child", value: { grandchild: {} } }],
      { foo: "bar", child: { grandchild: {} } },
    ],
    [
      "A.11 ignoring unrecognized elements",
      { foo: "bar" },
      [{ op: "add", path: "/baz", value: "qux", xyz: 123 }],
      { foo: "bar", baz: "qux" },
    ],
    ["A.14 ~ escape ordering", { "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }], { "/": 9, "~1": 10 }],
    [
      "A.16 adding an array value",
      { foo: ["bar"] },
      [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
      { foo: ["bar", ["abc", "def"]] },
    ],
    ["copy", { a: { b: [1] } }, [{ op: "copy", from: "/a", path: "/c" }], { a: { b: [1] }, c: { b: [1] } }],
    ["replace the whole document", { a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }], { b: 2 }],
    [
      "test with deep equality",
      { a: { x: [1, { y: null }] } },
      [{ op: "test", path: "/a", value: { x: [1, { y: null }] } }],
      { a: { x: [1, { y: null }] } },
    ],
    [
      "operations see earlier ones",
      { a: [] },
      [
        { op: "add", path: "/a/-", value: 1 },
        { op: "add", path: "/a/0", value: 0 },
        { op: "test", path: "/a", value: [0, 1] },
      ],
      { a: [0, 1] },
    ],
  ])("%s", (_name, doc, ops, want) => {
    const input = frozen(doc);
    expect(applyJsonPatch(input, frozen(ops))).toEqual(want);
    expect(input).toEqual(doc);
  });

  it("does not share objects with the inputs", () => {
    const value = { nested: { x: 1 } };
    const out = applyJsonPatch({ a: {} }, [
      { op: "add", path: "/v", value },
      { op: "copy", from: "/v", path: "/w" },
    ]);
    out.v.nested.x = 2;
    expect(value.nested.x).toBe(1);
    expect(out.w.nested.x).toBe(1);
  });

  it.each<[string, unknown, unknown[], RegExp]>([
    [
      "A.9 testing a value: error",
      { baz: "qux" },
      [{ op: "test", path: "/baz", value: "bar" }],
      /testing value \/baz failed: test failed/,
    ],
    [
      "A.12 adding to a nonexistent target",
      { foo: "bar" },
      [{ op: "add", path: "/baz/bat", value: "qux" }],
      /add operation does not apply: doc is missing path: "\/baz\/bat"/,
    ],
    [
      "A.15 comparing strings and numbers",
      { "/": 9, "~1": 10 },
      [{ op: "test", path: "/~01", value: "10" }],
      /testing value \/~01 failed/,
    ],
    ["test of a missing member", { a: 1 }, [{ op: "test", path: "/b", value: null }], /testing value \/b failed/],
    ["remove of a missing member", { a: 1 }, [{ op: "remove", path: "/b" }], /Unable to remove nonexistent key: b/],
    [
      "replace of a missing member",
      { a: 1 },
      [{ op: "replace", path: "/b", value: 1 }],
      /replace operation does not apply: doc is missing key: \/b/,
    ],
    ["index past the end", { a: [1] }, [{ op: "add", path: "/a/2", value: 1 }], /invalid index/],
    ["index with a leading zero", { a: [1, 2] }, [{ op: "remove", path: "/a/01" }], /invalid index/],
    [
      "move from a missing path",
      { a: 1 },
      [{ op: "move", from: "/x", path: "/y" }],
      /move operation does not apply: doc is missing from path: \/x/,
    ],
    ["move into its own child", { a: { b: 1 } }, [{ op: "move", from: "/a", path: "/a/b/c" }], /prefix/],
    [
      "a later failure undoes nothing visible",
      { a: 1 },
      [
        { op: "add", path: "/b", value: 2 },
        { op: "test", path: "/a", value: 2 },
      ],
      /test failed/,
    ],
  ])("422: %s", (_name, doc, ops, message) => {
    const input = frozen(doc);
    const e = patchError(() => applyJsonPatch(input, ops));
    expect(e.status).toBe(422);
    expect(e.reason).toBe("Invalid");
    expect(e.message).toMatch(message);
    expect(input).toEqual(doc);
  });

  it.each<[string, unknown]>([
    ["not an array", { op: "add", path: "/a", value: 1 }],
    ["an operation that is not an object", ["add"]],
    ["unknown op", [{ op: "frobnicate", path: "/a" }]],
    ["missing op", [{ path: "/a", value: 1 }]],
    ["missing path", [{ op: "add", value: 1 }]],
    ["path without a leading slash", [{ op: "add", path: "a", value: 1 }]],
    ["bad ~ escape", [{ op: "remove", path: "/a~2" }]],
    ["add without value", [{ op: "add", path: "/a" }]],
    ["move without from", [{ op: "move", path: "/a" }]],
  ])("400: %s", (_name, ops) => {
    expect(patchError(() => applyJsonPatch({ a: 1 }, ops)).status).toBe(400);
  });
});

describe("applyMergePatch (RFC 7386 Appendix A)", () => {
  it.each<[unknown, unknown, unknown]>([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j + %j → %j", (doc, patch, want) => {
    const input = frozen(doc);
    expect(applyMergePatch(input, frozen(patch))).toEqual(want);
    expect(input).toEqual(doc);
  });

  it("replaces lists of a Deployment wholesale", () => {
    const live = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "a", image: "a:1" },
              { name: "b", image: "b:1" },
            ],
          },
        },
      },
    };
    expect(
      applyMergePatch(live, { spec: { template: { spec: { containers: [{ name: "a", image: "a:2" }] } } } }),
    ).toEqual({
      spec: { template: { spec: { containers: [{ name: "a", image: "a:2" }] } } },
    });
  });

  it("treats __proto__ as a plain key", () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.prototype.hasOwnProperty.call(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("keys named like Object.prototype members", () => {
  // "constructor", "prototype" and "__proto__" are valid label, annotation and ConfigMap keys. rfc6902 5.4.0 skips
  // such tokens when it walks a pointer (so /data/constructor/x addresses /data/x) and json-merge-patch 1.0.2 stops
  // at the first such key, dropping it and every key after it: the reason this module keeps its own RFC 6902 and
  // RFC 7386 code.
  const live = { metadata: { labels: { constructor: "a", prototype: "b" } }, data: { constructor: "c" } };

  it("JSON patch addresses them as ordinary members", () => {
    const out = applyJsonPatch(live, [
      { op: "test", path: "/metadata/labels/constructor", value: "a" },
      { op: "replace", path: "/metadata/labels/prototype", value: "B" },
      { op: "add", path: "/data/__proto__", value: "p" },
      { op: "remove", path: "/data/constructor" },
    ]);
    expect(out.metadata.labels).toEqual({ constructor: "a", prototype: "B" });
    expect(Object.keys(out.data)).toEqual(["__proto__"]);
    expect(patchError(() => applyJsonPatch(live, [{ op: "test", path: "/data/constructor", value: "x" }])).status).toBe(
      422,
    );
  });

  it("merge patch keeps them and the keys after them", () => {
    const out = applyMergePatch(live, { data: { constructor: "C", prototype: "P", z: "1" } });
    expect(out.data).toEqual({ constructor: "C", prototype: "P", z: "1" });
  });
});

describe("applyStrategicMergePatch", () => {
  const liveDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "shop",
      labels: { app: "web", team: "storefront" },
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "deployment.kubernetes.io/revision": "3",
      },
      finalizers: ["lifeboat.io/protect"],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "app",
              image: "shop/web:1.0",
              imagePullPolicy: "IfNotPresent",
              env: [
                { name: "MODE", value: "prod" },
                { name: "DEBUG", value: "1" },
                { name: "REGION", value: "eu" },
              ],
              ports: [{ containerPort: 8080, protocol: "TCP" }],
              volumeMounts: [{ name: "cache", mountPath: "/cache" }],
              terminationMessagePath: "/dev/termination-log",
            },
            { name: "sidecar", image: "envoy:1.29", resources: { limits: { cpu: "100m" } } },
          ],
          volumes: [{ name: "cache", emptyDir: {} }],
          tolerations: [{ key: "dedicated", operator: "Equal", value: "web", effect: "NoSchedule" }],
          restartPolicy: "Always",
        },
      },
    },
    status: {
      conditions: [
        { type: "Available", status: "True" },
        { type: "Progressing", status: "True" },
      ],
    },
  };

  /** Patches `liveDeployment` and checks it stayed intact. */
  function patchDeployment(patch: unknown) {
    const live = frozen(liveDeployment);
    const out = applyStrategicMergePatch(live, frozen(patch), deployment);
    expect(live).toEqual(liveDeployment);
    return out;
  }

  it("changes a container's image by name and leaves the other container alone", () => {
    const out = patchDeployment({
      spec: { template: { spec: { containers: [{ name: "sidecar", image: "envoy:1.30" }] } } },
    });
    const [app, sidecar] = out.spec.template.spec.containers;
    expect(app).toEqual(liveDeployment.spec.template.spec.containers[0]);
    expect(sidecar).toEqual({ name: "sidecar", image: "envoy:1.30", resources: { limits: { cpu: "100m" } } });
  });

  it("merges env by name (changed in place, new ones added)", () => {
    const out = patchDeployment({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "app",
                env: [
                  { name: "DEBUG", value: "0" },
                  { name: "LOG", value: "json" },
                ],
              },
            ],
          },
        },
      },
    });
    expect(out.spec.template.spec.containers[0].env).toEqual([
      { name: "MODE", value: "prod" },
      { name: "DEBUG", value: "0" },
      { name: "LOG", value: "json" },
      { name: "REGION", value: "eu" },
    ]);
  });

  it("orders like the apiserver without $setElementOrder: server-only items keep their place relative to patch items", () => {
    // The example of the design proposal "Preserve Order in Strategic Merge Patch": live B C A, patch A' B' D.
    const live = { spec: { containers: [{ name: "B" }, { name: "C" }, { name: "A" }] } };
    const patch = { spec: { containers: [{ name: "A", image: "a" }, { name: "B", image: "b" }, { name: "D" }] } };
    expect(applyStrategicMergePatch(live, patch, pod).spec.containers).toEqual([
      { name: "C" },
      { name: "A", image: "a" },
      { name: "B", image: "b" },
      { name: "D" },
    ]);
    // `kubectl patch` adding a container: the new one comes first (as in the kubectl patch task of the k8s docs).
    const added = applyStrategicMergePatch(
      { spec: { containers: [{ name: "nginx", image: "nginx" }] } },
      { spec: { containers: [{ name: "redis", image: "redis" }] } },
      pod,
    );
    expect(added.spec.containers.map((c: { name: string }) => c.name)).toEqual(["redis", "nginx"]);
  });

  it("$patch: delete removes a container by merge key", () => {
    const out = patchDeployment({
      spec: { template: { spec: { containers: [{ $patch: "delete", name: "sidecar" }] } } },
    });
    expect(out.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["app"]);
  });

  it("applies a kubectl apply patch with $setElementOrder/containers", () => {
    // What `kubectl apply` (client-side) sends after editing the manifest: a label added, the app image bumped,
    // DEBUG dropped from env, imagePullPolicy dropped, the last-applied annotation refreshed.
    const patch = {
      metadata: {
        annotations: {
          "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"apps/v1","kind":"Deployment"}\n',
        },
        labels: { tier: "frontend" },
      },
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "app" }, { name: "sidecar" }],
            containers: [
              {
                "$setElementOrder/env": [{ name: "MODE" }, { name: "REGION" }],
                env: [{ $patch: "delete", name: "DEBUG" }],
                image: "shop/web:1.1",
                imagePullPolicy: null,
                name: "app",
              },
            ],
          },
        },
      },
    };
    const out = patchDeployment(patch);
    expect(out.metadata.labels).toEqual({ app: "web", team: "storefront", tier: "frontend" });
    expect(out.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(out.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain("Deployment");
    const [app, sidecar] = out.spec.template.spec.containers;
    expect(app).toEqual({
      name: "app",
      image: "shop/web:1.1",
      env: [
        { name: "MODE", value: "prod" },
        { name: "REGION", value: "eu" },
      ],
      ports: [{ containerPort: 8080, protocol: "TCP" }],
      volumeMounts: [{ name: "cache", mountPath: "/cache" }],
      terminationMessagePath: "/dev/termination-log",
    });
    expect(sidecar).toEqual(liveDeployment.spec.template.spec.containers[1]);
    expect(out.spec.template.spec.tolerations).toEqual(liveDeployment.spec.template.spec.tolerations);
    expect(JSON.stringify(out)).not.toContain("$");
  });

  it("$setElementOrder reorders the merged list, also for elements not in the patch", () => {
    const out = patchDeployment({
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "sidecar" }, { name: "app" }],
            containers: [{ name: "sidecar", image: "envoy:1.30" }],
          },
        },
      },
    });
    expect(
      out.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`),
    ).toEqual(["sidecar=envoy:1.30", "app=shop/web:1.0"]);
    const reordered = patchDeployment({
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "sidecar" }, { name: "app" }] } } },
    });
    expect(reordered.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["sidecar", "app"]);
  });

  it("$setElementOrder that contradicts the patch list is a bad request", () => {
    const e = patchError(() =>
      patchDeployment({
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "app" }, { name: "sidecar" }],
              containers: [{ name: "sidecar" }, { name: "app" }],
            },
          },
        },
      }),
    );
    expect(e.status).toBe(400);
  });

  it("merges metadata.finalizers as a set", () => {
    const union = patchDeployment({ metadata: { finalizers: ["lifeboat.io/protect", "foregroundDeletion"] } });
    expect(union.metadata.finalizers).toEqual(["lifeboat.io/protect", "foregroundDeletion"]);
    // Without $setElementOrder a new value lands before the live ones (the apiserver's order).
    const added = patchDeployment({ metadata: { finalizers: ["foregroundDeletion"] } });
    expect(added.metadata.finalizers).toEqual(["foregroundDeletion", "lifeboat.io/protect"]);
    const ordered = patchDeployment({
      metadata: {
        "$setElementOrder/finalizers": ["lifeboat.io/protect", "foregroundDeletion"],
        finalizers: ["foregroundDeletion"],
      },
    });
    expect(ordered.metadata.finalizers).toEqual(["lifeboat.io/protect", "foregroundDeletion"]);
    const removed = patchDeployment({ metadata: { "$deleteFromPrimitiveList/finalizers": ["lifeboat.io/protect"] } });
    expect(removed.metadata.finalizers).toEqual([]);
  });

  it("null removes a label; unmatched nulls are dropped", () => {
    const out = patchDeployment({ metadata: { labels: { team: null, nope: null } }, spec: { paused: null } });
    expect(out.metadata.labels).toEqual({ app: "web" });
    expect(out.spec).not.toHaveProperty("paused");
  });

  it("$retainKeys switches the deployment strategy and a volume's source", () => {
    const out = patchDeployment({
      spec: {
        strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null },
        template: {
          spec: { volumes: [{ $retainKeys: ["configMap", "name"], name: "cache", configMap: { name: "cache-seed" } }] },
        },
      },
    });
    expect(out.spec.strategy).toEqual({ type: "Recreate" });
    expect(out.spec.template.spec.volumes).toEqual([{ name: "cache", configMap: { name: "cache-seed" } }]);
  });

  it("$retainKeys must list every field the patch sets", () => {
    expect(
      patchError(() =>
        patchDeployment({
          spec: { strategy: { $retainKeys: ["type"], type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } },
        }),
      ).status,
    ).toBe(422);
  });

  it("replaces lists without a merge key (tolerations, envFrom)", () => {
    const out = patchDeployment({
      spec: {
        template: {
          spec: {
            tolerations: [{ key: "spot", operator: "Exists" }],
            containers: [{ name: "app", envFrom: [{ configMapRef: { name: "b" } }] }],
          },
        },
      },
    });
    expect(out.spec.template.spec.tolerations).toEqual([{ key: "spot", operator: "Exists" }]);
    const again = applyStrategicMergePatch(
      out,
      { spec: { template: { spec: { containers: [{ name: "app", envFrom: [{ secretRef: { name: "c" } }] }] } } } },
      deployment,
    );
    expect(again.spec.template.spec.containers[0].envFrom).toEqual([{ secretRef: { name: "c" } }]);
  });

  it("$patch: replace on a map and in a list", () => {
    const out = patchDeployment({
      spec: {
        selector: { $patch: "replace", matchLabels: { app: "web2" } },
        template: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } },
      },
    });
    expect(out.spec.selector).toEqual({ matchLabels: { app: "web2" } });
    expect(out.spec.template.spec.containers).toEqual([{ name: "only", image: "x" }]);
  });

  it("$patch: delete on a map empties it; $patch: merge is the default", () => {
    const out = patchDeployment({
      spec: {
        template: { spec: { containers: [{ name: "sidecar", resources: { $patch: "delete" } }] } },
        selector: { $patch: "merge", matchExpressions: [] },
      },
    });
    expect(out.spec.template.spec.containers[1].resources).toEqual({});
    expect(out.spec.selector).toEqual({ matchLabels: { app: "web" }, matchExpressions: [] });
  });

  it("merges the other keyed lists of the table", () => {
    const live = {
      metadata: { ownerReferences: [{ uid: "u1", kind: "ReplicaSet", name: "rs1" }] },
      spec: {
        containers: [
          {
            name: "c",
            ports: [{ containerPort: 80, name: "http" }],
            volumeMounts: [{ mountPath: "/a", name: "a" }],
            volumeDevices: [{ devicePath: "/dev/x", name: "x" }],
          },
        ],
        initContainers: [{ name: "init", image: "busybox" }],
        imagePullSecrets: [{ name: "reg1" }],
        hostAliases: [{ ip: "10.0.0.1", hostnames: ["a"] }],
        topologySpreadConstraints: [{ topologyKey: "zone", maxSkew: 1 }],
      },
      status: {
        conditions: [
          { type: "Ready", status: "False" },
          { type: "PodScheduled", status: "True" },
        ],
      },
    };
    const out = applyStrategicMergePatch(
      live,
      {
        metadata: { ownerReferences: [{ uid: "u1", controller: true }] },
        spec: {
          containers: [
            {
              name: "c",
              ports: [{ containerPort: 80, name: "web" }],
              volumeMounts: [{ mountPath: "/a", readOnly: true }],
              volumeDevices: [{ devicePath: "/dev/x", name: "y" }],
            },
          ],
          initContainers: [{ name: "init", image: "busybox:1.36" }],
          imagePullSecrets: [{ name: "reg1" }],
          hostAliases: [{ ip: "10.0.0.1", hostnames: ["b"] }],
          topologySpreadConstraints: [{ topologyKey: "zone", maxSkew: 2 }],
        },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
      pod,
    );
    expect(out).toEqual({
      metadata: { ownerReferences: [{ uid: "u1", kind: "ReplicaSet", name: "rs1", controller: true }] },
      spec: {
        containers: [
          {
            name: "c",
            ports: [{ containerPort: 80, name: "web" }],
            volumeMounts: [{ mountPath: "/a", name: "a", readOnly: true }],
            volumeDevices: [{ devicePath: "/dev/x", name: "y" }],
          },
        ],
        initContainers: [{ name: "init", image: "busybox:1.36" }],
        imagePullSecrets: [{ name: "reg1" }],
        hostAliases: [{ ip: "10.0.0.1", hostnames: ["b"] }],
        topologySpreadConstraints: [{ topologyKey: "zone", maxSkew: 2 }],
      },
      status: {
        conditions: [
          { type: "Ready", status: "True" },
          { type: "PodScheduled", status: "True" },
        ],
      },
    });
  });

  it.each<[string, { group: string; kind: string }, unknown, unknown, unknown]>([
    [
      "Service spec.ports by port",
      { group: "", kind: "Service" },
      { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      { spec: { ports: [{ port: 443, targetPort: 8443 }] } },
      {
        spec: {
          ports: [
            { port: 80, targetPort: 8080 },
            { port: 443, targetPort: 8443 },
          ],
        },
      },
    ],
    [
      "ServiceAccount secrets by name",
      { group: "", kind: "ServiceAccount" },
      { secrets: [{ name: "a" }] },
      { secrets: [{ name: "b" }] },
      { secrets: [{ name: "b" }, { name: "a" }] },
    ],
    [
      "RoleBinding subjects replaced",
      { group: "rbac.authorization.k8s.io", kind: "RoleBinding" },
      { subjects: [{ kind: "User", name: "a" }] },
      { subjects: [{ kind: "User", name: "b" }] },
      { subjects: [{ kind: "User", name: "b" }] },
    ],
    [
      "CronJob pod template containers by name",
      { group: "batch", kind: "CronJob" },
      {
        spec: {
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  containers: [
                    { name: "a", image: "1" },
                    { name: "b", image: "1" },
                  ],
                },
              },
            },
          },
        },
      },
      { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "2" }] } } } } } },
      {
        spec: {
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  containers: [
                    { name: "a", image: "1" },
                    { name: "b", image: "2" },
                  ],
                },
              },
            },
          },
        },
      },
    ],
    [
      "Job status.conditions by type",
      { group: "batch", kind: "Job" },
      { status: { conditions: [{ type: "Complete", status: "False" }] } },
      { status: { conditions: [{ type: "Complete", status: "True" }] } },
      { status: { conditions: [{ type: "Complete", status: "True" }] } },
    ],
    [
      "ConfigMap data merged",
      { group: "", kind: "ConfigMap" },
      { data: { a: "1", b: "2" } },
      { data: { b: null, c: "3" } },
      { data: { a: "1", c: "3" } },
    ],
  ])("%s", (_name, kind, live, patch, want) => {
    expect(applyStrategicMergePatch(frozen(live), frozen(patch), kind)).toEqual(want);
  });

  it("keeps directives out of values that are new to the object", () => {
    const out = applyStrategicMergePatch(
      { metadata: { name: "p" } },
      {
        spec: {
          "$setElementOrder/containers": [{ name: "a" }],
          containers: [
            {
              name: "a",
              env: [
                { $patch: "delete", name: "X" },
                { name: "Y", value: null },
              ],
            },
            { $patch: "replace" },
          ],
          securityContext: { $patch: "delete" },
        },
      },
      pod,
    );
    expect(out).toEqual({ metadata: { name: "p" }, spec: { containers: [{ name: "a", env: [{ name: "Y" }] }] } });
  });

  it.each<[string, unknown, 400 | 422]>([
    ["a patch that is not an object", [{ op: "add" }], 400],
    ["an unknown $patch value", { spec: { $patch: "frobnicate" } }, 400],
    ["a list element without its merge key", { spec: { template: { spec: { containers: [{ image: "x" }] } } } }, 422],
    ["$retainKeys that is not a list", { spec: { strategy: { $retainKeys: "type" } } }, 400],
  ])("rejects %s", (_name, patch, status) => {
    expect(patchError(() => patchDeployment(patch)).status).toBe(status);
  });

  it("refuses kind null and custom resources with 415", () => {
    expect(patchError(() => applyStrategicMergePatch({}, {}, null)).status).toBe(415);
    const e = patchError(() => applyStrategicMergePatch({}, {}, { group: "velero.io", kind: "Backup" }));
    expect(e.status).toBe(415);
    expect(e.reason).toBe("UnsupportedMediaType");
    expect(e.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
  });
});

describe("strategicMergeSupported", () => {
  it.each<[string, boolean]>([
    ["", true],
    ["apps", true],
    ["batch", true],
    ["rbac.authorization.k8s.io", true],
    ["storage.k8s.io", true],
    ["velero.io", false],
    ["snapshot.storage.k8s.io", false],
    ["lifeboat.example.com", false],
  ])("%j → %s", (group, want) => {
    expect(strategicMergeSupported(group)).toBe(want);
  });
});

describe("applyPatch", () => {
  const builtIn = { group: "apps", kind: "Deployment", builtIn: true };
  const custom = { group: "velero.io", kind: "Backup", builtIn: false };
  const live = {
    metadata: { name: "x", labels: { a: "1" } },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "c", image: "1" },
            { name: "d", image: "1" },
          ],
        },
      },
    },
  };

  it("dispatches by content type, ignoring parameters and case", () => {
    expect(
      applyPatch(PATCH_TYPES.json, live, [{ op: "replace", path: "/metadata/labels/a", value: "2" }], builtIn).metadata
        .labels,
    ).toEqual({ a: "2" });
    expect(
      applyPatch(
        "application/merge-patch+json; charset=utf-8",
        live,
        { spec: { template: { spec: { containers: [{ name: "c", image: "2" }] } } } },
        builtIn,
      ).spec.template.spec.containers,
    ).toEqual([{ name: "c", image: "2" }]);
    expect(
      applyPatch(
        "Application/Strategic-Merge-Patch+JSON",
        live,
        { spec: { template: { spec: { containers: [{ name: "c", image: "2" }] } } } },
        builtIn,
      ).spec.template.spec.containers,
    ).toEqual([
      { name: "c", image: "2" },
      { name: "d", image: "1" },
    ]);
    expect(normalizePatchContentType(" application/json-patch+json ; charset=UTF-8")).toBe(PATCH_TYPES.json);
  });

  it("approximates server-side apply as a merge of the applied configuration", () => {
    const applied = {
      metadata: { name: "x", labels: { b: "2" } },
      spec: { template: { spec: { containers: [{ name: "d", image: "2" }] } } },
    };
    expect(applyPatch(PATCH_TYPES.apply, live, applied, builtIn).spec.template.spec.containers).toEqual([
      { name: "c", image: "1" },
      { name: "d", image: "2" },
    ]);
    expect(applyPatch(PATCH_TYPES.apply, { spec: { list: [1, 2] } }, { spec: { list: [3] } }, custom)).toEqual({
      spec: { list: [3] },
    });
    expect(applyPatch(PATCH_TYPES.apply, undefined, applied, builtIn)).toEqual(applied);
  });

  it("415 for an unknown content type, listing what the resource accepts", () => {
    const e = patchError(() => applyPatch("application/json", live, {}, builtIn));
    expect(e.status).toBe(415);
    expect(e.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
    );
    expect(patchError(() => applyPatch("", live, {}, custom)).message).not.toContain("strategic");
  });

  it("415 for strategic merge patch on a custom resource; json and merge patches work", () => {
    const cr = {
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: { name: "b" },
      spec: { includedNamespaces: ["a"] },
    };
    const e = patchError(() => applyPatch(PATCH_TYPES.strategic, cr, { spec: { ttl: "1h" } }, custom));
    expect(e.status).toBe(415);
    expect(e.message).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
    expect(applyPatch(PATCH_TYPES.merge, cr, { spec: { ttl: "1h" } }, custom).spec).toEqual({
      includedNamespaces: ["a"],
      ttl: "1h",
    });
    expect(
      applyPatch(PATCH_TYPES.json, cr, [{ op: "add", path: "/spec/includedNamespaces/-", value: "b" }], custom).spec
        .includedNamespaces,
    ).toEqual(["a", "b"]);
  });

  it("PatchError defaults to 422", () => {
    const e = new PatchError("nope");
    expect(e.status).toBe(422);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("PatchError");
  });
});
