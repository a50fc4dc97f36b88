import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { decide, settingsDigest, type ClusterFacts, type PolicyFacts } from "./group-decision";

const v17: VeleroSettings = { ...DEFAULT_VELERO_SETTINGS, version: "v1.17.0" };
const v18: VeleroSettings = { ...DEFAULT_VELERO_SETTINGS, version: "v1.18.1" };
const policy = (settings = v18, whenBusy: PolicyFacts["whenBusy"] = "refuse"): PolicyFacts => ({
  id: "policy-1",
  settings,
  whenBusy,
});
const cluster = (patch: Partial<ClusterFacts> = {}): ClusterFacts => ({
  state: "CONNECTED",
  accessLevel: "MANAGE",
  management: "OFF",
  installedVersion: null,
  appliedSettings: null,
  busy: [],
  latest: null,
  tracked: null,
  ...patch,
});
const managed = (settings: VeleroSettings, patch: Partial<ClusterFacts> = {}) =>
  cluster({ management: "MANAGED", installedVersion: settings.version, appliedSettings: settings, ...patch });
const op = (patch: Partial<NonNullable<ClusterFacts["latest"]>> = {}): NonNullable<ClusterFacts["latest"]> => ({
  id: "op-1",
  kind: "INSTALL",
  phase: "SUCCEEDED",
  message: null,
  settings: v18,
  ...patch,
});
const tracked = (patch: Partial<NonNullable<ClusterFacts["tracked"]>> = {}): NonNullable<ClusterFacts["tracked"]> => ({
  policyId: "policy-1",
  operationId: "op-1",
  retryPastId: null,
  refusal: null,
  refusalDigest: null,
  ...patch,
});

describe("a group policy's decision for one cluster", () => {
  it("installs where Velero does not run, or where Lifeboat removed it", () => {
    expect(decide(cluster(), policy())).toMatchObject({ state: "waiting", action: "install", reason: null });
    expect(decide(cluster({ management: "DISABLED" }), policy()).action).toBe("install");
  });

  it("leaves a cluster that runs the group's settings alone, whatever order their keys were written in", () => {
    const reordered = Object.fromEntries(Object.entries(v18).reverse());
    expect(decide(managed(v18, { appliedSettings: reordered }), policy())).toMatchObject({
      state: "in policy",
      action: null,
      message: null,
    });
  });

  it("upgrades an older version, changes other settings, and never downgrades", () => {
    expect(decide(managed(v17), policy())).toMatchObject({ action: "upgrade", state: "waiting" });
    const optIn = { ...v18, fsBackup: { enabled: true, default: "optIn" as const } };
    expect(decide(managed(optIn), policy())).toMatchObject({ action: "change" });
    expect(decide(managed(v18), policy(v17))).toMatchObject({
      state: "blocked",
      reason: "a newer version",
      action: null,
      message: "Velero v1.18.1 runs here, newer than the group's v1.17.0: Lifeboat does not downgrade it",
    });
  });

  it("follows whatever operation runs on the cluster, and starts nothing beside it", () => {
    const running = (kind: string, phase = "APPLYING", message: string | null = null) =>
      decide(cluster({ latest: op({ kind, phase, message }) }), policy());
    expect(running("INSTALL")).toMatchObject({ state: "installing", action: null });
    expect(running("UPGRADE", "ROLLING_OUT", "Waiting for Velero's server")).toMatchObject({
      state: "upgrading",
      message: "Waiting for Velero's server",
    });
    expect(running("CONFIGURE", "PENDING")).toMatchObject({ state: "changing", action: null });
    expect(running("DISABLE")).toMatchObject({ state: "changing", action: null });
    expect(running("INSTALL", "REVIEW")).toMatchObject({ state: "waiting", action: null });
    expect(running("UPGRADE", "APPLYING", "Waiting for what runs on the cluster to finish: Backup b")).toMatchObject({
      state: "waiting",
      message: "Waiting for what runs on the cluster to finish: Backup b",
    });
  });

  it("is blocked without the manage access, and by someone else's Velero", () => {
    expect(decide(cluster({ accessLevel: "OPERATE" }), policy())).toMatchObject({
      state: "blocked",
      reason: "no manage access",
      action: null,
      retryable: false,
    });
    expect(decide(cluster({ accessLevel: "NONE" }), policy()).message).toContain("Lifeboat has no access here");
    expect(decide(cluster({ management: "ADOPTED" }), policy())).toMatchObject({
      state: "blocked",
      reason: "someone else's Velero",
      action: null,
    });
  });

  it("does not start its own failed operation again for the same settings, but tries new settings", () => {
    const failed = op({ phase: "FAILED", message: "The cluster could not pull the image" });
    expect(decide(cluster({ latest: failed, tracked: tracked() }), policy())).toMatchObject({
      state: "failed",
      message: "The cluster could not pull the image",
      retryable: true,
      action: null,
    });
    const cancelled = op({ phase: "CANCELLED" });
    expect(decide(cluster({ latest: cancelled, tracked: tracked() }), policy())).toMatchObject({
      state: "failed",
      message: "The operation was cancelled",
    });
    expect(
      decide(cluster({ latest: op({ phase: "FAILED", settings: v17 }), tracked: tracked() }), policy()).action,
    ).toBe("install");
  });

  it("is blocked by a failed operation someone else started (or another group's policy), until asked to retry", () => {
    const failed = op({ id: "op-9", phase: "FAILED", message: "Velero did not roll out" });
    expect(decide(cluster({ latest: failed }), policy())).toMatchObject({
      state: "blocked",
      reason: "a failed operation",
      message: "Velero did not roll out",
      retryable: true,
      action: null,
    });
    expect(decide(cluster({ latest: failed, tracked: tracked({ policyId: "other" }) }), policy()).reason).toBe(
      "a failed operation",
    );
    // Someone cancelled what they reviewed: nothing to look at.
    expect(decide(cluster({ latest: op({ phase: "CANCELLED", id: "op-9" }) }), policy()).action).toBe("install");
    // Asked to retry past it.
    expect(decide(cluster({ latest: failed, tracked: tracked({ retryPastId: "op-9" }) }), policy()).action).toBe(
      "install",
    );
    expect(
      decide(cluster({ latest: op({ phase: "FAILED" }), tracked: tracked({ retryPastId: "op-1" }) }), policy()).action,
    ).toBe("install");
  });

  it("shows a start the services refused, for the settings it was refused for", () => {
    const refused = tracked({
      operationId: null,
      refusal: "Velero is already installed",
      refusalDigest: settingsDigest(v18),
    });
    expect(decide(cluster({ tracked: refused }), policy())).toMatchObject({
      state: "blocked",
      reason: "refused",
      message: "Velero is already installed",
      retryable: true,
      action: null,
    });
    expect(decide(cluster({ tracked: refused }), policy(v17)).action).toBe("install");
  });

  it("waits for a cluster that does not answer", () => {
    expect(decide(cluster({ state: "DISCONNECTED" }), policy())).toMatchObject({ state: "waiting", action: null });
    expect(decide(cluster({ state: "PENDING" }), policy()).action).toBeNull();
    expect(decide(managed(v18, { state: "DISCONNECTED" }), policy()).state).toBe("in policy");
  });

  it("while backups run: waits when the policy refuses to interrupt them, starts when the operation may wait", () => {
    const busy = managed(v17, { busy: ["Backup nightly-1"] });
    expect(decide(busy, policy(v18, "refuse"))).toMatchObject({
      state: "waiting",
      action: null,
      message: "1 backup or restore runs here (Backup nightly-1): the upgrade starts when they finish",
    });
    expect(decide(busy, policy(v18, "wait")).action).toBe("upgrade");
  });
});
