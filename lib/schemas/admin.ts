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

export const setupInput = z.object({ name: personName, email, password });
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
export const clusterGroupUpdateInput = z.object({
  id,
  name: resourceName.optional(),
  description: description.optional(),
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

export const byId = z.object({ id });
