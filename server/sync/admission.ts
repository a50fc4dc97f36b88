import {
  LIST_PAGE_SIZE,
  MAX_ITEMS_PER_KIND,
  MAX_LABEL_NAME_LENGTH,
  MAX_LABEL_VALUE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_OBJECT_BYTES,
} from "@/lib/limits";
import { CapExceededError, MAX_WATCH_LINE_BYTES } from "../kube/session";
import type { VeleroItem } from "../kube/watch";

// What the sync engine lets one cluster put into the read model (lib/limits.ts): objects with names and labels a real
// apiserver would have accepted, each at most MAX_OBJECT_BYTES as stored, at most MAX_ITEMS_PER_KIND of a kind. Anything
// past a cap is a CapExceededError naming the object and the cap: the kind's sync stops there with it as its lastError.

export interface SyncLimits {
  maxItemsPerKind: number;
  maxObjectBytes: number;
  pageSize: number;
  maxWatchLineBytes: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  maxItemsPerKind: MAX_ITEMS_PER_KIND,
  maxObjectBytes: MAX_OBJECT_BYTES,
  pageSize: LIST_PAGE_SIZE,
  maxWatchLineBytes: MAX_WATCH_LINE_BYTES,
};

/** An item as the read model stores it: its labels, spec and status as JSON text. */
export interface AdmittedItem {
  item: VeleroItem;
  labels: string;
  spec: string;
  status: string;
}

const MAX_NAMESPACE_LENGTH = 63;

export const size = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`
    : bytes >= 1024
      ? `${Math.round((bytes / 1024) * 10) / 10} KiB`
      : `${bytes} bytes`;

const count = (n: number) => n.toLocaleString("en-US");

/** The start of a string too long to show whole, with its length. */
const head = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}… (${count(s.length)} characters)` : s);

const stopped = (kind: string) => `; sync of ${kind} on this cluster stopped`;

/** The item with its stored JSON, or a CapExceededError saying which cap it passes. */
export function admit(item: VeleroItem, limits: SyncLimits): AdmittedItem {
  const { kind } = item;
  if (typeof item.name !== "string" || typeof item.namespace !== "string" || !item.name)
    throw new CapExceededError(`The cluster sent a ${kind} object without a name${stopped(kind)}`);
  if (item.name.length > MAX_NAME_LENGTH)
    throw new CapExceededError(
      `The cluster sent a ${kind} object whose name ${head(item.name)} is longer than ${MAX_NAME_LENGTH} characters, ` +
        `which Kubernetes does not allow${stopped(kind)}`,
    );
  if (item.namespace.length > MAX_NAMESPACE_LENGTH)
    throw new CapExceededError(
      `The cluster sent a ${kind} object whose namespace ${head(item.namespace)} is longer than ` +
        `${MAX_NAMESPACE_LENGTH} characters, which Kubernetes does not allow${stopped(kind)}`,
    );
  const what = `The ${kind} object ${item.name} in ${item.namespace}`;
  for (const [key, value] of Object.entries(item.labels)) {
    const slash = key.lastIndexOf("/");
    const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ["", key];
    if (prefix.length > MAX_NAME_LENGTH || name.length > MAX_LABEL_NAME_LENGTH)
      throw new CapExceededError(
        `${what} has a label key ${head(key)} longer than Kubernetes allows (a ${MAX_NAME_LENGTH}-character prefix ` +
          `and a ${MAX_LABEL_NAME_LENGTH}-character name)${stopped(kind)}`,
      );
    if (typeof value !== "string" || value.length > MAX_LABEL_VALUE_LENGTH)
      throw new CapExceededError(
        `${what} has a value of label ${head(key)} longer than ${MAX_LABEL_VALUE_LENGTH} characters, ` +
          `which Kubernetes does not allow${stopped(kind)}`,
      );
  }
  const labels = JSON.stringify(item.labels);
  const spec = JSON.stringify(item.spec ?? {});
  const status = JSON.stringify(item.status ?? {});
  const bytes = Buffer.byteLength(labels) + Buffer.byteLength(spec) + Buffer.byteLength(status);
  if (bytes > limits.maxObjectBytes)
    throw new CapExceededError(
      `${what} is ${size(bytes)} as JSON (labels, spec and status), more than the ${size(limits.maxObjectBytes)} ` +
        `Lifeboat keeps of one object${stopped(kind)}`,
    );
  return { item, labels, spec, status };
}

/** The error when a cluster holds more objects of a kind than the read model keeps. */
export function tooManyItems(kind: string, namespace: string, limits: SyncLimits): CapExceededError {
  return new CapExceededError(
    `The cluster has more than ${count(limits.maxItemsPerKind)} ${kind} ${namespace ? `in ${namespace}` : "in all"}, more than Lifeboat keeps ` +
      `of one kind from one cluster${stopped(kind)}`,
  );
}
