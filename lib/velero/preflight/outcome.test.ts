import { describe, expect, it } from "vitest";
import { restoreOutcome } from "./outcome";

describe("restoreOutcome", () => {
  it("counts a restore's resource list per namespace and kind, a Namespace object in its own rows", () => {
    // As Velero 1.18 writes restore-<name>-resource-list.json.gz (pkg/restore/restore.go, itemRestoreResult*).
    const rows = restoreOutcome({
      "v1/Namespace": ["shop(created)"],
      "apps/v1/Deployment": ["shop/web(created)", "shop/api(skipped)"],
      "v1/ConfigMap": ["shop/settings(updated)"],
      "shop.example.io/v1/Widget": ["shop/blue(failed)"],
      "v1/PersistentVolume": ["pvc-1234(skipped)"],
    });
    expect(rows).toEqual([
      { namespace: null, kind: "PersistentVolume", groupVersion: "v1", created: 0, updated: 0, skipped: 1, failed: 0 },
      { namespace: "shop", kind: "ConfigMap", groupVersion: "v1", created: 0, updated: 1, skipped: 0, failed: 0 },
      { namespace: "shop", kind: "Deployment", groupVersion: "apps/v1", created: 1, updated: 0, skipped: 1, failed: 0 },
      { namespace: "shop", kind: "Namespace", groupVersion: "v1", created: 1, updated: 0, skipped: 0, failed: 0 },
      {
        namespace: "shop",
        kind: "Widget",
        groupVersion: "shop.example.io/v1",
        created: 0,
        updated: 0,
        skipped: 0,
        failed: 1,
      },
    ]);
  });

  it("ignores what is not a resource list entry, and answers null for what is not a list", () => {
    expect(restoreOutcome([])).toBeNull();
    expect(restoreOutcome("x")).toBeNull();
    expect(
      restoreOutcome({ "v1/Pod": ["shop/a(created)", 3, "shop/b", "shop/c(deleted)"], Pod: ["x(created)"] }),
    ).toEqual([{ namespace: "shop", kind: "Pod", groupVersion: "v1", created: 1, updated: 0, skipped: 0, failed: 0 }]);
  });
});
