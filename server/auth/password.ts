import crypto from "node:crypto";
import { promisify } from "node:util";

// scrypt (memory-hard): N=2^15, r=8, p=1 uses 32 MiB per hash. Stored as scrypt$N$r$p$salt$hash (base64).
const scrypt = promisify(crypto.scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEYLEN = 64;
const maxmem = (N: number, r: number) => 256 * N * r;

export const PASSWORD_MIN_LENGTH = 12;

// scrypt runs on libuv's small thread pool (4 threads, shared with DNS and file I/O) and takes 32 MiB each: a flood of
// sign-ins must not take them all. At most PASSWORD_WORK.concurrent hashes run at once, PASSWORD_WORK.queued wait, and
// the rest are refused at once with PasswordBusyError.
export const PASSWORD_WORK = { concurrent: 2, queued: 16 };

export class PasswordBusyError extends Error {
  constructor() {
    super("The server is busy checking other sign-ins: try again in a moment.");
    this.name = "PasswordBusyError";
  }
}

let running = 0; // slots taken
let inFlight = 0; // hashes actually computing
let peak = 0;
const waiting: (() => void)[] = [];

/** How many hashes ran at once at most since the process started (for tests and diagnostics). */
export const passwordWorkPeak = () => peak;

async function bounded<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PASSWORD_WORK.concurrent) {
    if (waiting.length >= PASSWORD_WORK.queued) throw new PasswordBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  peak = Math.max(peak, ++inFlight);
  try {
    return await work();
  } finally {
    inFlight--;
    const next = waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else running--;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await bounded(() =>
    scrypt(password.normalize("NFKC"), salt, KEYLEN, { ...PARAMS, maxmem: maxmem(PARAMS.N, PARAMS.r) }),
  );
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), hash.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  // Without a stored hash, still spend the time, so timing does not reveal which accounts exist.
  const parts = (stored ?? "").split("$");
  const valid = parts.length === 6 && parts[0] === "scrypt";
  const [N, r, p] = valid ? parts.slice(1, 4).map(Number) : [PARAMS.N, PARAMS.r, PARAMS.p];
  const salt = valid ? Buffer.from(parts[4], "base64") : crypto.randomBytes(16);
  const expected = valid ? Buffer.from(parts[5], "base64") : crypto.randomBytes(KEYLEN);
  const actual = await bounded(() =>
    scrypt(password.normalize("NFKC"), salt, expected.length, { N, r, p, maxmem: maxmem(N, r) }),
  );
  return crypto.timingSafeEqual(actual, expected) && valid;
}
