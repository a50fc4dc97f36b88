import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import type { z } from "zod";
import { appRouter } from "./_app";
import { freshDatabase } from "../testing/db";
import { aCluster, aGroup, aTeam, aUser, bind, callerFor, signedIn } from "../testing/builders";
import type { Db } from "../db/client";

// Every procedure driven with generated inputs (shapes from its zod schema, filled with hostile values: huge, unicode,
// control characters, nested, prototype keys, ids of real and missing objects) as an organization admin, an operator,
// a viewer and anonymously: no call may end in INTERNAL_SERVER_ERROR, and nothing may reject unhandled. The clusters
// here have no kubeconfig, so nothing leaves the process; the inputs are reproducible (a seeded generator).
const PER_PROCEDURE = Number(process.env.LIFEBOAT_FUZZ_RUNS ?? 200);
const ROLES = ["anonymous", "viewer", "operator", "admin"] as const;
/** Each procedure gets PER_PROCEDURE inputs in all, shared evenly by the four callers. */
const PER_ROLE = Math.ceil(PER_PROCEDURE / ROLES.length);

type Proc = { _def: { type: "query" | "mutation" | "subscription"; inputs: z.ZodType[] } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>).filter(
  ([, p]) => p._def.type !== "subscription",
);

/** mulberry32: a small seeded generator, so a failure names an input that can be made again. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  "",
  " ",
  "a".repeat(100_000),
  "\u0000",
  "🙂".repeat(2_000),
  "\u202e\u0301\ufeff",
  "__proto__",
  "constructor",
  "prototype",
  "../../../etc/passwd",
  "' OR 1=1 --",
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  "NaN",
  "-1",
  "1e400",
  "CRON_TZ=UTC x" + " ".repeat(20_000) + "x",
  "*",
  "kube-system",
  "velero",
  "https://169.254.169.254/latest/meta-data",
  "lbt_" + "x".repeat(43),
];

interface Pools {
  ids: string[];
}

function gen(schema: z.ZodType | undefined, r: () => number, pools: Pools, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const junk = (): unknown =>
    pick([
      () => null,
      () => undefined,
      () => pick(HOSTILE_STRINGS),
      () => Math.floor(r() * 2 ** 53) * (r() < 0.5 ? -1 : 1),
      () => pick([0, -0, 1.5, Infinity, -Infinity, NaN, 2 ** 31, -(2 ** 31)]),
      () => r() < 0.5,
      () => (depth < 6 ? [junk(), junk()] : []),
      () => (depth < 6 ? JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') : {}),
      () => (depth < 6 ? { a: { b: { c: { d: { e: pick(HOSTILE_STRINGS) } } } } } : {}),
      () => pick(pools.ids),
    ])();
  if (!schema || r() < 0.08) return junk();
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const sub = (s: unknown) => gen(s as z.ZodType, r, pools, depth + 1);
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, z.ZodType>;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(shape)) if (r() < 0.9) out[k] = sub(v);
      if (r() < 0.1) out[pick(["__proto__", "constructor", "extra", "toString"])] = junk();
      return out;
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return r() < 0.15 ? (def.type === "nullable" ? null : undefined) : sub(def.innerType);
    case "pipe":
      return sub(def.in);
    case "lazy":
      return depth < 6 ? sub((def.getter as () => unknown)()) : undefined;
    case "union":
      return sub(pick(def.options as z.ZodType[]));
    case "intersection":
      return { ...(sub(def.left) as object), ...(sub(def.right) as object) };
    case "array":
      return Array.from({ length: pick([0, 1, 2, 3, 50]) }, () => sub(def.element));
    case "record": {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < pick([0, 1, 3]); i++) out[String(sub(def.keyType))] = sub(def.valueType);
      return out;
    }
    case "enum":
      return pick(Object.values(def.entries as Record<string, string>));
    case "literal":
      return pick(def.values as unknown[]);
    case "string":
      return r() < 0.4 ? pick(pools.ids) : pick(HOSTILE_STRINGS);
    case "number":
    case "int":
      return pick([0, 1, -1, 50, 500, 10_000, 2 ** 31, 1.5, NaN]);
    case "boolean":
      return r() < 0.5;
    case "date":
      return pick([new Date(0), new Date(8.64e15), new Date(NaN), new Date(), "2026-13-45", "yesterday"]);
    case "bigint":
      return BigInt(Math.floor(r() * 1e9));
    default:
      return junk();
  }
}

function call(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path
    .split(".")
    .reduce((o: Record<string, unknown>, k) => o[k] as Record<string, unknown>, caller as never);
  return (fn as unknown as (i: unknown) => Promise<unknown>)(input);
}

let db: Db;
let callers: Record<string, ReturnType<typeof callerFor>>;
let pools: Pools;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  ({ db } = await freshDatabase());
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  const operator = await aUser(db);
  const viewer = await aUser(db);
  const a = await aGroup(db);
  const b = await aGroup(db);
  const clusterA = await aCluster(db, a.id);
  const clusterB = await aCluster(db, b.id);
  const team = await aTeam(db, [viewer.id]);
  await bind(db, "OPERATOR", { userId: operator.id }, { clusterGroupId: a.id });
  await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: b.id });
  pools = {
    ids: [
      a.id,
      b.id,
      clusterA.id,
      clusterB.id,
      team.id,
      admin.id,
      viewer.id,
      "c" + crypto.randomBytes(12).toString("hex"),
    ],
  };
  callers = {
    admin: callerFor(db, await signedIn(db, admin)),
    operator: callerFor(db, await signedIn(db, operator)),
    viewer: callerFor(db, await signedIn(db, viewer)),
    anonymous: callerFor(db, null),
  };
});

afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("fuzzing every procedure", () => {
  it("finds the procedures", () => expect(procedures.length).toBeGreaterThan(40));

  it.each(ROLES)(
    `as %s: ${PER_ROLE} generated inputs per procedure (${PER_PROCEDURE} with the other callers), no INTERNAL_SERVER_ERROR`,
    async (who) => {
      const failures: string[] = [];
      let calls = 0;
      for (const [i, [path, proc]] of procedures.entries()) {
        const r = rng(i * 7919 + who.length);
        for (let n = 0; n < PER_ROLE; n++) {
          const input = gen(proc._def.inputs[0], r, pools);
          calls++;
          try {
            await call(callers[who], path, input);
          } catch (e) {
            const code = e instanceof TRPCError ? e.code : "NOT_A_TRPC_ERROR";
            if (code === "INTERNAL_SERVER_ERROR" || code === "NOT_A_TRPC_ERROR") {
              const cause = e instanceof TRPCError ? (e.cause ?? e) : e;
              const shown = JSON.stringify(input, (_k, v) =>
                typeof v === "string" && v.length > 60 ? `${v.slice(0, 60)}…` : v,
              );
              failures.push(
                `${path} #${n}: ${String((cause as Error)?.message ?? cause).slice(0, 200)} ← ${shown?.slice(0, 300)}`,
              );
              break; // one failure per procedure is enough to name it
            }
          }
        }
      }
      expect(failures).toEqual([]);
      expect(calls).toBe(procedures.length * PER_ROLE);
      expect(unhandled.map(String)).toEqual([]);
    },
    600_000,
  );
});
