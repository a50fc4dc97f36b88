"use client";
import { useEffect, useState } from "react";

/** The time, in ms since the epoch, renewed every `everyMs`: for "due now" and other judgements against the clock. */
export function useNow(everyMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
