import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/routers/_app";
import { createRequestContext } from "@/server/trpc/context";
import { checkMutationOrigin, checkQuerySite } from "@/server/security/origin";

function handler(req: Request) {
  const verdict =
    req.method === "GET" ? checkQuerySite(req.url, req.headers) : checkMutationOrigin(req.method, req.url, req.headers);
  if (!verdict.ok) {
    return Response.json(
      { error: { message: `Refused: ${verdict.reason}`, code: "FORBIDDEN" } },
      { status: 403, headers: { "cache-control": "no-store" } },
    );
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createRequestContext(req.headers),
    responseMeta: () => ({ headers: new Headers({ "cache-control": "no-store" }) }),
  });
}

export { handler as GET, handler as POST };
