import crypto from "node:crypto";
import type { Cluster } from "./kube-api/cluster";
import type { KObject } from "./kube-api/types";

// Events as the sandbox's controllers and kubelet record them (what `kubectl describe` and `kubectl get events` show).

const isoNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** Records an Event about an object (what kubectl describe and `kubectl get events` show). */
export function recordEvent(
  cluster: Cluster,
  about: KObject,
  e: { type: "Normal" | "Warning"; reason: string; message: string; component: string },
): void {
  const ns = about.metadata.namespace ?? "default";
  const at = isoNow();
  const rt = cluster.builtin("", "events");
  // The event recorder's aggregation: the same event again counts up instead of adding one.
  const same = cluster.store
    .list(rt, ns)
    .find(
      (x: any) =>
        x.involvedObject?.uid === about.metadata.uid &&
        x.reason === e.reason &&
        x.message === e.message &&
        x.type === e.type,
    );
  try {
    if (same) {
      cluster.update(rt, ns, same.metadata.name!, {
        ...same,
        count: ((same as any).count ?? 1) + 1,
        lastTimestamp: at,
      });
      return;
    }
    cluster.create(rt, ns, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${about.metadata.name}.${crypto.randomBytes(8).toString("hex")}`, namespace: ns },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        namespace: about.metadata.namespace,
        name: about.metadata.name,
        uid: about.metadata.uid,
        resourceVersion: about.metadata.resourceVersion,
      },
      reason: e.reason,
      message: e.message,
      source: { component: e.component },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type: e.type,
      eventTime: null,
      reportingComponent: e.component,
      reportingInstance: "",
    });
  } catch {
    // The namespace is going away: the event has nowhere to go, as with a real apiserver.
  }
}
