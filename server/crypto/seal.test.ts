import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { keyFromBase64, makeKeyRing, open, seal, SealError } from "./seal";

const k1 = crypto.randomBytes(32).toString("base64");
const k2 = crypto.randomBytes(32).toString("base64");

describe("seal/open (AES-256-GCM)", () => {
  const ring = makeKeyRing(k1);

  it("round-trips and names the key that sealed", () => {
    const s = seal(ring, "AKIA-secret-value", "lifeboat:test:1");
    expect(s.keyId).toBe(ring.current.id);
    expect(s.nonce).toHaveLength(12);
    expect(s.ciphertext.includes(Buffer.from("AKIA-secret-value"))).toBe(false);
    expect(open(ring, s, "lifeboat:test:1").toString()).toBe("AKIA-secret-value");
  });

  it("uses a fresh nonce every time", () => {
    const a = seal(ring, "same", "aad");
    const b = seal(ring, "same", "aad");
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each([
    ["a byte of the ciphertext", (s: ReturnType<typeof seal>) => (s.ciphertext[0] ^= 0x01)],
    ["a byte of the tag", (s: ReturnType<typeof seal>) => (s.ciphertext[s.ciphertext.length - 1] ^= 0x80)],
    ["a byte of the nonce", (s: ReturnType<typeof seal>) => (s.nonce[3] ^= 0x10)],
  ])("refuses a value with %s flipped", (_what, flip) => {
    const s = seal(ring, "kubeconfig contents", "aad");
    flip(s);
    expect(() => open(ring, s, "aad")).toThrow(SealError);
  });

  it("refuses a value moved to another row (associated data differs)", () => {
    const s = seal(ring, "x", "lifeboat:kubeconfig:a");
    expect(() => open(ring, s, "lifeboat:kubeconfig:b")).toThrow(/failed authentication/);
  });

  it("opens under a previous key, and fails once that key is removed", () => {
    const old = seal(makeKeyRing(k1), "v", "aad");
    const rotated = makeKeyRing(k2, [k1]);
    expect(open(rotated, old, "aad").toString()).toBe("v");
    expect(seal(rotated, "v", "aad").keyId).toBe(keyFromBase64(k2).id);
    expect(() => open(makeKeyRing(k2), old, "aad")).toThrow(/No key with id/);
  });

  it.each(["", "c2hvcnQ=", crypto.randomBytes(31).toString("base64")])(
    "rejects a key that is not 32 bytes (%s)",
    (b64) => {
      expect(() => keyFromBase64(b64)).toThrow(/32 bytes/);
    },
  );
});
