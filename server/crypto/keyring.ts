import { env, randomKey, secretFromEnvOrFile } from "../env";
import { makeKeyRing, type KeyRing } from "./seal";

/** The key ring from LIFEBOAT_SECRET_KEY (+ LIFEBOAT_SECRET_KEYS_PREVIOUS), or a key generated once into .data/. */
export function loadKeyRing(): KeyRing {
  const current = secretFromEnvOrFile("LIFEBOAT_SECRET_KEY", "secret.key", randomKey);
  const previous = (env().LIFEBOAT_SECRET_KEYS_PREVIOUS ?? "").split(",");
  return makeKeyRing(current, previous);
}
