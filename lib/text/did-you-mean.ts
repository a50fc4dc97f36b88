// "Did you mean …?" for a name typed by hand (a namespace, say): the closest known name by edit distance, when it is
// close enough to be a typo. Pure, bounded: names longer than MAX_NAME are never compared, and the distance keeps
// two rows of memory (linear in the shorter name).

/** Longer names are not compared (Kubernetes names are at most 253 characters; namespaces 63). */
export const MAX_NAME = 253;
/** At most this many candidates are looked at, so a huge list can't make a keystroke slow. */
export const MAX_CANDIDATES = 5000;

/**
 * The Levenshtein distance of `a` and `b` (insert, delete, substitute; an adjacent swap counts 2), or `limit + 1` as
 * soon as it is sure to exceed `limit`. Memory is linear in the shorter string.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (a.length < b.length) [a, b] = [b, a];
  if (a.length - b.length > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * The known name closest to `typed`, if it is a likely typo: at most 1 edit for names up to 4 characters, 2 up to 8,
 * 3 beyond. Ties go to the first in `known`. `typed` itself (or nothing close) gives null.
 */
export function didYouMean(typed: string, known: readonly string[]): string | null {
  if (!typed || typed.length > MAX_NAME) return null;
  const limit = typed.length <= 4 ? 1 : typed.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const name of known.slice(0, MAX_CANDIDATES)) {
    if (name === typed) return null;
    if (name.length > MAX_NAME) continue;
    const d = editDistance(typed, name, bestDistance - 1);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

const isPattern = (name: string) => /[*?[\]]/.test(name);

/**
 * "casandra: no such namespace on sandbox-1; did you mean cassandra?" for a typed namespace the cluster does not
 * have; null when it has it, or for a glob (which may rightly match nothing yet).
 */
export function noSuchNamespace(typed: string, known: readonly string[], clusterName: string): string | null {
  if (!typed || isPattern(typed) || known.includes(typed)) return null;
  const guess = didYouMean(typed, known);
  return `${typed}: no such namespace on ${clusterName}${guess ? `; did you mean ${guess}?` : ""}`;
}
