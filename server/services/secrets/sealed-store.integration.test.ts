import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { makeKeyRing, SealError, type KeyRing } from "../../crypto/seal";
import { SealedStore } from "./sealed-store";
import type { Db } from "../../db/client";

const oldKey = crypto.randomBytes(32).toString("base64");
const newKey = crypto.randomBytes(32).toString("base64");
let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("sealed secrets at rest", () => {
  it("stores only ciphertext and reads it back", async () => {
    const store = new SealedStore(db, () => makeKeyRing(oldKey));
    const id = await store.put("kubeconfig", "apiVersion: v1\nusers: [token: s3cr3t]");
    expect((await store.read(id, "kubeconfig")).toString()).toContain("s3cr3t");
    const raw = await db.$queryRaw<{ c: Buffer }[]>`SELECT ciphertext AS c FROM "SealedSecret" WHERE id = ${id}`;
    expect(Buffer.from(raw[0].c).toString("latin1")).not.toContain("s3cr3t");
  });

  it("a flipped byte in the stored ciphertext fails to decrypt", async () => {
    const store = new SealedStore(db, () => makeKeyRing(oldKey));
    const id = await store.put("aws-credential", "wJalrXUtnFEMI/K7MDENG");
    await db.$executeRaw`UPDATE "SealedSecret" SET ciphertext = set_byte(ciphertext, 2, get_byte(ciphertext, 2) # 1) WHERE id = ${id}`;
    await expect(store.read(id, "aws-credential")).rejects.toBeInstanceOf(SealError);
  });

  it("a value copied onto another row fails to decrypt (bound to its id)", async () => {
    const store = new SealedStore(db, () => makeKeyRing(oldKey));
    const a = await store.put("x", "alpha");
    const b = await store.put("x", "bravo");
    await db.$executeRaw`UPDATE "SealedSecret" SET ciphertext = (SELECT ciphertext FROM "SealedSecret" WHERE id = ${a}), nonce = (SELECT nonce FROM "SealedSecret" WHERE id = ${a}) WHERE id = ${b}`;
    await expect(store.read(b, "x")).rejects.toBeInstanceOf(SealError);
  });

  it("a value opened for another purpose fails, and so does one whose stored purpose was rewritten", async () => {
    const store = new SealedStore(db, () => makeKeyRing(oldKey));
    const id = await store.put("kubeconfig", "apiVersion: v1\nusers: [token: k8s-token]");
    await expect(store.read(id, "aws-credential")).rejects.toThrow(
      `Sealed value ${id} was sealed as "kubeconfig", not "aws-credential": refused to open it`,
    );
    await db.$executeRaw`UPDATE "SealedSecret" SET purpose = 'aws-credential' WHERE id = ${id}`;
    await expect(store.read(id, "aws-credential")).rejects.toBeInstanceOf(SealError);
    await expect(store.read(id, "kubeconfig")).rejects.toBeInstanceOf(SealError);
  });

  it("after rotation every value reads back under the new key and the old key can be removed", async () => {
    const { db: own } = await freshDatabase();
    let ring: KeyRing = makeKeyRing(oldKey);
    const store = new SealedStore(own, () => ring);
    const values = Array.from({ length: 7 }, (_, i) => `secret-${i}-${crypto.randomUUID()}`);
    const ids = [];
    for (const v of values) ids.push(await store.put("test", v));

    ring = makeKeyRing(newKey, [oldKey]);
    const result = await store.rotate(3);
    expect(result).toEqual({ rotated: 7, remaining: 0 });
    expect(new Set((await own.sealedSecret.findMany({ select: { keyId: true } })).map((r) => r.keyId))).toEqual(
      new Set([ring.current.id]),
    );

    ring = makeKeyRing(newKey); // the old key is gone
    for (let i = 0; i < ids.length; i++) expect((await store.read(ids[i], "test")).toString()).toBe(values[i]);
    expect(await store.rotate()).toEqual({ rotated: 0, remaining: 0 });
  });
});
