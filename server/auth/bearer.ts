// The bearer credential of an Authorization header, read one way by the context (who is calling) and the Origin check
// (a request authenticated by a bearer token alone needs no Origin: a browser never adds one on its own).

/** The credential after `Bearer` ("" when there is none); undefined when the header is absent or another scheme. */
export function bearerCredential(authorization: string | null | undefined): string | undefined {
  const m = /^\s*bearer(?:\s+(.*))?$/i.exec(authorization ?? "");
  return m ? (m[1] ?? "").trim() : undefined;
}
