import { z } from "zod";
import { CLUSTER_ROLES, ORG_ROLES } from "@/lib/rbac/permissions";

// Output shapes: what the browser may receive, and nothing more (zod strips unknown keys).
export const ref = z.object({ id: z.string(), name: z.string() });
export const idOnly = z.object({ id: z.string() });
export const clusterRole = z.enum(CLUSTER_ROLES);

export const userRow = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ORG_ROLES),
  provider: z.enum(["LOCAL", "OIDC"]),
  disabled: z.boolean(),
  lastSignInAt: z.date().nullable(),
  createdAt: z.date(),
});

export const teamRow = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  oidcGroup: z.string().nullable(),
  createdAt: z.date(),
  bindingCount: z.number(),
  members: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), viaOidc: z.boolean() })),
});

export const bindingRow = z.object({
  id: z.string(),
  role: clusterRole,
  createdAt: z.date(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
  team: ref.nullable(),
  clusterGroup: ref.nullable(),
  cluster: ref.nullable(),
});

export const auditRow = z.object({
  id: z.string(),
  at: z.date(),
  actorId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  scope: z.string(),
  outcome: z.enum(["SUCCESS", "DENIED", "FAILURE"]),
  reason: z.string().nullable(),
  requestId: z.string(),
  clientIp: z.string().nullable(),
});
