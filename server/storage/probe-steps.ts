import type { Classified, ProbeStepName } from "./s3-failures";

// What every location probe shares (S3 and Azure Blob): each step runs under its own deadline and is recorded with its
// time and, when it fails, its classified message; every message that may carry a secret goes through one redactor.

export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  ms: number;
  message?: string;
}

export type StepOutcome<T> =
  { ok: true; value: T } | { ok: false; error: unknown; timedOut: boolean; classified: Classified };

/**
 * Replaces every secret (at least 4 characters, so a blank or a stray letter is not "redacted" all over a message) with
 * "[redacted]", and each `swaps` pair's first string with its second (e.g. an access key id with its masked form).
 */
export function redactSecrets(secrets: readonly string[], swaps: readonly (readonly [string, string])[] = []) {
  const pairs = [...secrets.map((s) => [s, "[redacted]"] as const), ...swaps].filter(([from]) => from.length >= 4);
  return (text: string): string => pairs.reduce((t, [from, to]) => t.split(from).join(to), text);
}

/**
 * A step runner for one probe: `step(name, fn, judge?)` runs `fn` with an AbortSignal that fires after `timeoutMs`,
 * pushes the step onto `steps` (ok with `judge`'s note, or failed with `classify`'s redacted message) and returns the
 * outcome.
 */
export function probeStepRunner(o: {
  steps: ProbeStep[];
  timeoutMs: number;
  classify: (step: ProbeStepName, failed: { error: unknown; timedOut: boolean }) => Classified;
  redact: (text: string) => string;
}) {
  return async function step<T>(
    name: ProbeStepName,
    fn: (signal: AbortSignal) => Promise<T>,
    judge?: (value: T) => string | undefined,
  ): Promise<StepOutcome<T>> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, o.timeoutMs);
    const started = performance.now();
    let value: T;
    try {
      value = await fn(controller.signal);
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      const classified = o.classify(name, { error, timedOut });
      o.steps.push({ step: name, ok: false, ms, message: o.redact(classified.message) });
      return { ok: false, error, timedOut, classified };
    } finally {
      clearTimeout(timer);
    }
    const ms = Math.round(performance.now() - started);
    const note = judge?.(value);
    o.steps.push({ step: name, ok: true, ms, ...(note ? { message: note } : {}) });
    return { ok: true, value };
  };
}
