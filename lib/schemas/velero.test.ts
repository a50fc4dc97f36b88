import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DEFAULT_VELERO_SETTINGS,
  refineVeleroSettings,
  veleroSettings,
  veleroSettingsFields,
  wantsNodeAgent,
} from "./velero";

const parse = (patch: Record<string, unknown>) => veleroSettings.safeParse({ ...DEFAULT_VELERO_SETTINGS, ...patch });
const issues = (patch: Record<string, unknown>) => {
  const r = parse(patch);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("veleroSettings", () => {
  it("accepts the defaults: the newest release, FSB opt-out (TMC's default), CSI on", () => {
    expect(veleroSettings.parse(DEFAULT_VELERO_SETTINGS)).toEqual(DEFAULT_VELERO_SETTINGS);
    expect(DEFAULT_VELERO_SETTINGS).toMatchObject({
      version: "v1.18.1",
      fsBackup: { enabled: true, default: "optOut" },
    });
  });

  it("explains each refusal next to its field", () => {
    expect(issues({ version: "v9.9.9" })).toEqual(["version: Lifeboat installs v1.18.1 or v1.17.0"]);
    expect(issues({ registry: "https://registry.example" })).toEqual([
      "registry: A registry address such as registry.example.com:5000/mirror",
    ]);
    expect(issues({ csi: { enabled: false, moveDataByDefault: true } })).toEqual([
      "csi.moveDataByDefault: Data movement moves CSI snapshots: turn CSI snapshots on",
    ]);
    const resources = {
      ...DEFAULT_VELERO_SETTINGS.resources,
      velero: { ...DEFAULT_VELERO_SETTINGS.resources.velero, memLimit: "lots" },
    };
    expect(issues({ resources })).toEqual([
      'resources.velero.memLimit: A quantity such as 500m, 1, 128Mi or 1Gi ("0" for none)',
    ]);
    const nodeAgent = {
      nodeSelector: { "bad key!": "x" },
      tolerations: [{ operator: "Exists", value: "x" }, { operator: "Equal" }],
    };
    expect(issues({ nodeAgent })).toEqual([
      "nodeAgent.nodeSelector.bad key!: Not a label key (e.g. kubernetes.io/os)",
      "nodeAgent.tolerations.0.value: Exists matches any value: leave the value empty",
      "nodeAgent.tolerations.1.key: Equal needs the taint's key",
    ]);
  });

  it("names image pull secrets as Secrets are named, at most five, each once", () => {
    expect(parse({ imagePullSecrets: [" regcred ", "mirror.pull-secret"] }).data?.imagePullSecrets).toEqual([
      "regcred",
      "mirror.pull-secret",
    ]);
    const invalid =
      "A Secret's name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
    expect(issues({ imagePullSecrets: ["RegCred", "reg_cred", "-regcred", "", "a".repeat(254)] })).toEqual(
      [0, 1, 2, 3, 4].map((i) => `imagePullSecrets.${i}: ${invalid}`),
    );
    expect(issues({ imagePullSecrets: ["a", "b", "c", "d", "e", "f"] })).toEqual([
      "imagePullSecrets: At most 5 pull secrets",
    ]);
    expect(issues({ imagePullSecrets: ["regcred", "other", "regcred"] })).toEqual([
      "imagePullSecrets.2: regcred is named twice",
    ]);
  });

  it("parses settings stored before pull secrets existed as having none", () => {
    const { imagePullSecrets: _p, ...stored } = DEFAULT_VELERO_SETTINGS;
    expect(veleroSettings.parse(JSON.parse(JSON.stringify(stored)))).toEqual({
      ...DEFAULT_VELERO_SETTINGS,
      imagePullSecrets: [],
    });
    expect(DEFAULT_VELERO_SETTINGS.imagePullSecrets).toEqual([]);
  });

  it("normalises a registry's case and runs the node-agent only when FSB or data movement needs it", () => {
    expect(parse({ registry: "Mirror.Example:5000/Velero" }).data?.registry).toBe("mirror.example:5000/velero");
    expect(
      wantsNodeAgent({
        fsBackup: { enabled: false, default: "optIn" },
        csi: { enabled: true, moveDataByDefault: false },
      }),
    ).toBe(false);
    expect(
      wantsNodeAgent({
        fsBackup: { enabled: false, default: "optIn" },
        csi: { enabled: true, moveDataByDefault: true },
      }),
    ).toBe(true);
  });

  it("a form extends the fields (zod refuses to omit from a refined object) and keeps the rules across them", () => {
    const form = veleroSettingsFields
      .omit({ registry: true })
      .extend({ registryText: z.string() })
      .superRefine(refineVeleroSettings);
    const { registry: _r, ...rest } = DEFAULT_VELERO_SETTINGS;
    const r = form.safeParse({ ...rest, registryText: "", csi: { enabled: false, moveDataByDefault: true } });
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join("."))).toEqual(["csi.moveDataByDefault"]);
  });
});
