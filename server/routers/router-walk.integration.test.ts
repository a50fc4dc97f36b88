import { beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { appRouter } from "./_app";
import { makeContext, router } from "../trpc/init";
import { procedure } from "../trpc/guard";
import { freshDatabase } from "../testing/db";
import { aGroup, aUser, bind, callerFor, signedIn } from "../testing/builders";
import { grantOf, isPermission, type Permission } from "@/lib/rbac/permissions";
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
