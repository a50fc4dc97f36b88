import { z } from "zod";
import { pageCursor } from "./paging";
import { CLUSTER_ROLES, ORG_ROLES } from "../rbac/permissions";

// Shapes shared by the forms in the browser and the tRPC routers.
export const PASSWORD_MIN = 12;
export const id = z.string().min(1).max(64);
export const email = z.string().trim().toLowerCase().email("Enter a valid email address").max(254);
export const password = z.string().min(PASSWORD_MIN, `At least ${PASSWORD_MIN} characters`).max(256);
export const personName = z.string().trim().min(1, "Enter a name").max(100);
export const resourceName = z
  .string()
  .trim()
  .min(1, "Enter a name")
  .max(63, "At most 63 characters")
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "Lowercase letters, digits and '-', starting and ending with a letter or digit",
  );
export const description = z.string().trim().max(500).default("");

export const setupInput = z.object({
  name: personName,
  email,
  password,
  /** The one-time token from the server log: needed when the console listens beyond loopback. */
  token: z.string().trim().max(200).optional(),
});
export const userCreateInput = z.object({
  name: personName,
  email,
  password,
  role: z.enum(ORG_ROLES).default("MEMBER"),
});
export const userUpdateInput = z.object({ id, name: personName.optional(), role: z.enum(ORG_ROLES).optional() });
export const userDisableInput = z.object({ id, disabled: z.boolean() });
export const userResetPasswordInput = z.object({ id, password });
export const changePasswordInput = z.object({ current: z.string().min(1), next: password });

export const oidcGroup = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v ? v : undefined));
export const teamCreateInput = z.object({ name: resourceName, description, oidcGroup });
export const teamUpdateInput = z.object({
  id,
  name: resourceName.optional(),
  description: description.optional(),
  oidcGroup: z.string().trim().max(200).nullable().optional(),
});
export const teamMemberInput = z.object({ teamId: id, userId: id });

export const clusterGroupCreateInput = z.object({ name: resourceName, description });
/** A recovery point objective (#13): hours since a namespace's last good backup before it counts as a breach. */
export const rpoHours = z
  .number({ error: "Enter a number of hours" })
  .int("Whole hours")
  .min(1, "At least 1 hour")
  .max(24 * 90, "At most 90 days (2160 hours)");
export const clusterGroupUpdateInput = z.object({
  id,
  name: resourceName.optional(),
  description: description.optional(),
  rpoHours: rpoHours.optional(),
});

export const bindingCreateInput = z.object({
  role: z.enum(CLUSTER_ROLES),
  subject: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("user"), id }),
    z.object({ kind: z.literal("team"), id }),
  ]),
  target: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clusterGroup"), id }),
    z.object({ kind: z.literal("cluster"), id }),
  ]),
});
export const bindingListInput = z.object({ clusterGroupId: id.optional(), clusterId: id.optional() }).default({});

export const auditListInput = z.object({
  actor: z.string().trim().max(254).optional(),
  action: z.string().trim().max(100).optional(),
  target: z.string().trim().max(100).optional(),
  outcome: z.enum(["SUCCESS", "DENIED", "FAILURE"]).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  cursor: pageCursor.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** The audit log's download: the same filter, every matching row up to a bound. */
export const auditExportInput = auditListInput
  .omit({ cursor: true, limit: true })
  .extend({ format: z.enum(["csv", "json"]) });
export const auditExport = z.object({
  format: z.enum(["csv", "json"]),
  rows: z.number(),
  /** More rows matched than an export holds (`limit`): the newest were exported. */
  truncated: z.boolean(),
  limit: z.number(),
  content: z.string(),
});

export const byId = z.object({ id });

// ---------------------------------------------------------------------------------------------------------------
// Outputs: what the browser may receive, and nothing more (zod strips unknown keys)
// ---------------------------------------------------------------------------------------------------------------

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
  /** Names resolved on the server (null when the user or object no longer exists; the ids stay above). */
  actorName: z.string().nullable(),
  targetName: z.string().nullable(),
  scopeName: z.string().nullable(),
});
export type UserRow = z.infer<typeof userRow>;
export type TeamRow = z.infer<typeof teamRow>;
export type BindingRow = z.infer<typeof bindingRow>;
export type AuditRow = z.infer<typeof auditRow>;

export const auditPage = z.object({ items: z.array(auditRow), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPage>;
