import crypto from "node:crypto";

// AES-256-GCM sealing with a key ring: one current key seals, previous keys still open, each ciphertext names its key.
export interface Key {
  id: string;
  bytes: Buffer;
}
export interface KeyRing {
  current: Key;
  previous: Key[];
}
export interface Sealed {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
} // ciphertext = encrypted bytes || 16-byte tag

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

const TAG_BYTES = 16;
const NONCE_BYTES = 12;

export function keyFromBase64(b64: string): Key {
  const bytes = Buffer.from(b64.trim(), "base64");
  if (bytes.length !== 32)
    throw new SealError("A sealing key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  return { id: crypto.createHash("sha256").update(bytes).digest("hex").slice(0, 16), bytes };
}

export function makeKeyRing(currentB64: string, previousB64: string[] = []): KeyRing {
  const current = keyFromBase64(currentB64);
  const previous = previousB64
    .filter((s) => s.trim())
    .map(keyFromBase64)
    .filter((k) => k.id !== current.id);
  return { current, previous };
}

export function seal(ring: KeyRing, plaintext: string | Buffer, aad: string): Sealed {
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", ring.current.bytes, nonce);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([
    cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext),
    cipher.final(),
  ]);
  return { keyId: ring.current.id, nonce, ciphertext: Buffer.concat([body, cipher.getAuthTag()]) };
}

export function open(ring: KeyRing, sealed: Sealed, aad: string): Buffer {
  const key = [ring.current, ...ring.previous].find((k) => k.id === sealed.keyId);
  if (!key) throw new SealError(`No key with id ${sealed.keyId} is configured (was it removed before rotation?)`);
  if (sealed.ciphertext.length < TAG_BYTES || sealed.nonce.length !== NONCE_BYTES)
    throw new SealError("Sealed value is malformed");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key.bytes, sealed.nonce);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new SealError("Sealed value failed authentication: it was altered, or sealed under another key");
  }
}
