import type { ObjectChange } from "@/lib/schemas/velero";

// What a settings change, an upgrade or a take-over changes on the cluster, and how Velero's objects drifted from what
// Lifeboat applied, in words. Pure.

export interface ChangeCounts {
  updated: number;
  created: number;
  deleted: number;
  same: number;
  /** updated + created + deleted */
  changed: number;
}

export function changeCounts(changes: Pick<ObjectChange, "change">[]): ChangeCounts {
  const count = (c: ObjectChange["change"]) => changes.filter((x) => x.change === c).length;
  const updated = count("update");
  const created = count("create");
  const deleted = count("delete");
  return { updated, created, deleted, same: count("same"), changed: updated + created + deleted };
}

const objects = (n: number) => `${n} object${n === 1 ? "" : "s"}`;

/** "3 objects change: 2 updated, 1 created, 0 deleted; the other 15 are unchanged." */
export function changeSummary(changes: Pick<ObjectChange, "change">[]): string {
  const c = changeCounts(changes);
  if (c.changed === 0)
    return c.same
      ? `Nothing changes: the ${objects(c.same)} are as they run on the cluster.`
      : "Nothing changes on the cluster.";
  const rest =
    c.same === 0 ? "" : c.same === 1 ? "; the other object is unchanged" : `; the other ${c.same} are unchanged`;
  return (
    `${objects(c.changed)} ${c.changed === 1 ? "changes" : "change"}: ` +
    `${c.updated} updated, ${c.created} created, ${c.deleted} deleted${rest}.`
  );
}

/** One object's change, as the review (what applying does) or the drift check (how the cluster differs) says it. */
export function changeLabel(change: ObjectChange["change"], context: "review" | "drift"): string {
  if (context === "review")
    return { create: "created", update: "updated", delete: "deleted", same: "unchanged" }[change];
  return {
    create: "missing on the cluster",
    update: "changed on the cluster",
    delete: "on the cluster, not applied by Lifeboat",
    same: "as Lifeboat applied it",
  }[change];
}

/** "Deployment velero/velero" */
export const objectName = (o: Pick<ObjectChange, "kind" | "namespace" | "name">) =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;

/** A test id for one object's diff: velero-diff-<kind>-<name> ("velero-diff-Deployment-velero"). */
export const diffTestId = (o: Pick<ObjectChange, "kind" | "name">) => `velero-diff-${o.kind}-${o.name}`;
