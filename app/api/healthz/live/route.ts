import { isDraining } from "@/server/lifecycle";

export const dynamic = "force-dynamic";

// Liveness: the process answers. It does not touch PostgreSQL, so a database restart does not restart every replica.
export function GET() {
  return Response.json({ status: isDraining() ? "draining" : "ok" });
}
