// Names for the Velero objects the console creates, and Velero's label-value hashing.
//
// Why names matter: clusters that share a bucket (a BSL with the same bucket/prefix) share one namespace of backup
// names. Backup sync copies every backup it finds in the bucket into every cluster that uses the location, and a
// backup whose name already exists in object storage fails (velero-api.md §2.1 `Failed`, §4.1). Restores write their
// logs and results under restores/<restore-name>/ of the same bucket. So every name the console chooses starts with
// a slug that is unique per cluster, followed by a UTC timestamp.
//
// Pure code, no I/O, safe in the browser: SHA-256 is implemented here because Web Crypto's digest is async and
// node:crypto does not exist in the browser.

// ---------------------------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4)
// ---------------------------------------------------------------------------------------------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** SHA-256 of a string (its UTF-8 bytes) or of bytes, as 64 lowercase hex characters. */
export function sha256Hex(input: string | Uint8Array): string {
  const data = typeof input === "string" ? new TextEncoder().encode(input) : input;
  // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer; total a multiple of 64 bytes.
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = data.length * 8;
  view.setUint32(padded.length - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(padded.length - 4, bits >>> 0);

  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(off + t * 4);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}

// ---------------------------------------------------------------------------------------------------------------
// Velero's label.GetValidName
// ---------------------------------------------------------------------------------------------------------------

/** validation.DNS1035LabelMaxLength, the longest label value. */
export const LABEL_VALUE_MAX = 63;

/**
 * Velero's `label.GetValidName` (pkg/label/label.go): the label value Velero writes for a backup, restore, schedule
 * or BSL name. Up to 63 bytes it is the name itself; longer names become name[:57] + the first 6 hex characters of
 * sha256(name). Build selectors such as `velero.io/backup-name=<labelValue(name)>` with it. Kubernetes names are
 * ASCII; for other input the byte semantics of Go are kept (UTF-8 length, cut on a byte boundary).
 */
export function labelValue(name: string): string {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= LABEL_VALUE_MAX) return name;
  const keep = LABEL_VALUE_MAX - 6;
  return new TextDecoder().decode(bytes.slice(0, keep)) + sha256Hex(bytes).slice(0, 6);
}

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes label value: ≤ 63 characters, alphanumerics plus - _ . inside, alphanumeric at both ends (or empty). */
export const isLabelValue = (v: string) => v.length <= LABEL_VALUE_MAX && LABEL_VALUE_RE.test(v);

// ---------------------------------------------------------------------------------------------------------------
// Cluster slugs and object names
// ---------------------------------------------------------------------------------------------------------------

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An RFC 1123 label: what a namespace name (and every name built here) must be. */
export const isDnsLabel = (s: string) => s.length <= 63 && DNS_LABEL_RE.test(s);

/** Lowercase, every run of characters outside [a-z0-9] as one "-", no "-" at either end. */
function sanitize(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const trimDashes = (s: string) => s.replace(/-+$/, "");

/**
 * A DNS-1123 slug for a cluster, at most `max` characters (≥ 14). A name that already is a clean slug that fits is
 * kept as it is ("prod-eu"). Any other name (capitals, spaces, "_", "--", too long) becomes its sanitised, shortened
 * form plus "-" and 6 hex characters of sha256(name) ("Prod EU" → "prod-eu-3c1f0e"), so two different cluster names
 * never share a slug (short of a 24-bit hash collision between such names), and the same name always gets the same
 * slug.
 */
export function clusterSlug(name: string, max = 63): string {
  if (max < 14) throw new RangeError("clusterSlug needs room for at least 14 characters");
  const clean = sanitize(name);
  if (clean === name && clean.length > 0 && clean.length <= max) return name;
  const head = trimDashes(clean.slice(0, max - 7)) || "cluster";
  return `${head}-${sha256Hex(name).slice(0, 6)}`;
}

/**
 * The `lifeboat.io/cluster` label value: the cluster's name when it is a valid label value (through labelValue, so
 * a name over 63 characters is hashed the way Velero hashes its own), else its clusterSlug.
 */
export function clusterLabelValue(name: string): string {
  const v = labelValue(name);
  return v !== "" && isLabelValue(v) ? v : clusterSlug(name);
}

/** yyyyMMddHHmmss in UTC, the suffix Velero gives scheduled backups (`<schedule>-20240501103000`). */
export function timestamp(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new RangeError("now must be a valid Date");
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    p(now.getUTCFullYear(), 4) +
    p(now.getUTCMonth() + 1) +
    p(now.getUTCDate()) +
    p(now.getUTCHours()) +
    p(now.getUTCMinutes()) +
    p(now.getUTCSeconds())
  );
}

const NAME_MAX = 63;
const TIMESTAMP_LEN = 14;
/** The slug never takes more than this, so a base always keeps at least 17 characters. */
export const CLUSTER_SLUG_MAX = 30;

function joinWithTimestamp(cluster: string, base: string | undefined, fallback: string, now: Date): string {
  const slug = clusterSlug(cluster, CLUSTER_SLUG_MAX);
  const room = NAME_MAX - TIMESTAMP_LEN - slug.length - 2;
  const b = trimDashes(sanitize(base ?? "").slice(0, room)) || fallback;
  return `${slug}-${b}-${timestamp(now)}`;
}

/**
 * `<cluster-slug>-<base or "backup">-<yyyyMMddHHmmss>`: a DNS-1123 label of at most 63 characters (so it is also its
 * own label value), unique across every cluster that shares a bucket, and the same for the same inputs. The slug is
 * cut to 30 characters (with a hash, see clusterSlug) and the base to what is left; the timestamp is always whole.
 * Two backups of one cluster with the same base in the same second collide: the API server refuses the second
 * (409 AlreadyExists) and the caller picks another base or waits a second.
 */
export function backupName(args: { cluster: string; base?: string; now: Date }): string {
  return joinWithTimestamp(args.cluster, args.base, "backup", args.now);
}

/** Like backupName for restores (`<cluster-slug>-<base or "restore">-<timestamp>`): restores write into the bucket too. */
export function restoreName(args: { cluster: string; base?: string; now: Date }): string {
  return joinWithTimestamp(args.cluster, args.base, "restore", args.now);
}

/**
 * `<cluster-slug>-<base>`, at most 48 characters. Velero names a scheduled backup `<schedule>-<yyyyMMddHHmmss>`, so
 * the schedule name is what keeps scheduled backups unique across clusters, and 48 + 15 keeps them within 63.
 */
export function scheduleName(args: { cluster: string; base: string }): string {
  const slug = clusterSlug(args.cluster, CLUSTER_SLUG_MAX);
  const room = NAME_MAX - TIMESTAMP_LEN - 1 - slug.length - 1;
  const b = trimDashes(sanitize(args.base).slice(0, room)) || "schedule";
  return `${slug}-${b}`;
}
