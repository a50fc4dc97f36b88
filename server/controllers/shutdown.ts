import { logger } from "../log";
import { startDraining } from "../lifecycle";
import type { ControllerManager } from "./manager";

/**
 * A graceful stop on SIGTERM (or SIGINT): the process drains (readiness answers 503, live streams tell their pages to
 * reconnect elsewhere), its reconcilers stop and its leases are given up so another replica takes over at once, and
 * only then is Next's own handler run, which stops accepting connections, finishes the requests in flight and exits.
 * Next registers that handler before the instrumentation hook runs, so it is taken out here and called last.
 */
export function handleShutdown(manager: Pick<ControllerManager, "stop">, exit = (code: number) => process.exit(code)) {
  let started = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const next = process.listeners(signal) as ((s: NodeJS.Signals) => void)[];
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (started) return;
      started = true;
      void drainAndStop(manager, signal).finally(() => {
        if (next.length) for (const l of next) l(signal);
        else exit(0);
      });
    });
  }
}

export async function drainAndStop(manager: Pick<ControllerManager, "stop">, signal: string): Promise<void> {
  startDraining();
  logger.info({ signal }, "stopping: draining, stopping the controllers and giving their leases up");
  await manager.stop().catch((e) => {
    logger.warn({ err: e instanceof Error ? e.message : String(e) }, "stopping the controllers failed");
  });
}
