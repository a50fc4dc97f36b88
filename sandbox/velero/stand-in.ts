import type { Cluster } from "../kube-api/cluster";
import type { StoreEvent } from "../kube-api/store";
import type { KObject } from "../kube-api/types";
import { LABELS, nowIso, parseGoDuration, VeleroContext, type VeleroOptions } from "./context";
import { validateLocation } from "./bsl";
import { runBackup } from "./backup";
import { runRestore } from "./restore";
import {
  processDeleteRequest,
  processDownloadRequest,
  processServerStatusRequest,
  collectGarbage,
  syncBackups,
} from "./requests";
import { tickSchedules } from "./schedules";

// The Velero stand-in for one sandbox cluster: controllers for the velero.io kinds, driven by the cluster's writes
// (as informers would) plus the periodic loops Velero runs (location validation, backup sync, GC, schedules).
export class VeleroStandIn {
  readonly ctx: VeleroContext;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;
  private backupQueue: string[] = [];
  private restoreQueue: string[] = [];
  private running = { backup: false, restore: false };
  private lastSync = new Map<string, number>();
  private lastValidation = new Map<string, number>();
  private busy = new Set<Promise<unknown>>();

  constructor(cluster: Cluster, opts: VeleroOptions) {
    this.ctx = new VeleroContext(cluster, opts);
  }

  get faults() {
    return this.ctx.faults;
  }

  /** Starts the controllers. As Velero's server does at start, backups and restores left InProgress become Failed. */
  start() {
    const ctx = this.ctx;
    for (const b of ctx.list("backups").filter((b) => b.status?.phase === "InProgress")) {
      ctx.mutate(
        "backups",
        b.metadata.name!,
        (o) =>
          void (o.status = {
            ...o.status,
            phase: "Failed",
            failureReason: 'found a backup with status "InProgress" during the server starting, mark it as "Failed"',
            completionTimestamp: nowIso(),
          }),
      );
    }
    for (const r of ctx.list("restores").filter((r) => r.status?.phase === "InProgress")) {
      ctx.mutate(
        "restores",
        r.metadata.name!,
        (o) =>
          void (o.status = {
            ...o.status,
            phase: "Failed",
            failureReason: 'found a restore with status "InProgress" during the server starting, mark it as "Failed"',
            completionTimestamp: nowIso(),
          }),
      );
    }
    this.unsubscribe = ctx.cluster.onReact((e) => this.onEvent(e));
    // Level-triggered catch-up for objects that existed before we started.
    for (const b of ctx.list("backups"))
      if (!b.status?.phase || b.status.phase === "New" || b.status.phase === "Queued")
        this.enqueueBackup(b.metadata.name!);
    for (const r of ctx.list("restores"))
      if (!r.status?.phase || r.status.phase === "New") this.enqueueRestore(r.metadata.name!);
    for (const kind of ["deletebackuprequests", "downloadrequests", "serverstatusrequests"])
      for (const o of ctx.list(kind)) this.onNewRequest(kind, o);
    const every = (ms: number, fn: () => unknown) => this.timers.push(setInterval(() => this.track(fn), ms));
    every(1000, () => this.locationsLoop());
    every(ctx.opts.gcPeriodMs ?? 3_600_000, () => collectGarbage(ctx));
    every(ctx.opts.scheduleTickMs ?? 1000, () => tickSchedules(ctx));
    this.track(() => this.locationsLoop());
    return this;
  }

  /** Stops every loop (as the process going away would). Work in flight observes ctx.stopped and gives up. */
  async stop() {
    this.ctx.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.unsubscribe?.();
    await Promise.allSettled([...this.busy]);
  }

  private track(fn: () => unknown) {
    if (this.ctx.stopped) return;
    const p = Promise.resolve()
      .then(fn)
      .catch((e) => console.error(`[velero stand-in ${this.ctx.cluster.opts.name}]`, e))
      .finally(() => this.busy.delete(p));
    this.busy.add(p);
  }

  private onEvent(e: StoreEvent) {
    if (this.ctx.stopped || !e.key.startsWith("velero.io/") || e.object.metadata.namespace !== this.ctx.ns) return;
    const kind = e.key.slice("velero.io/".length);
    const o = e.object;
    if (e.type === "DELETED") return;
    if (kind === "backups" && e.type === "ADDED" && (!o.status?.phase || o.status.phase === "New"))
      this.enqueueBackup(o.metadata.name!);
    else if (kind === "restores" && e.type === "ADDED" && (!o.status?.phase || o.status.phase === "New"))
      this.enqueueRestore(o.metadata.name!);
    else if (
      kind === "backupstoragelocations" &&
      (e.type === "ADDED" || JSON.stringify(e.old?.spec) !== JSON.stringify(o.spec))
    ) {
      this.lastValidation.delete(o.metadata.name!);
      this.lastSync.delete(o.metadata.name!);
      this.track(() => this.locationsLoop());
    } else if (e.type === "ADDED") this.onNewRequest(kind, o);
  }

  private onNewRequest(kind: string, o: KObject) {
    if (o.status?.phase === "Processed") return;
    if (kind === "deletebackuprequests") this.track(() => processDeleteRequest(this.ctx, o.metadata.name!));
    else if (kind === "downloadrequests") this.track(() => processDownloadRequest(this.ctx, o.metadata.name!));
    else if (kind === "serverstatusrequests") this.track(() => processServerStatusRequest(this.ctx, o.metadata.name!));
  }

  // New → Queued (with queuePosition) → ReadyToStart → InProgress, one backup at a time (--concurrent-backups=1).
  private enqueueBackup(name: string) {
    const phase = this.ctx.get("backups", name)?.status?.phase;
    if (this.backupQueue.includes(name) || (phase && phase !== "New" && phase !== "Queued")) return;
    this.backupQueue.push(name);
    this.updateQueuePositions();
    this.track(() => this.pumpBackups());
  }

  private updateQueuePositions() {
    this.backupQueue.forEach((n, i) => {
      this.ctx.mutate("backups", n, (o) => {
        if (o.status?.phase && !["New", "Queued"].includes(o.status.phase)) return;
        o.status = { ...(o.status ?? {}), phase: "Queued", queuePosition: i + 1 + (this.running.backup ? 1 : 0) };
      });
    });
  }

  private async pumpBackups() {
    if (this.running.backup) return;
    this.running.backup = true;
    try {
      while (this.backupQueue.length && !this.ctx.stopped && !this.ctx.crashed) {
        const name = this.backupQueue.shift()!;
        const phase = this.ctx.get("backups", name)?.status?.phase;
        if (phase && phase !== "New" && phase !== "Queued") continue;
        this.ctx.mutate("backups", name, (o) => {
          o.status = { ...(o.status ?? {}), phase: "ReadyToStart" };
          delete o.status.queuePosition;
        });
        this.updateQueuePositions();
        await runBackup(this.ctx, name);
      }
    } finally {
      this.running.backup = false;
    }
  }

  private enqueueRestore(name: string) {
    if (this.restoreQueue.includes(name)) return;
    this.restoreQueue.push(name);
    this.track(() => this.pumpRestores());
  }

  private async pumpRestores() {
    if (this.running.restore) return;
    this.running.restore = true;
    try {
      while (this.restoreQueue.length && !this.ctx.stopped) await runRestore(this.ctx, this.restoreQueue.shift()!);
    } finally {
      this.running.restore = false;
    }
  }

  // Validation every validationFrequency (default 1m) and sync every backupSyncPeriod (default 1m) per location.
  private async locationsLoop() {
    const ctx = this.ctx;
    const now = Date.now();
    const bsls = ctx
      .list("backupstoragelocations")
      .sort((a, b) => Number(Boolean(b.spec?.default)) - Number(Boolean(a.spec?.default)));
    for (const bsl of bsls) {
      const name = bsl.metadata.name!;
      const vEvery = bsl.spec?.validationFrequency
        ? parseGoDuration(bsl.spec.validationFrequency)
        : (ctx.opts.validationPeriodMs ?? 60_000);
      if (vEvery > 0 && now - (this.lastValidation.get(name) ?? 0) >= vEvery) {
        this.lastValidation.set(name, now);
        await validateLocation(ctx, bsl);
      }
      const fresh = ctx.get("backupstoragelocations", name);
      if (fresh?.status?.phase !== "Available") continue;
      const sEvery = bsl.spec?.backupSyncPeriod
        ? parseGoDuration(bsl.spec.backupSyncPeriod)
        : (ctx.opts.syncPeriodMs ?? 60_000);
      if (sEvery > 0 && now - (this.lastSync.get(name) ?? 0) >= sEvery) {
        this.lastSync.set(name, now);
        await syncBackups(ctx, fresh);
      }
    }
  }
}

export { LABELS };
