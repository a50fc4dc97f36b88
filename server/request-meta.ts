import crypto from "node:crypto";

// Per-request facts for logging and audit. X-Forwarded-For is read only as set by a reverse proxy in front of us.
export interface RequestMeta {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderSource, name: string): string | null {
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

export function requestMeta(h: HeaderSource): RequestMeta {
  const fwd = header(h, "x-forwarded-for")?.split(",")[0]?.trim();
  const rid = header(h, "x-request-id");
  return {
    requestId: rid && /^[\w.-]{1,64}$/.test(rid) ? rid : crypto.randomUUID(),
    clientIp: fwd || header(h, "x-real-ip") || null,
    userAgent: header(h, "user-agent"),
  };
}
