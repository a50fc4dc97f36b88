// The one registry of permissions: typed `resource.action` strings, and which role grants each.
// "org" permissions come from the organization role; "cluster" permissions from role bindings on a cluster group or
// cluster (ORG_ADMIN holds every permission everywhere); "self" needs only a signed-in user (one's own account, and
// lists whose results the service scopes to one's bindings: an empty list, not a refusal); "public" needs nobody.

export const ORG_ROLES = ["ORG_ADMIN", "MEMBER"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const CLUSTER_ROLES = ["CLUSTER_ADMIN", "OPERATOR", "VIEWER"] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];

type Grant =
  | { scope: "public" }
  | { scope: "self" }
  | { scope: "org"; orgRoles: readonly OrgRole[] }
  | { scope: "cluster"; minRole: ClusterRole };

const ADMIN = { scope: "org", orgRoles: ["ORG_ADMIN"] } as const;
const OPERATE = { scope: "cluster", minRole: "OPERATOR" } as const;
const CLUSTER_ADMIN = { scope: "cluster", minRole: "CLUSTER_ADMIN" } as const;
const VIEW = { scope: "cluster", minRole: "VIEWER" } as const;

export const PERMISSIONS = {
  "setup.read": { scope: "public" },
  "setup.create": { scope: "public" },
  "me.read": { scope: "self" },
  "me.changePassword": { scope: "self" },
  "user.list": ADMIN,
  "user.create": ADMIN,
  "user.update": ADMIN,
  "user.disable": ADMIN,
  "user.resetPassword": ADMIN,
  "team.list": ADMIN,
  "team.create": ADMIN,
  "team.update": ADMIN,
  "team.delete": ADMIN,
  "team.addMember": ADMIN,
  "team.removeMember": ADMIN,
  "clusterGroup.list": { scope: "self" },
  "clusterGroup.create": ADMIN,
  "clusterGroup.update": ADMIN,
  "clusterGroup.delete": ADMIN,
  "binding.list": ADMIN,
  "binding.create": ADMIN,
  "binding.delete": ADMIN,
  "audit.list": ADMIN,
  "cluster.list": { scope: "self" },
  "cluster.get": { scope: "self" },
  "cluster.attach": CLUSTER_ADMIN,
  "cluster.detach": CLUSTER_ADMIN,
  "cluster.update": CLUSTER_ADMIN,
  "cluster.move": CLUSTER_ADMIN,
  "cluster.refresh": OPERATE,
  "credential.list": ADMIN,
  "credential.create": ADMIN,
  "credential.delete": ADMIN,
  "credential.rotate": ADMIN,
  "location.list": { scope: "self" },
  "location.create": ADMIN,
  "location.delete": ADMIN,
  "location.update": ADMIN,
  "location.assign": CLUSTER_ADMIN,
  "location.refresh": OPERATE,
  "backup.list": { scope: "self" },
  "backup.get": { scope: "self" },
  "backup.logs": { scope: "self" },
  "backup.preview": OPERATE,
  "backup.create": OPERATE,
  "backup.delete": OPERATE,
  "restore.list": { scope: "self" },
  "restore.get": { scope: "self" },
  "restore.logs": { scope: "self" },
  "restore.preview": OPERATE,
  "restore.preflight": OPERATE,
  "restore.create": OPERATE,
  "schedule.list": { scope: "self" },
  "schedule.get": { scope: "self" },
  "schedule.preview": OPERATE,
  "schedule.create": OPERATE,
  "schedule.update": OPERATE,
  "schedule.pause": OPERATE,
  "schedule.delete": OPERATE,
  "drill.list": { scope: "self" },
  "drill.get": { scope: "self" },
  "drill.run": OPERATE,
  "drill.evidence": VIEW,
  "drillSchedule.list": { scope: "self" },
  "drillSchedule.create": OPERATE,
  "drillSchedule.delete": OPERATE,
  "live.subscribe": { scope: "self" },
  "velero.get": VIEW,
  "coverage.get": VIEW,
  "velero.install": CLUSTER_ADMIN,
} as const satisfies Record<string, Grant>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * What a permission is useless without: creating a backup means previewing it and choosing a location, deleting one
 * means seeing it. A permission is held only where its dependencies are held too (a test keeps the registry so that
 * a dependency never needs more than its dependent).
 */
export const DEPENDS_ON: Partial<Record<Permission, readonly Permission[]>> = {
  "backup.create": ["backup.preview", "location.list"],
  "backup.delete": ["backup.get"],
  "restore.create": ["restore.preview", "restore.preflight", "backup.list"],
  "schedule.create": ["schedule.preview", "location.list"],
  "schedule.update": ["schedule.get", "schedule.preview"],
  "schedule.pause": ["schedule.get"],
  "schedule.delete": ["schedule.get"],
  "drill.run": ["drill.get", "backup.list"],
  "drillSchedule.create": ["drillSchedule.list", "drill.run", "schedule.get"],
  "drillSchedule.delete": ["drillSchedule.list"],
  "cluster.detach": ["cluster.get"],
  "cluster.update": ["cluster.get"],
  "cluster.move": ["cluster.get"],
  "cluster.refresh": ["cluster.get"],
  "location.assign": ["location.list"],
  "location.refresh": ["location.list"],
  "credential.delete": ["credential.list"],
  "credential.rotate": ["credential.list"],
  "location.delete": ["location.list"],
  "location.update": ["location.list"],
  "velero.get": ["cluster.get"],
  "velero.install": ["velero.get"],
};

/** A permission and everything it depends on, transitively. */
export function withDependencies(p: Permission): Permission[] {
  const out = new Set<Permission>();
  const visit = (q: Permission) => {
    if (out.has(q)) return;
    out.add(q);
    for (const d of DEPENDS_ON[q] ?? []) visit(d);
  };
  visit(p);
  return [...out];
}

export const isPermission = (p: unknown): p is Permission => typeof p === "string" && Object.hasOwn(PERMISSIONS, p);

const RANK: Record<ClusterRole, number> = { VIEWER: 1, OPERATOR: 2, CLUSTER_ADMIN: 3 };

export const clusterRoleAtLeast = (role: ClusterRole, min: ClusterRole) => RANK[role] >= RANK[min];
export const higherClusterRole = (a: ClusterRole | undefined, b: ClusterRole): ClusterRole =>
  !a || RANK[b] > RANK[a] ? b : a;

export function grantOf(p: Permission): Grant {
  return PERMISSIONS[p];
}

/** Does an organization role, or a cluster role on some target, hold this permission (and what it depends on)? */
export function roleGrants(p: Permission, who: { orgRole: OrgRole; clusterRole?: ClusterRole }): boolean {
  return withDependencies(p).every((q) => grantsAlone(q, who));
}

function grantsAlone(p: Permission, who: { orgRole: OrgRole; clusterRole?: ClusterRole }): boolean {
  const g = grantOf(p);
  if (g.scope === "public" || g.scope === "self") return true;
  if (who.orgRole === "ORG_ADMIN") return true;
  if (g.scope === "org") return (g.orgRoles as readonly OrgRole[]).includes(who.orgRole);
  return who.clusterRole !== undefined && clusterRoleAtLeast(who.clusterRole, g.minRole);
}
