import { describe, expect, it } from "vitest";
import { lacksObjectStorePlugin, objectStorePluginName } from "./plugins";

const reported = [
  { name: "velero.io/aws", kind: "ObjectStore" },
  { name: "velero.io/pod", kind: "BackupItemAction" },
  { name: "velero.io/azure", kind: "VolumeSnapshotter" },
];

describe("the ObjectStore plugin a location needs", () => {
  it("names the short and the long provider the same", () => {
    expect(objectStorePluginName("aws")).toBe("velero.io/aws");
    expect(objectStorePluginName("velero.io/azure")).toBe("velero.io/azure");
  });

  it("finds the plugin by name among ObjectStore plugins only", () => {
    expect(lacksObjectStorePlugin(reported, "aws")).toBe(false);
    expect(lacksObjectStorePlugin(reported, "velero.io/aws")).toBe(false);
    // Azure's VolumeSnapshotter does not serve a BackupStorageLocation.
    expect(lacksObjectStorePlugin(reported, "velero.io/azure")).toBe(true);
  });

  it("cannot tell without a report", () => {
    expect(lacksObjectStorePlugin(undefined, "velero.io/azure")).toBeNull();
    expect(lacksObjectStorePlugin([], "velero.io/azure")).toBeNull();
  });
});
