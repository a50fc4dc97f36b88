// Where to go after signing in: a path on this site, never another origin. Browsers read "/\evil.com", "//evil.com"
// and "/<tab>/evil.com" as links to evil.com, so the URL is resolved the way a browser would and kept only when it
// stays on `origin`.

const PLACEHOLDER_ORIGIN = "http://lifeboat.invalid";

/** The same-origin path (with query and fragment) `raw` leads to from `origin`, else "/". */
export function sameOriginPath(raw: unknown, origin: string = PLACEHOLDER_ORIGIN): string {
  if (typeof raw !== "string" || !raw) return "/";
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(raw, base);
  } catch {
    return "/";
  }
  if (target.origin !== base.origin) return "/";
  const path = `${target.pathname}${target.search}${target.hash}`;
  // Never hand back something a browser could read as protocol-relative.
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}

/** next-auth's redirect callback: an absolute URL on `baseUrl` for a same-origin target, else the site's root. */
export function sameOriginRedirect({ url, baseUrl }: { url: string; baseUrl: string }): string {
  return new URL(sameOriginPath(url, baseUrl), baseUrl).toString();
}
