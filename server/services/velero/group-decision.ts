import crypto from "node:crypto";
import { canonicalJson } from "@/lib/json/canonical";
import { ACTIVE_PHASES, type VeleroSettings, type WHEN_BUSY } from "@/lib/schemas/velero";
import type { GroupBlockReason, GroupClusterState } from "@/lib/schemas/velero-group";
import { compareVersions } from "@/lib/velero/versions";

// What a group's Velero policy does on one cluster of the group, from what Lifeboat knows of the cluster (#12 §3).
// Pure: the velero-group-policy reconciler acts on `action`, the group's page shows `state`, `reason` and `message`.

/** The settings as one string: equal settings, whatever the order their keys were written in, digest alike. */
export const settingsDigest = (s: unknown) => crypto.createHash("sha256").update(canonicalJson(s)).digest("hex");

export interface PolicyFacts {
  id: string;
  settings: VeleroSettings;
  whenBusy: (typeof WHEN_BUSY)[number];
}

export interface ClusterFacts {
  state: "PENDING" | "CONNECTED" | "DISCONNECTED";
  accessLevel: "NONE" | "OPERATE" | "MANAGE";
  /** As veleroManagementOf gives it (what a failed install of Lifeboat's left behind is not someone else's). */
  management: "OFF" | "ADOPTED" | "MANAGED" | "DISABLED";
  /** The version Lifeboat installed (its installation record), null when it installed none. */
  installedVersion: string | null;
  appliedSettings: unknown;
  /** Backups and restores running on the cluster now. */
  busy: string[];
  /** The cluster's latest Velero operation, whoever started it. */
  latest: { id: string; kind: string; phase: string; message: string | null; settings: unknown } | null;
  /** What this policy did on the cluster. */
  tracked: {
    policyId: string;
    operationId: string | null;
    retryPastId: string | null;
    refusal: string | null;
    refusalDigest: string | null;
  } | null;
}

export type GroupAction = "install" | "upgrade" | "change";

export interface Decision {
  state: GroupClusterState;
  reason: GroupBlockReason | null;
  message: string | null;
  /** What the reconciler starts now (nothing when null). */
  action: GroupAction | null;
  /** The admin may ask the policy to try again past a failed operation. */
  retryable: boolean;
}

const ACTIVE: readonly string[] = ACTIVE_PHASES;
const decision = (state: GroupClusterState, message: string | null, more: Partial<Decision> = {}): Decision => ({
  state,
  reason: null,
  message,
  action: null,
  retryable: false,
  ...more,
});
const blocked = (reason: GroupBlockReason, message: string, retryable = false) =>
  decision("blocked", message, { reason, retryable });

/** How a running operation shows in the group's table. */
function running(op: NonNullable<ClusterFacts["latest"]>): Decision {
  if (op.phase === "REVIEW")
    return decision("waiting", "An operation someone started waits for its review on the cluster's page");
  if (op.message?.startsWith("Waiting for what runs")) return decision("waiting", op.message);
  const state = op.kind === "INSTALL" ? "installing" : op.kind === "UPGRADE" ? "upgrading" : "changing";
  return decision(state, op.message);
}

const plural = (n: number) => (n === 1 ? "backup or restore runs" : "backups or restores run");

/** The per-cluster decision: checked in this order, the first that applies wins. */
export function decide(c: ClusterFacts, policy: PolicyFacts): Decision {
  const want = policy.settings;
  const digest = settingsDigest(want);
  const latest = c.latest;
  // 1. One operation at a time per cluster: whatever runs there (the policy's or anyone's) is followed, not doubled.
  if (latest && ACTIVE.includes(latest.phase)) return running(latest);

  // 2. Already what the group asks for.
  const managed = c.management === "MANAGED";
  if (managed && c.appliedSettings && settingsDigest(c.appliedSettings) === digest) return decision("in policy", null);

  // 3. What Lifeboat may not do here.
  if (c.accessLevel !== "MANAGE")
    return blocked(
      "no manage access",
      `Lifeboat has ${c.accessLevel === "OPERATE" ? "operate" : "no"} access here: apply the "manage Velero" ` +
        "onboarding manifest, then check the cluster again",
    );
  if (c.management === "ADOPTED")
    return blocked(
      "someone else's Velero",
      "Someone else installed the Velero that runs here: take it over on the cluster's page for the group's " +
        "settings to apply",
    );

  // 4. A failure is looked at before anything is started again.
  const failed = latest && (latest.phase === "FAILED" || latest.phase === "CANCELLED");
  if (latest && failed && latest.id !== c.tracked?.retryPastId) {
    const ours = c.tracked?.policyId === policy.id && c.tracked.operationId === latest.id;
    const what = latest.phase === "FAILED" ? (latest.message ?? "The operation failed") : "The operation was cancelled";
    if (ours) {
      // The policy's own operation: not started again for the same settings (a new version or setting is tried).
      if (settingsDigest(latest.settings) === digest) return decision("failed", what, { retryable: true });
    } else if (latest.phase === "FAILED") return blocked("a failed operation", what, true);
  }
  if (c.tracked?.policyId === policy.id && c.tracked.refusal && c.tracked.refusalDigest === digest)
    return blocked("refused", c.tracked.refusal, true);

  // 5. Nothing is started on a cluster that does not answer (it would only wait there).
  if (c.state !== "CONNECTED")
    return decision("waiting", "Lifeboat cannot reach the cluster now: the group's settings apply once it answers");

  // 6. Install, upgrade or change.
  if (!managed) return decision("waiting", `Velero ${want.version} is about to be installed`, { action: "install" });
  const from = c.installedVersion;
  const upgrade = from !== want.version;
  if (upgrade && from && (compareVersions(want.version, from) ?? 0) < 0)
    return blocked(
      "a newer version",
      `Velero ${from} runs here, newer than the group's ${want.version}: Lifeboat does not downgrade it`,
    );
  if (policy.whenBusy === "refuse" && c.busy.length)
    return decision(
      "waiting",
      `${c.busy.length} ${plural(c.busy.length)} here (${c.busy.slice(0, 3).join(", ")}): ` +
        `the ${upgrade ? "upgrade" : "change"} starts when they finish`,
    );
  return decision(
    "waiting",
    upgrade ? `The upgrade to ${want.version} is about to start` : "The settings change is about to start",
    { action: upgrade ? "upgrade" : "change" },
  );
}
