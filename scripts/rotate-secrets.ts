// Re-encrypts every sealed value under the current LIFEBOAT_SECRET_KEY.
// Usage: LIFEBOAT_SECRET_KEY=<new> LIFEBOAT_SECRET_KEYS_PREVIOUS=<old>[,<older>] DATABASE_URL=... npm run secrets:rotate
// Afterwards no row needs the previous keys, and LIFEBOAT_SECRET_KEYS_PREVIOUS can be emptied.
import { createDb } from "../server/db/client";
import { loadKeyRing } from "../server/crypto/keyring";
import { SealedStore } from "../server/services/secrets/sealed-store";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL must name the console's database");
  process.exit(2);
}
const db = createDb(url);
const ring = loadKeyRing();
const result = await new SealedStore(db, () => ring).rotate();
console.log(
  `rotated ${result.rotated} sealed value(s) to key ${ring.current.id}; ${result.remaining} remain under other keys`,
);
await db.$disconnect();
process.exit(result.remaining === 0 ? 0 : 1);
