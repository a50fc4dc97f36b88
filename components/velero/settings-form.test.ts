import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { splitServerError } from "@/lib/forms/server-errors";
import {
  advancedInvalid,
  hasAdvancedSettings,
  settingsFieldOf,
  settingsFormDefaults,
  settingsFormSchema,
  settingsInputFieldOf,
  toSettingsInput,
  type SettingsFormValues,
} from "./settings-form";

const settings = (patch: Partial<VeleroSettings>): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...patch });
const values = (patch: Partial<SettingsFormValues> = {}): SettingsFormValues => ({
  ...settingsFormDefaults(DEFAULT_VELERO_SETTINGS, { csiOk: true }),
  ...patch,
});
const issues = (v: SettingsFormValues) => {
  const r = settingsFormSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

const placed = settings({
  registry: "mirror.example:5000",
  imagePullSecrets: ["regcred", "mirror-pull"],
  resources: {
    velero: { cpuRequest: "250m", memRequest: "256Mi", cpuLimit: "2", memLimit: "1Gi" },
    nodeAgent: { cpuRequest: "100m", memRequest: "0", cpuLimit: "0", memLimit: "2Gi" },
  },
  nodeAgent: {
    nodeSelector: { "kubernetes.io/os": "linux", disk: "" },
    tolerations: [
      { key: "dedicated", operator: "Equal", value: "backup", effect: "NoSchedule" },
      { operator: "Exists" },
    ],
  },
});

describe("the settings form", () => {
  it("opens on the settings and submits them unchanged", () => {
    const v = settingsFormDefaults(placed, { csiOk: true });
    expect(v.pullSecretsText).toBe("regcred, mirror-pull");
    expect(v.nodeSelector).toEqual([
      { key: "kubernetes.io/os", value: "linux" },
      { key: "disk", value: "" },
    ]);
    expect(v.tolerations).toEqual([
      { key: "dedicated", operator: "Equal", value: "backup", effect: "NoSchedule" },
      { key: "", operator: "Exists", value: "", effect: "" },
    ]);
    expect(settingsFormSchema.parse(v)).toEqual({ settings: placed, whenBusy: "refuse" });
    expect(settingsFormSchema.parse(values()).settings).toEqual(DEFAULT_VELERO_SETTINGS);
  });

  it("opens with CSI off where the cluster cannot take it, and at the version asked for", () => {
    const v = settingsFormDefaults(DEFAULT_VELERO_SETTINGS, { csiOk: false, version: "v1.17.0" });
    expect(v.csi).toEqual({ enabled: false, moveDataByDefault: false });
    expect(v.version).toBe("v1.17.0");
  });

  it("reads what was typed: pull secrets split on commas, empty node label rows dropped, blanks trimmed", () => {
    const input = toSettingsInput(
      values({
        registryText: "  ",
        pullSecretsText: " regcred,, mirror-pull ,",
        nodeSelector: [
          { key: " disk ", value: " ssd " },
          { key: "", value: "" },
          { key: "disk", value: "hdd" },
        ],
        tolerations: [{ key: " gpu ", operator: "Exists", value: " ", effect: "NoExecute" }],
      }),
    );
    expect(input.registry).toBeNull();
    expect(input.imagePullSecrets).toEqual(["regcred", "mirror-pull"]);
    expect(input.nodeAgent.nodeSelector).toEqual({ disk: "ssd" });
    expect(input.nodeAgent.tolerations).toEqual([{ key: "gpu", operator: "Exists", effect: "NoExecute" }]);
  });

  it("puts each refusal on the field the operator typed it in", () => {
    expect(
      issues(
        values({
          registryText: "https://registry.example",
          pullSecretsText: "regcred, Bad_Name",
          resources: {
            velero: { ...DEFAULT_VELERO_SETTINGS.resources.velero, cpuLimit: "lots" },
            nodeAgent: { ...DEFAULT_VELERO_SETTINGS.resources.nodeAgent, memRequest: "1 Gi" },
          },
          nodeSelector: [
            { key: "disk", value: "ssd" },
            { key: "bad key!", value: "x" },
            { key: "zone", value: "not a value!" },
            { key: "disk", value: "hdd" },
            { key: "", value: "orphan" },
          ],
          tolerations: [
            { key: "", operator: "Equal", value: "x", effect: "" },
            { key: "gpu", operator: "Exists", value: "x", effect: "" },
          ],
          csi: { enabled: false, moveDataByDefault: true },
        }),
      ),
    ).toEqual([
      "nodeSelector.3.key: disk is given twice",
      "nodeSelector.4.key: Give the node label's key, or remove the row",
      "registryText: A registry address such as registry.example.com:5000/mirror",
      "pullSecretsText: A Secret's name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit",
      'resources.velero.cpuLimit: A quantity such as 500m, 1, 128Mi or 1Gi ("0" for none)',
      'resources.nodeAgent.memRequest: A quantity such as 500m, 1, 128Mi or 1Gi ("0" for none)',
      "nodeSelector.2.value: Not a label value",
      "nodeSelector.1.key: Not a label key (e.g. kubernetes.io/os)",
      "tolerations.0.key: Equal needs the taint's key",
      "tolerations.1.value: Exists matches any value: leave the value empty",
      "csi.moveDataByDefault: Data movement moves CSI snapshots: turn CSI snapshots on",
    ]);
    expect(issues(values({ pullSecretsText: "a, b, c, d, e, f" }))).toEqual([
      "pullSecretsText: At most 5 pull secrets",
    ]);
  });

  it("maps the server's refusals of the procedure's input to the same fields", () => {
    const v = values({
      nodeSelector: [{ key: "disk", value: "ssd" }],
      tolerations: [{ key: "gpu", operator: "Equal", value: "a", effect: "" }],
    });
    const err = {
      message: "Invalid input",
      data: {
        fieldErrors: [
          { path: "settings.imagePullSecrets.1", message: "bad secret" },
          { path: "settings.resources.nodeAgent.cpuLimit", message: "bad quantity" },
          { path: "settings.nodeAgent.nodeSelector.disk", message: "Not a label value" },
          { path: "settings.nodeAgent.tolerations.0.effect", message: "bad effect" },
          { path: "settings.registry", message: "bad registry" },
          { path: "whenBusy", message: "bad choice" },
          { path: "settings.nodeAgent.tolerations", message: "Too many" },
          { path: "lifeboatNamespace", message: "bad namespace" },
        ],
      },
    };
    expect(splitServerError(err, settingsInputFieldOf(v))).toEqual({
      fields: [
        { name: "pullSecretsText", message: "bad secret" },
        { name: "resources.nodeAgent.cpuLimit", message: "bad quantity" },
        { name: "nodeSelector.0.value", message: "Not a label value" },
        { name: "tolerations.0.effect", message: "bad effect" },
        { name: "registryText", message: "bad registry" },
        { name: "whenBusy", message: "bad choice" },
      ],
      form: "settings.nodeAgent.tolerations: Too many; lifeboatNamespace: bad namespace",
    });
    expect(settingsFieldOf(v)(["nodeAgent", "nodeSelector", "zone"], "Not a label key")).toBeNull();
    expect(settingsFieldOf(v)(["nodeAgent", "tolerations", "3", "key"])).toBeNull();
  });

  it("opens the Advanced section on settings that use it, and on its errors", () => {
    expect(hasAdvancedSettings(DEFAULT_VELERO_SETTINGS)).toBe(false);
    expect(hasAdvancedSettings(placed)).toBe(true);
    expect(hasAdvancedSettings(settings({ imagePullSecrets: ["regcred"] }))).toBe(true);
    expect(
      hasAdvancedSettings(
        settings({
          resources: {
            ...DEFAULT_VELERO_SETTINGS.resources,
            velero: { ...DEFAULT_VELERO_SETTINGS.resources.velero, memLimit: "1Gi" },
          },
        }),
      ),
    ).toBe(true);
    expect(advancedInvalid({ registryText: { message: "x" } })).toBe(false);
    expect(advancedInvalid({ tolerations: [undefined, { key: { message: "x" } }] })).toBe(true);
    expect(advancedInvalid({ resources: { velero: { cpuLimit: { message: "x" } } } })).toBe(true);
  });
});
