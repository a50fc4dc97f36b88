import type { DrillPhase } from "@/lib/schemas/drill";

// How the drill pages word a drill: whether it still runs, its recovery time, its address. Pure, tested.

/** Is the drill still going? */
export const drillRunning = (phase: DrillPhase) => phase !== "PASSED" && phase !== "FAILED";

/** "45 s", "2 min 5 s", "1 h 3 min"; a dash when not measured. */
export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ""}`;
}

export const drillHref = (d: { clusterId: string; id: string }) => `/drills/${d.clusterId}/${d.id}`;
