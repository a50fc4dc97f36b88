// The console as the benches run it: `next start` through scripts/serve.mjs (which migrates, and builds when stale), a
// child that dies with the bench, up when /api/healthz answers; signed-in callers over HTTP as the browser's client.
import type { ChildProcess } from "node:child_process";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../../server/routers/_app";
import { until } from "./bench";
// @ts-expect-error: plain .mjs helpers without types
import { spawnChild } from "./setup.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { freePort } from "./postgres.mjs";

export interface BenchConsole {
  base: string;
  child: ChildProcess;
  /** Signals the console (SIGTERM: a graceful stop) and waits until it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Starts a console on a free port (or `port`) with `env` on top of this process's environment; `fresh` starts its
 * embedded PostgreSQL (no DATABASE_URL) on an empty data directory.
 */
export async function startConsole(o: {
  env: Record<string, string>;
  port?: number;
  fresh?: boolean;
}): Promise<BenchConsole> {
  const port = o.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawnChild(
    process.execPath,
    ["scripts/serve.mjs", "--port", String(port), "--host", "127.0.0.1", ...(o.fresh ? ["--fresh"] : [])],
    { stdio: ["ignore", "ignore", "inherit"], env: { NEXTAUTH_URL: base, ...o.env } },
  );
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  await Promise.race([
    until("the console's /api/healthz", () => fetch(`${base}/api/healthz`).then((r) => r.ok), 240_000, 100),
    exited.then(() => {
      throw new Error("the console exited before it answered /api/healthz");
    }),
  ]);
  return {
    base,
    child,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Signs in with email and password as the sign-in page does (next-auth's credentials callback); the Cookie header. */
export async function signInHttp(base: string, email: string, password: string): Promise<string> {
  const cookieOf = (r: Response) => r.headers.getSetCookie().map((c) => c.split(";")[0]);
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const r = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieOf(csrf).join("; "), origin: base },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/`, json: "true" }),
  });
  const session = cookieOf(r).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`signing in as ${email} failed (HTTP ${r.status})`);
  return session;
}

/** The console's API as the browser's client calls it (batched over HTTP, superjson), with a signed-in cookie. */
export function apiClient(base: string, cookie: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        maxItems: 20,
        headers: { cookie, origin: base },
      }),
    ],
  });
}
