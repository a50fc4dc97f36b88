import { ACTIVE_PHASES, type VeleroOperationSummary } from "@/lib/schemas/velero";
import type { GroupClusterRow } from "@/lib/schemas/velero-group";
import { operationSteps, operationTitle } from "../velero/operation-steps";

// How a group's Data protection section shows each cluster against the group's policy: its state chip, and where its
// latest operation is (a step, a percentage). Pure, from the router's rows.

type Color = "default" | "success" | "info" | "warning" | "error";

const STATE: Record<NonNullable<GroupClusterRow["state"]>, { label: string; color: Color }> = {
  "in policy": { label: "In policy", color: "success" },
  installing: { label: "Installing", color: "info" },
  upgrading: { label: "Upgrading", color: "info" },
  changing: { label: "Changing", color: "info" },
  waiting: { label: "Waiting", color: "default" },
  blocked: { label: "Blocked", color: "warning" },
  failed: { label: "Failed", color: "error" },
};

const MANAGEMENT: Record<GroupClusterRow["management"], string> = {
  OFF: "Not protected",
  ADOPTED: "Someone else's Velero",
  MANAGED: "Managed by Lifeboat",
  DISABLED: "Disabled",
};

/** The state chip: against the policy, else (no policy in force) who runs Velero there. */
export function stateChip(r: Pick<GroupClusterRow, "state" | "reason" | "management">): {
  label: string;
  color: Color;
} {
  if (!r.state) return { label: MANAGEMENT[r.management], color: "default" };
  const s = STATE[r.state];
  return r.state === "blocked" && r.reason ? { label: `${s.label}: ${r.reason}`, color: s.color } : s;
}

const ACTIVE: readonly string[] = ACTIVE_PHASES;
type Op = Pick<VeleroOperationSummary, "kind" | "phase" | "steps" | "version" | "progress">;

/** "Upgrade to Velero v1.18.1 · Roll out", "Install of Velero v1.17.0 · failed at CRDs", "… · done". */
export function phaseText(op: Op): string {
  const steps = operationSteps(op);
  const title = operationTitle(op);
  if (op.phase === "SUCCEEDED") return `${title} · done`;
  if (op.phase === "CANCELLED") return `${title} · cancelled`;
  const failed = steps.find((s) => s.state === "failed");
  if (op.phase === "FAILED") return `${title} · failed${failed ? ` at ${failed.label}` : ""}`;
  const active = steps.find((s) => s.state === "active");
  return active ? `${title} · ${active.label}` : title;
}

/**
 * How far the operation is, 0–100: the pods ready while it rolls out, else the share of its steps done. null once it
 * ended (the state says how).
 */
export function progressOf(op: Op): number | null {
  if (!ACTIVE.includes(op.phase)) return null;
  const steps = operationSteps(op);
  const done = steps.filter((s) => s.state === "done").length;
  const share = op.progress && op.progress.desired > 0 ? op.progress.ready / op.progress.desired : 0;
  return Math.round((100 * (done + share)) / Math.max(steps.length, 1));
}
