import { useCallback, useMemo, useSyncExternalStore } from "react";
import { parsePrefs, type ColumnPrefs } from "@/lib/ui/column-prefs";

const KEY_PREFIX = "lifeboat.columns.";
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

/** The column choices of the table `id`, and a setter that stores them (localStorage) and redraws every reader. */
export function useColumnPrefs(id: string): [ColumnPrefs, (column: string, shown: boolean) => void] {
  const key = KEY_PREFIX + id;
  const raw = useSyncExternalStore(
    subscribe,
    () => window.localStorage.getItem(key),
    () => null,
  );
  const prefs = useMemo(() => parsePrefs(raw), [raw]);
  const set = useCallback(
    (column: string, shown: boolean) => {
      window.localStorage.setItem(
        key,
        JSON.stringify({ ...parsePrefs(window.localStorage.getItem(key)), [column]: shown }),
      );
      listeners.forEach((l) => l());
    },
    [key],
  );
  return [prefs, set];
}
