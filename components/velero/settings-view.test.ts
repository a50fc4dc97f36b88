import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { VELERO_RELEASES } from "@/lib/velero/versions";
import {
  nodeAgentText,
  resourcesText,
  settingsRows,
  settingsText,
  submitLabel,
  tolerationText,
  versionChoices,
} from "./settings-view";

const newest = VELERO_RELEASES[0].version;
const oldest = VELERO_RELEASES[VELERO_RELEASES.length - 1].version;
const settings = (patch: Partial<VeleroSettings>): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...patch });

describe("the settings dialog's choices", () => {
  it("offers every release to install, and no downgrade to change or take over", () => {
    expect(versionChoices("install", null).map((r) => r.version)).toEqual(VELERO_RELEASES.map((r) => r.version));
    expect(versionChoices("change", newest).map((r) => r.version)).toEqual([newest]);
    expect(versionChoices("change", oldest).map((r) => r.version)).toEqual(VELERO_RELEASES.map((r) => r.version));
    expect(versionChoices("takeOver", newest).map((r) => r.version)).toEqual([newest]);
  });

  it("says whether the preview is a change or an upgrade", () => {
    expect(submitLabel("install", null, newest)).toBe("Run Velero's installer");
    expect(submitLabel("change", oldest, oldest)).toBe("Preview changes");
    expect(submitLabel("change", oldest, newest)).toBe(`Preview upgrade to ${newest}`);
    expect(submitLabel("takeOver", oldest, newest)).toBe("Preview changes");
  });
});

describe("the settings, listed", () => {
  it("lists each setting with its test id", () => {
    const rows = settingsRows(
      settings({ version: "v1.17.0", fsBackup: { enabled: true, default: "optIn" }, registry: "mirror.example:5000" }),
    );
    expect(rows.map((r) => r.id)).toEqual([
      "version",
      "fsb",
      "csi",
      "data-movement",
      "registry",
      "pull-secrets",
      "resources",
      "node-agent",
    ]);
    const value = (id: string) => rows.find((r) => r.id === id)?.value;
    expect(value("version")).toBe("v1.17.0");
    expect(value("fsb")).toBe("On: only the volumes a pod names (opt-in)");
    expect(value("csi")).toBe("On");
    expect(value("data-movement")).toBe("Off");
    expect(value("registry")).toBe("mirror.example:5000");
    expect(value("pull-secrets")).toBe("None");
    expect(value("resources")).toBe(
      "Velero's server: requests 500m CPU, 128Mi memory; limits 1 CPU, 512Mi memory. Node-agent: no requests or limits",
    );
    expect(value("node-agent")).toBe("on every node");
  });

  it("says file-system backup off, data movement on and Docker Hub", () => {
    const rows = settingsRows(
      settings({ fsBackup: { enabled: false, default: "optOut" }, csi: { enabled: true, moveDataByDefault: true } }),
    );
    const value = (id: string) => rows.find((r) => r.id === id)?.value;
    expect(value("fsb")).toBe("Off");
    expect(value("data-movement")).toBe("On: snapshot data is moved to the backup location");
    expect(value("registry")).toBe("Docker Hub (docker.io)");
  });

  it("names the image pull secrets", () => {
    const s = settings({ registry: "registry.example", imagePullSecrets: ["regcred", "mirror-pull"] });
    expect(settingsRows(s).find((r) => r.id === "pull-secrets")?.value).toBe("regcred, mirror-pull");
    expect(settingsText(s)).toBe(
      "file-system backup of every volume (opt-out); CSI snapshots; images from registry.example with the pull " +
        "secrets regcred, mirror-pull",
    );
  });

  it("writes resources, with 0 as none", () => {
    expect(resourcesText({ cpuRequest: "100m", memRequest: "0", cpuLimit: "0", memLimit: "1Gi" })).toBe(
      "requests 100m CPU; limits 1Gi memory",
    );
    expect(resourcesText({ cpuRequest: "0", memRequest: "0", cpuLimit: "0", memLimit: "0" })).toBe(
      "no requests or limits",
    );
  });

  it("says where the node-agent runs, or that it does not", () => {
    expect(
      nodeAgentText(
        settings({
          privilegedNodeAgent: true,
          nodeAgent: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "backup", effect: "NoSchedule" }],
          },
        }),
      ),
    ).toBe("Privileged, on nodes labelled kubernetes.io/os=linux, tolerating dedicated=backup:NoSchedule");
    expect(
      nodeAgentText(
        settings({ fsBackup: { enabled: false, default: "optIn" }, csi: { enabled: true, moveDataByDefault: false } }),
      ),
    ).toMatch(/^Not running/);
    expect(tolerationText({ operator: "Exists" })).toBe("every taint");
    expect(tolerationText({ key: "gpu", operator: "Exists", effect: "NoExecute" })).toBe("gpu (any value):NoExecute");
  });

  it("says the settings in one sentence (what the section's summary shows)", () => {
    expect(settingsText(settings({ fsBackup: { enabled: true, default: "optIn" } }))).toBe(
      "file-system backup of annotated volumes (opt-in); CSI snapshots; images from Docker Hub",
    );
  });
});
