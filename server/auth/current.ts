import { decode } from "next-auth/jwt";
import { db, type Db } from "../db/client";
import { authSecret, sessionLimits } from "./options";
import { resolvePrincipal, type Principal } from "./principal";
import { isDatabaseUnavailable } from "../errors";

// Reads next-auth's session cookie (either name: plain or __Secure- over HTTPS) and resolves the principal.
const COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

/** A cookie value as sent; a malformed %-escape is kept as is (and then fails to decode as a token: signed out). */
function decodeCookieValue(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function readCookie(cookieHeader: string, name: string): string | undefined {
  // next-auth chunks large tokens into name.0, name.1, ...: ours are small, but join chunks if present.
  const jar = new Map<string, string>();
  for (const part of cookieHeader.split(";")) {
    const i = part.indexOf("=");
    if (i > 0) jar.set(part.slice(0, i).trim(), decodeCookieValue(part.slice(i + 1).trim()));
  }
  if (jar.has(name)) return jar.get(name);
  const chunks: string[] = [];
  for (let i = 0; jar.has(`${name}.${i}`); i++) chunks.push(jar.get(`${name}.${i}`)!);
  return chunks.length ? chunks.join("") : undefined;
}

export async function principalFromCookies(
  cookieHeader: string | null,
  database: Db = db(),
): Promise<Principal | null> {
  if (!cookieHeader) return null;
  for (const name of COOKIE_NAMES) {
    const raw = readCookie(cookieHeader, name);
    if (!raw) continue;
    try {
      const token = await decode({ token: raw, secret: authSecret() });
      return await resolvePrincipal(database, token?.sid as string | undefined, sessionLimits());
    } catch (e) {
      // A token that does not decode is no one; PostgreSQL not answering is no reason to sign anyone out.
      if (isDatabaseUnavailable(e)) throw e;
      return null;
    }
  }
  return null;
}
