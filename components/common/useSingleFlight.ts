"use client";
import { useRef, useState } from "react";

/**
 * One request at a time per key, for one-click buttons in a row (Pause, Back up now): the second click of a double
 * click lands before React has re-rendered the button disabled, so the guard is a ref, set in the click itself.
 */
export function useSingleFlight() {
  const inFlight = useRef(new Set<string>());
  const [, rendered] = useState(0);
  const settle = (key: string) => {
    inFlight.current.delete(key);
    rendered((n) => n + 1);
  };
  return {
    busy: (key: string) => inFlight.current.has(key),
    /** Runs `send` unless a request for `key` is still out; errors stay with the mutation that shows them. */
    run(key: string, send: () => Promise<unknown>) {
      if (inFlight.current.has(key)) return;
      inFlight.current.add(key);
      rendered((n) => n + 1);
      send().then(
        () => settle(key),
        () => settle(key),
      );
    },
  };
}
