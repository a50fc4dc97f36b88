import { describe, expect, it } from "vitest";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";
import { defaultInstallFlags, renderVeleroObjects } from "./installer";
import { servedBy } from "./supervisor";

// How a velero Deployment (as `velero install` renders it) configures the stand-in: the version is its image's tag,
// EnableCSI comes from --features, the plugins from the init containers, the server defaults from its flags.
describe.skipIf(!haveCrds)("servedBy " + (haveCrds ? "" : crdsSkipReason), () => {
  const render = (patch: Partial<ReturnType<typeof defaultInstallFlags>>) => {
    const flags = { ...defaultInstallFlags("v1.17.0"), ...patch };
    const objects = renderVeleroObjects({ version: "v1.17.0", flags, crdsDir: VELERO_CRDS_DIR });
    return objects.find((o) => o.kind === "Deployment");
  };

  it("reads the version, features, plugins and server defaults from the rendered Deployment", () => {
    const dep = render({
      plugins: ["velero/velero-plugin-for-aws:v1.13.0"],
      features: "EnableCSI",
      useNodeAgent: true,
      defaultVolumesToFsBackup: true,
      defaultSnapshotMoveData: true,
    });
    const ready = { kind: "DaemonSet", metadata: { name: "node-agent" }, status: { numberReady: 3 } };
    expect(servedBy(dep, ready)).toEqual({
      namespace: "velero",
      version: "v1.17.0",
      csi: true,
      objectStorePlugins: ["velero.io/aws"],
      nodeAgent: true,
      defaultVolumesToFsBackup: true,
      defaultSnapshotMoveData: true,
    });
  });

  it("a Deployment without those flags, no node-agent ready, and an image that is not Velero's", () => {
    expect(servedBy(render({}), undefined)).toMatchObject({
      csi: false,
      objectStorePlugins: [],
      nodeAgent: false,
      defaultVolumesToFsBackup: false,
      defaultSnapshotMoveData: false,
    });
    const other = structuredClone(render({})) as any;
    other.spec.template.spec.containers[0].image = "nginx:1.27";
    expect(servedBy(other, undefined)).toBeNull();
  });
});
