import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { runVeleroInstall } from "@/sandbox/velero/installer";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "@/sandbox/testing/paths";
import { installRequest } from "./install-flags";

const s = (patch: Partial<VeleroSettings> = {}): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...patch });

describe("installRequest", () => {
  it("turns the default settings into velero install's flags, images from the release and the registry", () => {
    const r = installRequest(s({ version: "v1.17.0", registry: "mirror.example:5000/velero-mirror" }), [
      "velero.io/azure",
      "velero.io/aws",
    ]);
    expect(r.serverImage).toBe("mirror.example:5000/velero-mirror/velero/velero:v1.17.0");
    expect(r.pluginImages).toEqual([
      "mirror.example:5000/velero-mirror/velero/velero-plugin-for-aws:v1.13.0",
      "mirror.example:5000/velero-mirror/velero/velero-plugin-for-microsoft-azure:v1.13.0",
    ]);
    expect(r.args).toEqual([
      "install",
      "--dry-run",
      "--output=json",
      "--namespace=velero",
      "--image=mirror.example:5000/velero-mirror/velero/velero:v1.17.0",
      "--no-secret",
      "--no-default-backup-location",
      "--use-volume-snapshots=false",
      "--uploader-type=kopia",
      `--plugins=${r.pluginImages.join(",")}`,
      "--features=EnableCSI",
      "--use-node-agent",
      "--default-volumes-to-fs-backup",
      "--velero-pod-cpu-request=500m",
      "--velero-pod-mem-request=128Mi",
      "--velero-pod-cpu-limit=1",
      "--velero-pod-mem-limit=512Mi",
      "--node-agent-pod-cpu-request=0",
      "--node-agent-pod-mem-request=0",
      "--node-agent-pod-cpu-limit=0",
      "--node-agent-pod-mem-limit=0",
    ]);
    expect(r.nodeAgent).toBe(true);
  });

  it("follows each setting: opt-in, CSI off, data movement, privileged node-agent, no node-agent at all", () => {
    const optIn = installRequest(s({ fsBackup: { enabled: true, default: "optIn" } }), []);
    expect(optIn.args).not.toContain("--default-volumes-to-fs-backup");
    expect(optIn.args.some((a) => a.startsWith("--plugins"))).toBe(false);
    const noCsi = installRequest(s({ csi: { enabled: false, moveDataByDefault: false } }), []);
    expect(noCsi.args).not.toContain("--features=EnableCSI");
    const moved = installRequest(
      s({ fsBackup: { enabled: false, default: "optIn" }, csi: { enabled: true, moveDataByDefault: true } }),
      [],
    );
    expect(moved.args).toEqual(expect.arrayContaining(["--use-node-agent", "--default-snapshot-move-data"]));
    const privileged = installRequest(s({ privilegedNodeAgent: true }), []);
    expect(privileged.args).toContain("--privileged-node-agent");
    const none = installRequest(s({ fsBackup: { enabled: false, default: "optIn" }, privilegedNodeAgent: true }), []);
    expect(none.nodeAgent).toBe(false);
    expect(none.args.filter((a) => a.includes("node-agent"))).toEqual([]);
  });

  it("refuses a version Lifeboat does not install", () => {
    expect(() => installRequest(s({ version: "v9.9.9" }), [])).toThrow("does not install Velero v9.9.9");
  });

  it.skipIf(!haveCrds)(
    "every combination of the switches is accepted by velero install " + (haveCrds ? "" : crdsSkipReason),
    () => {
      for (let bits = 0; bits < 32; bits++) {
        const b = (i: number) => Boolean(bits & (1 << i));
        const settings = s({
          fsBackup: { enabled: b(0), default: b(1) ? "optOut" : "optIn" },
          csi: { enabled: b(2), moveDataByDefault: b(2) && b(3) },
          privilegedNodeAgent: b(4),
        });
        const r = installRequest(settings, ["velero.io/aws"]);
        expect(new Set(r.args.map((a) => a.split("=")[0])).size).toBe(r.args.length); // no flag twice
        const run = runVeleroInstall({
          image: r.serverImage,
          args: r.args,
          crdsDir: VELERO_CRDS_DIR,
          serviceAccountToken: true,
        });
        expect({ bits, exit: run.exitCode, out: run.exitCode ? run.output : "" }).toEqual({ bits, exit: 0, out: "" });
      }
    },
  );
});
