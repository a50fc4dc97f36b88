import type { KObject, ResourceType } from "./types";
import { resourceKey } from "./types";
import { cloneJson } from "./clone";

// One cluster's objects and its change log: a single resourceVersion counter (as etcd's revision), a bounded event
// history for watches, and listeners. Objects are stored and handed out as deep copies.
export type EventType = "ADDED" | "MODIFIED" | "DELETED";
export interface StoreEvent {
  rv: number;
  type: EventType;
  key: string;
  object: KObject;
  /** The object before a MODIFIED. */ old?: KObject;
}

const clone = cloneJson;
const objKey = (ns: string | undefined, name: string) => `${ns ?? ""}/${name}`;

export class Store {
  private revision = 1;
  private readonly data = new Map<string, Map<string, KObject>>();
  /** The history is log[head..]: events before head are dropped, and the array is cut only now and then. */
  private log: StoreEvent[] = [];
  private head = 0;
  /** Oldest resourceVersion a watch may resume from. */
  private oldest = 1;
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(private readonly maxEvents = 5_000) {}

  get currentRV(): number {
    return this.revision;
  }

  get oldestRV(): number {
    return this.oldest;
  }

  private bucket(rt: { group: string; resource: string }) {
    const k = resourceKey(rt);
    let m = this.data.get(k);
    if (!m) this.data.set(k, (m = new Map()));
    return m;
  }

  get(rt: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const o = this.bucket(rt).get(objKey(rt.namespaced ? ns : undefined, name));
    return o && clone(o);
  }

  /** Every object of a type (in a namespace, when given), ordered by namespace/name as etcd keys are. */
  list(rt: ResourceType, ns?: string): KObject[] {
    const all = [...this.bucket(rt).entries()].filter(([k]) => !ns || !rt.namespaced || k.startsWith(`${ns}/`));
    all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, o]) => clone(o));
  }

  /**
   * Keys in order, for pagination: [key, object] pairs after `after` (exclusive). The objects are the stored ones, not
   * copies (a page of 500 out of 100,000 should not copy the other 99,500): read them, clone what you keep.
   */
  listFrom(rt: ResourceType, ns: string | undefined, after: string | undefined): [string, Readonly<KObject>][] {
    const all = [...this.bucket(rt).entries()].filter(
      ([k]) => (!ns || !rt.namespaced || k.startsWith(`${ns}/`)) && (after === undefined || k > after),
    );
    all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all;
  }

  count(rt: { group: string; resource: string }) {
    return this.bucket(rt).size;
  }

  /** Writes (create or replace) and returns the stored copy with its new resourceVersion. */
  put(rt: ResourceType, obj: KObject, type: "ADDED" | "MODIFIED"): KObject {
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.revision);
    const k = objKey(rt.namespaced ? stored.metadata.namespace : undefined, stored.metadata.name!);
    const old = this.bucket(rt).get(k);
    this.bucket(rt).set(k, stored);
    // The replaced object is no longer the store's: the event takes it as it is.
    this.emit({ rv: this.revision, type, key: resourceKey(rt), object: clone(stored), old });
    return clone(stored);
  }

  remove(rt: ResourceType, ns: string | undefined, name: string): KObject | undefined {
    const m = this.bucket(rt);
    const k = objKey(rt.namespaced ? ns : undefined, name);
    const o = m.get(k);
    if (!o) return undefined;
    m.delete(k);
    o.metadata.resourceVersion = String(++this.revision);
    this.emit({ rv: this.revision, type: "DELETED", key: resourceKey(rt), object: clone(o) });
    return clone(o);
  }

  /** Drop a whole type (its CRD was deleted): DELETED events for each object. */
  dropType(rt: ResourceType) {
    for (const o of this.list(rt)) this.remove(rt, o.metadata.namespace, o.metadata.name!);
    this.data.delete(resourceKey(rt));
  }

  private emit(e: StoreEvent) {
    // Replayed events carry no previous object: history stays small.
    this.log.push({ rv: e.rv, type: e.type, key: e.key, object: e.object });
    if (this.log.length - this.head > this.maxEvents) {
      this.head = this.log.length - this.maxEvents;
      this.oldest = this.log[this.head - 1].rv + 1;
      // Copying the kept history on every write would cost O(maxEvents) per write: cut once per maxEvents writes.
      if (this.head >= this.maxEvents) {
        this.log = this.log.slice(this.head);
        this.head = 0;
      }
    }
    for (const l of this.listeners) l(e);
  }

  /** Events after `rv` (exclusive), or "expired" when history no longer reaches back that far. */
  since(rv: number): StoreEvent[] | "expired" {
    if (rv + 1 < this.oldest) return "expired";
    return this.log
      .slice(this.head)
      .filter((e) => e.rv > rv)
      .map((e) => ({ ...e, object: clone(e.object), old: e.old && clone(e.old) }));
  }

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forget all history (as etcd compaction): older watches and continue tokens then answer 410. */
  compact() {
    this.log = [];
    this.head = 0;
    this.oldest = this.revision + 1;
  }
}
