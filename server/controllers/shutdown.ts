import { logger } from "../log";
import { startDraining } from "../lifecycle";
import type { ControllerManager } from "./manager";

/**
 * A graceful stop on SIGTERM (or SIGINT): the process drains (readiness answers 503, live streams tell their pages to
 * reconnect elsewhere), its reconcilers stop and its leases are given up so another replica takes over at once, and
 * only then is Next's own handler run, which stops accepting connections, finishes the requests in flight and exits.
 * Next registers that handler before the instrumentation hook runs, so it is taken out here and called last.
 */
export function handleShutdown(
  manager: Pick<ControllerManager, "stop">,
  exit = (code: number) => process.exit(code),
  sameStopMs = SAME_STOP_MS,
) {
  let started = false;
  let startedAt = 0;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const next = process.listeners(signal) as ((s: NodeJS.Signals) => void)[];
    process.removeAllListeners(signal);
    const handOver = () => {
      if (next.length) for (const l of next) l(signal);
      else exit(0);
    };
    process.on(signal, () => {
      // A second signal while draining (Ctrl-C twice): no more waiting. One right after the first is the same request
      // (a terminal's Ctrl-C or a process manager signals the whole group, and the launcher passes it on too).
      if (started) return Date.now() - startedAt < sameStopMs ? undefined : handOver();
      started = true;
      startedAt = Date.now();
      void drainAndStop(manager, signal).finally(handOver);
    });
  }
}

/** A signal this soon after the first is the same stop request, not a second one (see handleShutdown). */
export const SAME_STOP_MS = 1_000;

/** How long the controllers get to stop before the process goes on stopping regardless (the pod's grace is 45 s). */
export const STOP_DEADLINE_MS = 25_000;

export async function drainAndStop(
  manager: Pick<ControllerManager, "stop">,
  signal: string,
  deadlineMs = STOP_DEADLINE_MS,
): Promise<void> {
  startDraining();
  logger.info({ signal }, "stopping: draining, stopping the controllers and giving their leases up");
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), deadlineMs)));
  const stopped = manager.stop().then(
    () => "stopped" as const,
    (e) => {
      logger.warn({ err: e instanceof Error ? e.message : String(e) }, "stopping the controllers failed");
      return "stopped" as const;
    },
  );
  if ((await Promise.race([stopped, deadline])) === "late")
    logger.warn({ deadlineMs }, "the controllers did not stop in time; their leases expire by themselves");
  clearTimeout(timer);
}
