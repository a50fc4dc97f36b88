import { bearerCredential } from "../auth/bearer";

// State-changing requests must come from our own pages: POST only, with an Origin that is ours. A request that
// authenticates with a bearer token and carries no cookie is a program's, not a page's: a browser does not add an
// Authorization header across sites, so it needs no Origin. With a cookie as well, it is checked like any other.
export function allowedOrigins(
  requestUrl: string,
  headers: Headers,
  configured = process.env.NEXTAUTH_URL,
): Set<string> {
  const set = new Set<string>();
  if (configured) set.add(new URL(configured).origin);
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  if (host) {
    const proto = headers.get("x-forwarded-proto") ?? new URL(requestUrl).protocol.replace(":", "");
    set.add(`${proto}://${host}`);
  }
  return set;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function checkMutationOrigin(method: string, requestUrl: string, headers: Headers): OriginVerdict {
  if (method !== "POST") return { ok: false, reason: "mutations are accepted only by POST" };
  if (bearerOnly(headers)) return { ok: true };
  const origin = headers.get("origin");
  if (!origin) return { ok: false, reason: "missing Origin header" };
  if (!allowedOrigins(requestUrl, headers).has(origin)) return { ok: false, reason: `origin ${origin} is not allowed` };
  return { ok: true };
}

/**
 * Queries are reads, but some reach a cluster (a backup's detail asks Velero for its files through DownloadRequests), so
 * another site must not make a signed-in browser run them: a top-level navigation or a subresource from another site is
 * marked by the browser (Sec-Fetch-Site cross-site or same-site, or a foreign Origin) and refused. Requests without
 * those headers (programs, a URL typed in the address bar: Sec-Fetch-Site none) are answered.
 */
export function checkQuerySite(requestUrl: string, headers: Headers): OriginVerdict {
  const site = headers.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site")
    return { ok: false, reason: `a ${site} request (queries answer only this console's pages)` };
  const origin = headers.get("origin");
  if (origin && !allowedOrigins(requestUrl, headers).has(origin))
    return { ok: false, reason: `origin ${origin} is not allowed` };
  return { ok: true };
}

/** Authenticated by a bearer token alone: an Authorization: Bearer header, and no cookie at all. */
export function bearerOnly(headers: Headers): boolean {
  return bearerCredential(headers.get("authorization")) !== undefined && !headers.get("cookie");
}
