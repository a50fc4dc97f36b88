// State-changing requests must come from our own pages: POST only, with an Origin that is ours.
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
  const origin = headers.get("origin");
  if (!origin) return { ok: false, reason: "missing Origin header" };
  if (!allowedOrigins(requestUrl, headers).has(origin)) return { ok: false, reason: `origin ${origin} is not allowed` };
  return { ok: true };
}
