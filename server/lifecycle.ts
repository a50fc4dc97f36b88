// The console process's life: serving, then draining once it is told to stop (SIGTERM). While it drains, readiness
// answers 503 so load balancers stop sending it new requests, the controllers stop and give their leases up, and live
// streams tell their pages to reconnect (to another replica); requests in flight are still answered.
let draining = false;
const listeners = new Set<() => void>();

export function isDraining(): boolean {
  return draining;
}

/** Calls `fn` once the process starts draining (at once when it already is); returns a function that unsubscribes. */
export function onDrain(fn: () => void): () => void {
  if (draining) {
    fn();
    return () => undefined;
  }
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startDraining(): void {
  if (draining) return;
  draining = true;
  for (const fn of [...listeners]) fn();
  listeners.clear();
}

/** For tests: serving again. */
export function resetLifecycleForTests(): void {
  draining = false;
  listeners.clear();
}
