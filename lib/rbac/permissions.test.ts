import { describe, expect, it } from "vitest";
import {
  CLUSTER_ROLES,
  clusterRoleAtLeast,
  grantOf,
  higherClusterRole,
  isPermission,
  PERMISSIONS,
  roleGrants,
  type Permission,
  withDependencies,
} from "./permissions";

describe("permission registry", () => {
  it("names every permission resource.action", () => {
    for (const p of Object.keys(PERMISSIONS)) expect(p).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
  });

  it.each<[Permission, Parameters<typeof roleGrants>[1], boolean]>([
    ["user.create", { orgRole: "ORG_ADMIN" }, true],
    ["user.create", { orgRole: "MEMBER" }, false],
    ["user.create", { orgRole: "MEMBER", clusterRole: "CLUSTER_ADMIN" }, false],
    ["audit.list", { orgRole: "MEMBER" }, false],
    ["clusterGroup.list", { orgRole: "MEMBER", clusterRole: "VIEWER" }, true],
    ["clusterGroup.list", { orgRole: "MEMBER" }, true], // scoped by the service: an empty list
    ["clusterGroup.create", { orgRole: "MEMBER", clusterRole: "CLUSTER_ADMIN" }, false],
    ["backup.create", { orgRole: "MEMBER", clusterRole: "VIEWER" }, false],
    ["backup.create", { orgRole: "MEMBER", clusterRole: "OPERATOR" }, true],
    ["cluster.attach", { orgRole: "MEMBER", clusterRole: "OPERATOR" }, false],
    ["cluster.attach", { orgRole: "MEMBER", clusterRole: "CLUSTER_ADMIN" }, true],
    ["cluster.attach", { orgRole: "ORG_ADMIN" }, true],
    ["me.read", { orgRole: "MEMBER" }, true],
    ["setup.create", { orgRole: "MEMBER" }, true],
  ])("%s for %j → %s", (p, who, granted) => expect(roleGrants(p, who)).toBe(granted));

  it("never makes a permission depend on one that needs more", () => {
    const who = [
      { orgRole: "MEMBER" as const },
      ...(["VIEWER", "OPERATOR", "CLUSTER_ADMIN"] as const).map((r) => ({
        orgRole: "MEMBER" as const,
        clusterRole: r,
      })),
      { orgRole: "ORG_ADMIN" as const },
    ];
    for (const p of Object.keys(PERMISSIONS) as Permission[])
      for (const w of who)
        if (roleGrants(p, w))
          for (const d of withDependencies(p))
            expect(`${p} → ${d} for ${JSON.stringify(w)}: ${roleGrants(d, w)}`).toMatch(/true$/);
    expect(withDependencies("schedule.update").sort()).toEqual(["schedule.get", "schedule.preview", "schedule.update"]);
  });

  // #9 §3: a preview shows the manifest the mutation would write, so it is held exactly where the mutation is
  // (cluster.preview declares cluster.attach itself, on the group, like attach).
  it.each([
    ["backup.preview", "backup.create"],
    ["restore.preview", "restore.create"],
    ["schedule.preview", "schedule.create"],
  ] as const)("%s needs the same role as %s", (preview, mutation) => {
    expect(grantOf(preview)).toEqual(grantOf(mutation));
    for (const clusterRole of CLUSTER_ROLES)
      expect(roleGrants(preview, { orgRole: "MEMBER", clusterRole })).toBe(
        roleGrants(mutation, { orgRole: "MEMBER", clusterRole }),
      );
  });

  it("orders cluster roles", () => {
    expect(clusterRoleAtLeast("CLUSTER_ADMIN", "OPERATOR")).toBe(true);
    expect(clusterRoleAtLeast("VIEWER", "OPERATOR")).toBe(false);
    expect(higherClusterRole("VIEWER", "OPERATOR")).toBe("OPERATOR");
    expect(higherClusterRole("CLUSTER_ADMIN", "VIEWER")).toBe("CLUSTER_ADMIN");
    expect(higherClusterRole(undefined, "VIEWER")).toBe("VIEWER");
  });

  it("recognises only registered permissions", () => {
    expect(isPermission("team.create")).toBe(true);
    expect(isPermission("team.obliterate")).toBe(false);
    expect(isPermission("toString")).toBe(false);
    expect(isPermission(undefined)).toBe(false);
  });
});
