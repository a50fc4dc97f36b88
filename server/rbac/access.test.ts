import { describe, expect, it, vi } from "vitest";
import type { Db } from "../db/client";
import type { Principal } from "../auth/principal";
import { accessOf, visibilityKey, type Access } from "./access";

/** The one table accessOf reads, counting its reads; `bindings` is what it answers at the time. */
function aDb(bindings: { role: string; clusterGroupId: string | null; clusterId: string | null }[]) {
  const findMany = vi.fn(async () => [...bindings]);
  return { db: { roleBinding: { findMany } } as unknown as Db, findMany, bindings };
}

const principal = (): Principal => ({ userId: "u1", email: "u1@example.com", name: "U", orgRole: "MEMBER" });

describe("accessOf", () => {
  it("reads once for the calls of one request that start together, and afresh for a call after them", async () => {
    const { db, findMany, bindings } = aDb([{ role: "VIEWER", clusterGroupId: "g1", clusterId: null }]);
    const p = principal();
    const [a, b] = await Promise.all([accessOf(db, p), accessOf(db, p)]);
    expect(b).toBe(a);
    expect(findMany).toHaveBeenCalledTimes(1);
    bindings.length = 0;
    const later = await accessOf(db, p);
    expect(findMany).toHaveBeenCalledTimes(2);
    expect([...later.groupRoles.keys()]).toEqual([]);
    expect([...a.groupRoles.keys()]).toEqual(["g1"]);
  });

  it("shares nothing between two requests' principals, or two databases", async () => {
    const one = aDb([]);
    const two = aDb([]);
    const p = principal();
    await Promise.all([accessOf(one.db, p), accessOf(one.db, principal()), accessOf(two.db, p)]);
    expect(one.findMany).toHaveBeenCalledTimes(2);
    expect(two.findMany).toHaveBeenCalledTimes(1);
  });

  it("hands a failed read to the calls that shared it, and reads again after", async () => {
    const { db, findMany } = aDb([]);
    findMany.mockRejectedValueOnce(new Error("database down"));
    const p = principal();
    const both = await Promise.allSettled([accessOf(db, p), accessOf(db, p)]);
    expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(accessOf(db, p)).resolves.toMatchObject({ userId: "u1" });
    expect(findMany).toHaveBeenCalledTimes(2);
  });
});

describe("visibilityKey", () => {
  const access = (o: Partial<Access>): Access => ({
    userId: "u",
    orgRole: "MEMBER",
    groupRoles: new Map(),
    clusterRoles: new Map(),
    ...o,
  });

  it("is equal for users who see the same groups and clusters, whatever their roles or the order they were bound in", () => {
    const one = access({
      groupRoles: new Map([
        ["g1", "VIEWER"],
        ["g2", "CLUSTER_ADMIN"],
      ]),
      clusterRoles: new Map([["c9", "OPERATOR"]]),
    });
    const other = access({
      userId: "v",
      groupRoles: new Map([
        ["g2", "VIEWER"],
        ["g1", "OPERATOR"],
      ]),
      clusterRoles: new Map([["c9", "VIEWER"]]),
    });
    expect(visibilityKey(one)).toBe(visibilityKey(other));
  });

  it("differs when what is seen differs: a group more, a group bound as a cluster id, an admin, no one", () => {
    const keys = [
      access({ groupRoles: new Map([["g1", "VIEWER"]]) }),
      access({
        groupRoles: new Map([
          ["g1", "VIEWER"],
          ["g2", "VIEWER"],
        ]),
      }),
      access({ clusterRoles: new Map([["g1", "VIEWER"]]) }),
      access({ orgRole: "ORG_ADMIN" }),
      access({}),
    ].map(visibilityKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
