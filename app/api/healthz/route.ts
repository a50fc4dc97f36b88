import { db } from "@/server/db/client";
import { readiness } from "@/server/services/health/readiness";

export const dynamic = "force-dynamic";

// Readiness: 200 while this process should take requests (PostgreSQL answers, the schema is migrated, not draining);
// 503 otherwise. Liveness, which never touches the database, is /api/healthz/live.
export async function GET() {
  const r = await readiness(db());
  return Response.json(r, { status: r.ready ? 200 : 503 });
}
