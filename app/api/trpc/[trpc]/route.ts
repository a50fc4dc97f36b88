import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/routers/_app";
import { createRequestContext } from "@/server/trpc/context";
import { MAX_BATCH, withinLimits } from "@/server/trpc/http-limits";
import { checkMutationOrigin, checkQuerySite } from "@/server/security/origin";

const refuse = (status: number, code: string, message: string) =>
  Response.json({ error: { message, code } }, { status, headers: { "cache-control": "no-store" } });

async function handler(original: Request) {
  const verdict =
    original.method === "GET"
      ? checkQuerySite(original.url, original.headers)
      : checkMutationOrigin(original.method, original.url, original.headers);
  if (!verdict.ok) return refuse(403, "FORBIDDEN", `Refused: ${verdict.reason}`);
  // Batch and body caps before authentication: an anonymous request cannot make us parse or hold more.
  const limits = await withinLimits(original);
  if (!limits.ok)
    return refuse(limits.status, limits.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", limits.message);
  const req = limits.req;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    maxBatchSize: MAX_BATCH,
    createContext: () => createRequestContext(req.headers),
    responseMeta: () => ({ headers: new Headers({ "cache-control": "no-store" }) }),
  });
}

export { handler as GET, handler as POST };
