import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce, strictTransportSecurity } from "@/server/security/csp";

// Runs before every page and route: a fresh script nonce per request, passed to Next on the request (it reads the
// nonce from the request's Content-Security-Policy, the root layout from x-nonce) and set on the response; HSTS when
// NEXTAUTH_URL is HTTPS. The other security headers are static, in next.config.js.
export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  const hsts = strictTransportSecurity();
  if (hsts) response.headers.set("strict-transport-security", hsts);
  return response;
}

export const config = {
  // Not for static files: they carry no inline script, and are served before the proxy would be worth its cost.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
