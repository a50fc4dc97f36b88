// The console process's one sync engine, so attaching a cluster starts its loops at once (instead of at the next health
// check) and detaching stops them. Empty in tests and scripts that run no engine: then these do nothing.
export interface SyncControl {
  startCluster(id: string): void;
  stopCluster(id: string): Promise<void>;
}

let engine: SyncControl | null = null;

export function setProcessSyncEngine(e: SyncControl | null): void {
  engine = e;
}

export function startSyncFor(clusterId: string): void {
  engine?.startCluster(clusterId);
}

export async function stopSyncFor(clusterId: string): Promise<void> {
  await engine?.stopCluster(clusterId);
}
