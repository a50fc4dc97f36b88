// The admin output shapes moved to lib/schemas/admin.ts; kept for the routers that still import them from here.
export { clusterRole, idOnly, ref } from "@/lib/schemas/admin";
