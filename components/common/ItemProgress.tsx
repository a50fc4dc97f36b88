"use client";
import type { ReactNode } from "react";
import LinearProgress from "@mui/material/LinearProgress";

/** "12/40 items" under a bar, as Velero counts them while a backup or restore runs; a dash before it has counted. */
export function ItemProgress({ done, total, extra }: { done: number | null; total: number | null; extra?: ReactNode }) {
  const pct = total ? Math.round(((done ?? 0) / total) * 100) : 0;
  return (
    <>
      {total ? (
        <>
          <LinearProgress variant="determinate" value={pct} aria-label={`${pct}%`} />
          <span style={{ fontSize: 12 }}>
            {done}/{total} items
          </span>
        </>
      ) : (
        "—"
      )}
      {extra}
    </>
  );
}
