import { beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { appRouter } from "./_app";
import { makeContext, router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { freshDatabase } from "../testing/db";
import { aCluster, aGroup, aUser, bind, callerFor, signedIn } from "../testing/builders";
import { grantOf, isPermission, roleGrants, type Permission } from "@/lib/rbac/permissions";
import type { Db } from "../db/client";

// Walks the whole router: every procedure declares a registered permission; a VIEWER is refused every mutation that
// is not about their own account; an anonymous caller is refused everything not public; the guard fails closed.
type Proc = { _def: { type: "query" | "mutation" | "subscription"; meta?: { permission?: Permission } } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
}

function call(caller: unknown, path: string, input?: unknown): Promise<unknown> {
  const fn = path.split(".").reduce((o: any, k) => o[k], caller) as (i?: unknown) => Promise<unknown>;
  return fn(input);
}

let db: Db;
beforeAll(async () => {
  ({ db } = await freshDatabase());
});

describe("router walk", () => {
  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThan(20);
  });

  it.each(procedures)("%s declares a registered permission", (_path, proc) => {
    expect(isPermission(proc._def.meta?.permission)).toBe(true);
  });

  it("a VIEWER gets FORBIDDEN on every mutation that is not about their own account", async () => {
    const viewer = await aUser(db);
    const group = await aGroup(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: group.id });
    const caller = callerFor(db, await signedIn(db, viewer));
    const mutations = procedures.filter(([, p]) => p._def.type === "mutation");
    const own = mutations
      .filter(([, p]) => ["self", "public"].includes(grantOf(p._def.meta!.permission!).scope))
      .map(([path]) => path);
    expect(own.sort()).toEqual(["me.changePassword", "setup.create"]);
    for (const [path] of mutations.filter(([path]) => !own.includes(path))) {
      expect(`${path}: ${await codeOf(call(caller, path, {}))}`).toBe(`${path}: FORBIDDEN`);
    }
    const denied = await db.auditEvent.count({ where: { actorId: viewer.id, outcome: "DENIED" } });
    expect(denied).toBe(mutations.length - own.length);
  });

  it("a VIEWER of group A who is OPERATOR of group B gets FORBIDDEN or NOT_FOUND from everything a viewer may not do on A (#9 §3)", async () => {
    const a = await aGroup(db);
    const b = await aGroup(db);
    const onA = await aCluster(db, a.id);
    await aCluster(db, b.id);
    const object = (kind: string, name: string) =>
      db.veleroObject.create({
        data: { clusterId: onA.id, kind, namespace: "velero", name, uid: `${kind}-${name}`, resourceVersion: "1" },
      });
    await object("backups", "a-backup");
    await object("schedules", "a-schedule");
    await object("restores", "a-restore");
    const sealed = await db.sealedSecret.create({
      data: { purpose: "credential", keyId: "walk", nonce: Buffer.from("x"), ciphertext: Buffer.from("x") },
    });
    const credential = await db.credential.create({
      data: { name: `walk-${a.id}`, config: {}, keyIdMasked: "AKIA…", sealedSecretId: sealed.id },
    });
    const location = await db.location.create({
      data: {
        name: `walk-${a.id}`,
        provider: "S3_COMPATIBLE",
        config: { provider: "S3_COMPATIBLE", bucket: "a-bucket", prefix: "", region: "us-east-1" },
        credentialId: credential.id,
      },
    });
    const assignment = await db.locationAssignment.create({ data: { locationId: location.id, clusterGroupId: a.id } });
    await db.locationDeployment.create({
      data: { locationId: location.id, clusterId: onA.id, bslName: "a-bsl", appliedAt: new Date() },
    });

    const mixed = await aUser(db);
    await bind(db, "VIEWER", { userId: mixed.id }, { clusterGroupId: a.id });
    await bind(db, "OPERATOR", { userId: mixed.id }, { clusterGroupId: b.id });
    const caller = callerFor(db, await signedIn(db, mixed));
    const spec = { scope: { kind: "all" }, restorePVs: true, existingResourcePolicy: "none", ttl: "720h" };
    /** A's real ids, as each procedure names them. */
    const inputFor = (path: string) => {
      const [domain] = path.split(".");
      const id =
        path === "location.unassign" || path === "location.setWriters"
          ? assignment.id
          : domain === "location"
            ? location.id
            : domain === "credential"
              ? credential.id
              : domain === "clusterGroup"
                ? a.id
                : onA.id;
      const name = { backup: "a-backup", schedule: "a-schedule", restore: "a-restore" }[domain] ?? `walk-new-${domain}`;
      return {
        id,
        clusterId: onA.id,
        groupId: a.id,
        name,
        backupName: "a-backup",
        locationId: location.id,
        credentialId: credential.id,
        target: { kind: "clusterGroup", id: a.id },
        readOnly: false,
        writers: [onA.id],
        kubeconfig: "apiVersion: v1\nkind: Config\n",
        description: "",
        labels: {},
        schedule: "0 3 * * *",
        spec,
        paused: true,
      };
    };
    const actOnA = procedures.filter(
      ([, p]) => !roleGrants(p._def.meta!.permission!, { orgRole: "MEMBER", clusterRole: "VIEWER" }),
    );
    expect(actOnA.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        "cluster.preview",
        "backup.preview",
        "restore.preview",
        "schedule.preview",
        "location.setWriters",
      ]),
    );
    for (const [path] of actOnA) {
      const code = await codeOf(call(caller, path, inputFor(path)));
      expect(`${path}: ${code}`).toMatch(new RegExp(`^${path.replace(".", "\\.")}: (FORBIDDEN|NOT_FOUND)$`));
    }
    // Nothing of A changed, and every refusal is on the audit trail.
    expect(await db.veleroObject.count({ where: { clusterId: onA.id } })).toBe(3);
    expect(await db.locationAssignment.count({ where: { locationId: location.id } })).toBe(1);
    expect(await db.locationWriter.count({ where: { assignmentId: assignment.id } })).toBe(0);
    expect(await db.cluster.count({ where: { groupId: a.id } })).toBe(1);
    const denied = await db.auditEvent.count({ where: { actorId: mixed.id, outcome: "DENIED" } });
    expect(denied).toBe(actOnA.length);
  });

  it("an anonymous caller gets UNAUTHORIZED on everything that is not public", async () => {
    const caller = callerFor(db, null);
    for (const [path, p] of procedures) {
      if (grantOf(p._def.meta!.permission!).scope === "public") continue;
      expect(`${path}: ${await codeOf(call(caller, path, {}))}`).toBe(`${path}: UNAUTHORIZED`);
    }
  });

  it("the guard refuses a procedure that declares no permission, or an unknown one", async () => {
    const admin = await aUser(db, { role: "ORG_ADMIN" });
    const rogue = router({
      bare: procedure.query(() => "leaked"),
      unknown: procedure.meta({ permission: "nothing.here" as Permission }).mutation(() => "leaked"),
    });
    const caller = rogue.createCaller(
      makeContext(db, { requestId: "walk", clientIp: null, userAgent: null }, await signedIn(db, admin)),
    );
    expect(await codeOf(caller.bare())).toBe("FORBIDDEN");
    expect(await codeOf(caller.unknown())).toBe("FORBIDDEN");
  });
});
