// The Content-Security-Policy of every page: scripts run only with this response's nonce (Next puts it on its own
// bootstrap and chunk scripts when the request carries the policy; 'strict-dynamic' lets those load the rest), so an
// injected inline script does not run. Styles stay 'unsafe-inline': MUI (emotion) injects style elements.
export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV !== "production"): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Strict-Transport-Security when the console's public URL is HTTPS (a browser then never tries it over HTTP). */
export function strictTransportSecurity(publicUrl = process.env.NEXTAUTH_URL): string | null {
  return publicUrl?.startsWith("https://") ? "max-age=31536000; includeSubDomains" : null;
}

export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
