// Kubernetes resource quantities ("10Gi", "500M", "1.5T", "12e6", "100m") as numbers: sizes of claims and volumes,
// and the capacity bounds of resource policies.
const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** A Kubernetes quantity in its unit ("100Gi" → bytes), or null when it is not one. */
export function parseQuantity(text: string): number | null {
  if (text.length > 64) return null;
  const m = QUANTITY.exec(text.trim());
  if (!m) return null;
  const value = Number(m[2]) * (m[3] ? 10 ** Number(m[3].slice(1)) : SUFFIX[m[4] ?? ""]);
  return m[1] === "-" ? -value : value;
}

/** Bytes of a size quantity: whole, finite and not negative, or null. */
export function quantityBytes(q: string | null | undefined): number | null {
  if (typeof q !== "string") return null;
  const n = parseQuantity(q);
  return n === null || n < 0 || !Number.isFinite(n) ? null : Math.round(n);
}
