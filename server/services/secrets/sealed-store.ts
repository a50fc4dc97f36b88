import crypto from "node:crypto";
import type { Db } from "../../db/client";
import { open, seal, SealError, type KeyRing } from "../../crypto/seal";
import { notFound } from "../../errors";

// The only code that reads or writes SealedSecret rows. Callers keep the returned id on their own (listable) row.
const aad = (id: string, purpose: string) => `lifeboat:${purpose}:${id}`;
// Prisma wants Uint8Array<ArrayBuffer>; a Buffer may sit on a shared pool.
const stored = (s: { keyId: string; nonce: Buffer; ciphertext: Buffer }) => ({
  keyId: s.keyId,
  nonce: new Uint8Array(s.nonce),
  ciphertext: new Uint8Array(s.ciphertext),
});

export class SealedStore {
  constructor(
    private readonly db: Db,
    private readonly ring: () => KeyRing,
  ) {}

  /** The same store on another client of the database (a transaction): its writes commit or roll back with it. */
  on(db: Db): SealedStore {
    return new SealedStore(db, this.ring);
  }

  async put(purpose: string, plaintext: string | Buffer): Promise<string> {
    const id = crypto.randomUUID();
    const s = seal(this.ring(), plaintext, aad(id, purpose));
    await this.db.sealedSecret.create({ data: { id, purpose, ...stored(s) } });
    return id;
  }

  async replace(id: string, plaintext: string | Buffer): Promise<void> {
    const row = await this.db.sealedSecret.findUnique({ where: { id }, select: { purpose: true } });
    if (!row) throw notFound("Secret");
    const s = seal(this.ring(), plaintext, aad(id, row.purpose));
    await this.db.sealedSecret.update({ where: { id }, data: stored(s) });
  }

  /**
   * Opens a value for the purpose it was sealed for (the purpose is bound as associated data at put): a kubeconfig's id
   * handed to the code that reads a credential, or a purpose column rewritten in the database, fails.
   */
  async read(id: string, purpose: string): Promise<Buffer> {
    const row = await this.db.sealedSecret.findUnique({ where: { id } });
    if (!row) throw notFound("Secret");
    if (row.purpose !== purpose)
      throw new SealError(`Sealed value ${id} was sealed as "${row.purpose}", not "${purpose}": refused to open it`);
    return open(
      this.ring(),
      { keyId: row.keyId, nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext) },
      aad(id, purpose),
    );
  }

  async remove(id: string): Promise<void> {
    await this.db.sealedSecret.deleteMany({ where: { id } });
  }

  /** Re-seals every value not yet under the current key, in batches; each row in its own transaction. */
  async rotate(batch = 200): Promise<{ rotated: number; remaining: number }> {
    const ring = this.ring();
    let rotated = 0;
    for (;;) {
      const rows = await this.db.sealedSecret.findMany({
        where: { keyId: { not: ring.current.id } },
        take: batch,
        orderBy: { id: "asc" },
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        const plain = open(
          ring,
          { keyId: row.keyId, nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext) },
          aad(row.id, row.purpose),
        );
        const s = seal(ring, plain, aad(row.id, row.purpose));
        plain.fill(0);
        await this.db.sealedSecret.updateMany({ where: { id: row.id, keyId: row.keyId }, data: stored(s) });
        rotated++;
      }
    }
    const remaining = await this.db.sealedSecret.count({ where: { keyId: { not: ring.current.id } } });
    return { rotated, remaining };
  }
}
