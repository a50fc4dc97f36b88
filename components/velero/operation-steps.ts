import { ACTIVE_PHASES, type VeleroOperationSummary } from "@/lib/schemas/velero";

// How the Data protection section shows one Velero operation: its name, its steps as the operator follows them (each
// kind has its own), and the words of its review. Pure, from the operation's summary.

type Op = Pick<VeleroOperationSummary, "kind" | "phase" | "steps" | "version"> &
  Partial<Pick<VeleroOperationSummary, "replaces">>;
type Kind = VeleroOperationSummary["kind"];

export type StepState = "done" | "active" | "failed" | "pending";
export interface DisplayStep {
  name: string;
  label: string;
  state: StepState;
}

/** What a disable was asked to do (the operation summary's `disable`). */
export interface DisableAsked {
  backups: "keep" | "delete";
  deleteCrds: boolean;
}

const ORDER = ["PENDING", "RENDERING", "REVIEW", "APPLYING", "ROLLING_OUT", "VERIFYING", "SUCCEEDED"];
const ACTIVE: readonly string[] = ACTIVE_PHASES;

interface Def {
  name: string;
  label: string;
  /** The server's step records that mean this step is done / failed. */
  doneBy: string[];
  failedBy: string[];
  /** The phase from which this step is done, whatever was recorded. */
  doneFrom: string;
}

const def = (name: string, label: string, doneFrom: string, doneBy = [name], failedBy = doneBy): Def => ({
  name,
  label,
  doneBy,
  failedBy,
  doneFrom,
});

/**
 * Applying what was rendered (an install, a change, an upgrade, a take-over, a repair). A take-over that replaces
 * someone else's workloads (known from its summary, or from the step's record where only progress is read) deletes
 * them and waits for them to go before applying Lifeboat's.
 */
const apply = (op: Op, recorded: Map<string, string>): Def[] => [
  // "crds" is recorded when they are applied; they are done once the API server serves them ("established").
  def(
    "crds",
    op.kind === "UPGRADE" ? "Upgrade the CRDs" : "CRDs",
    "ROLLING_OUT",
    ["established"],
    ["crds", "established"],
  ),
  ...(op.kind === "TAKE_OVER" && (op.replaces?.length || recorded.has("replaced"))
    ? [
        def(
          "replaced",
          op.replaces?.length ? `Replace ${op.replaces.join(" and ")}` : "Replace workloads",
          "ROLLING_OUT",
        ),
      ]
    : []),
  def("workloads", "Namespace, RBAC, workloads", "ROLLING_OUT", ["namespace-rbac", "workloads"]),
  def("rollout", "Roll out", "VERIFYING"),
  def("verify", "Velero answers", "SUCCEEDED"),
];

function defsOf(op: Op, recorded: Map<string, string>, asked?: DisableAsked): Def[] {
  if (op.kind === "DISABLE")
    return [
      ...(asked?.backups === "delete" || recorded.has("delete-backups")
        ? [def("delete-backups", "Delete backups", "SUCCEEDED")]
        : []),
      def("locations", "Remove locations", "SUCCEEDED"),
      def("workloads", "Stop Velero", "SUCCEEDED"),
      ...(asked?.deleteCrds || recorded.has("crds") ? [def("crds", "Delete CRDs and namespace", "SUCCEEDED")] : []),
    ];
  // A repair applies what Lifeboat applied last again: nothing to render or review.
  if (op.kind === "REPAIR") return apply(op, recorded);
  return [
    def("render", "Run the installer", "REVIEW"),
    def("review", op.kind === "INSTALL" ? "Review" : "Review the changes", "APPLYING", [], []),
    ...apply(op, recorded),
  ];
}

/** The operation's steps, each done, active (the one it works on), failed or still to come. */
export function operationSteps(op: Op, asked?: DisableAsked): DisplayStep[] {
  const recorded = new Map(op.steps.map((s) => [s.name, s.state]));
  const defs = defsOf(op, recorded, asked);
  const at = ORDER.indexOf(op.phase);
  const rendered = recorded.get("render") === "done";
  const done = defs.map(
    (d) =>
      (at >= 0 && at >= ORDER.indexOf(d.doneFrom)) ||
      d.doneBy.some((n) => recorded.get(n) === "done") ||
      // A review ends with an approval or a cancel: an operation that failed after rendering had been approved.
      (d.name === "review" && ((op.phase === "FAILED" && rendered) || recorded.get("crds") === "done")),
  );
  const firstOpen = done.indexOf(false);
  const failedRecord = defs.findIndex((d) => d.failedBy.some((n) => recorded.get(n) === "failed"));
  const failedAt = op.phase === "FAILED" ? (failedRecord >= 0 ? failedRecord : firstOpen) : -1;
  const activeAt = ACTIVE.includes(op.phase) ? firstOpen : -1;
  return defs.map((d, i) => ({
    name: d.name,
    label: d.label,
    state: i === failedAt ? "failed" : done[i] ? "done" : i === activeAt ? "active" : "pending",
  }));
}

/** The operation in a few words ("Upgrade to Velero v1.18.1"). */
export function operationTitle(op: Pick<Op, "kind" | "version">): string {
  switch (op.kind) {
    case "INSTALL":
      return `Install of Velero ${op.version}`;
    case "CONFIGURE":
      return "Settings change";
    case "UPGRADE":
      return `Upgrade to Velero ${op.version}`;
    case "TAKE_OVER":
      return `Take-over of Velero (as ${op.version})`;
    case "REPAIR":
      return "Putting back what Lifeboat applied";
    case "DISABLE":
      return "Removal of Velero (data protection off)";
  }
}

/** The review dialog's words for one operation: its title and the buttons that apply or cancel it. */
export function reviewCopy(kind: Kind, version: string, objectCount: number) {
  switch (kind) {
    case "INSTALL":
      return {
        title: "Review what Velero's installer rendered",
        apply: `Apply ${objectCount} objects`,
        cancel: "Cancel the install",
      };
    case "CONFIGURE":
      return { title: "Review the settings change", apply: "Apply changes", cancel: "Cancel the change" };
    case "UPGRADE":
      return { title: `Review the upgrade to Velero ${version}`, apply: "Upgrade", cancel: "Cancel the upgrade" };
    case "TAKE_OVER":
      return { title: "Review taking over Velero", apply: "Take over", cancel: "Cancel the take-over" };
    default:
      return { title: "What Lifeboat applies", apply: "Apply", cancel: "Cancel" };
  }
}
