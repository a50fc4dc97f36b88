// `npm run bench`: figures for the costs every request pays (session + access resolution, audit insert) and for the
// audit log's keyset pagination over a large table. Prints numbers; asserts nothing.
import path from "node:path";
import { performance } from "node:perf_hooks";
import { insertBackupRows } from "./lib/bench";
// @ts-expect-error: plain .mjs helpers without types
import { startEmbeddedPostgres } from "./lib/postgres.mjs";
// @ts-expect-error: plain .mjs helpers without types
import { migrate, root } from "./lib/setup.mjs";
import { createDb } from "../server/db/client";
import { encodeCursor } from "../server/db/keyset";
import { createSession, resolvePrincipal } from "../server/auth/principal";
import { loadAccess } from "../server/rbac/access";
import { listAudit, recordAudit } from "../server/services/audit/audit";
import { hashPassword, verifyPassword } from "../server/auth/password";
import { backupsPage } from "../server/services/backups/backups";
import { EventBus, publish } from "../server/events/bus";
import { makeContext } from "../server/trpc/init";
import { appRouter } from "../server/routers/_app";

const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 200_000);
const BACKUP_ROWS = Number(process.env.BENCH_BACKUP_ROWS ?? 100_000);

async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(5, n); i++) await fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(8)} ms/op  (${n} ops)`);
}

const pg = await startEmbeddedPostgres({
  dir: path.join(root, ".data/bench-pg"),
  port: 54369,
  databases: ["bench"],
  fresh: true,
});
try {
  migrate(pg.url("bench"));
  const db = createDb(pg.url("bench"));
  const limits = { idleMinutes: 30, maxHours: 12 };

  const user = await db.user.create({ data: { email: "bench@example.com", name: "Bench" } });
  const groups = await Promise.all(
    Array.from({ length: 50 }, (_, i) => db.clusterGroup.create({ data: { name: `g${i}` } })),
  );
  const teams = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      db.team.create({ data: { name: `t${i}`, members: { create: [{ userId: user.id }] } } }),
    ),
  );
  for (const [i, g] of groups.entries())
    await db.roleBinding.create({
      data: { role: "VIEWER", clusterGroupId: g.id, ...(i % 2 ? { userId: user.id } : { teamId: teams[i % 10].id }) },
    });
  const sid = await createSession(db, user.id, limits);

  console.log(
    `\nPer request (PostgreSQL ${(await db.$queryRawUnsafe<{ v: string }[]>("SELECT current_setting('server_version') AS v"))[0].v}, local)`,
  );
  await time("resolvePrincipal (session + user)", 500, () => resolvePrincipal(db, sid, limits));
  await time("loadAccess (50 bindings via user and 10 teams)", 500, () => loadAccess(db, user.id, "MEMBER"));
  await time("recordAudit (one append)", 500, (i) =>
    recordAudit(db, { action: "bench.write", outcome: "SUCCESS", requestId: `b${i}` }),
  );

  console.log(`\nPasswords`);
  const hash = await hashPassword("benchmark-password");
  await time("scrypt hash (N=2^15, r=8, p=1)", 20, () => hashPassword("benchmark-password"));
  await time("scrypt verify", 20, () => verifyPassword("benchmark-password", hash));

  console.log(`\nAudit log with ${AUDIT_ROWS.toLocaleString()} rows`);
  const t0 = performance.now();
  await db.$executeRawUnsafe(`INSERT INTO "AuditEvent" (at, "actorEmail", action, outcome, "requestId", scope)
    SELECT now() - (g * interval '1 second'), 'user' || (g % 40) || '@example.com', (ARRAY['team.create','binding.delete','user.update','auth.signIn'])[1 + g % 4],
           (ARRAY['SUCCESS','DENIED','FAILURE']::"AuditOutcome"[])[1 + g % 3], 'r' || g, 'org'
    FROM generate_series(1, ${AUDIT_ROWS}) g`);
  await db.$executeRawUnsafe(`ANALYZE "AuditEvent"`);
  console.log(`${"insert (generate_series)".padEnd(58)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(8)} s`);
  await time("first page, no filter (50 rows)", 100, () => listAudit(db, { limit: 50 }));
  // A cursor near the end, as the list gives them (keyset.ts: the last row's time and id).
  const nearEnd = encodeCursor(new Date(Date.now() - (AUDIT_ROWS - 100) * 1000), "999999999");
  const deep = await listAudit(db, { limit: 50, cursor: nearEnd });
  await time("page near the end by cursor", 100, () => listAudit(db, { limit: 50, cursor: nearEnd }));
  await time("first page filtered by actor (ILIKE)", 50, () => listAudit(db, { actor: "user7@", limit: 50 }));
  await time("first page filtered by action prefix + outcome", 50, () =>
    listAudit(db, { action: "binding.", outcome: "DENIED", limit: 50 }),
  );
  console.log(`(deep page returned ${deep.items.length} rows)`);

  console.log(
    `\nBackups read model with ${BACKUP_ROWS.toLocaleString()} rows on 100 clusters (a member who views 50 groups)`,
  );
  const clusters = await Promise.all(
    Array.from({ length: 100 }, (_, i) => db.cluster.create({ data: { name: `c${i}`, groupId: groups[i % 50].id } })),
  );
  const t1 = performance.now();
  await insertBackupRows(db, {
    clusterIds: clusters.map((c) => c.id),
    n: BACKUP_ROWS,
    prefix: "backup-",
    everySeconds: 60,
  });
  console.log(`${"insert (generate_series)".padEnd(58)} ${((performance.now() - t1) / 1000).toFixed(1).padStart(8)} s`);
  const member = await loadAccess(db, user.id, "MEMBER");
  const first = await backupsPage(db, member, { limit: 100 });
  await time("fleet page, newest 100 (visible clusters)", 50, () => backupsPage(db, member, { limit: 100 }));
  let cursor = first.nextCursor ?? undefined;
  for (let i = 0; i < 50 && cursor; i++)
    cursor = (await backupsPage(db, member, { limit: 100, cursor })).nextCursor ?? undefined;
  await time("fleet page 50 pages deep, by cursor", 50, () => backupsPage(db, member, { limit: 100, cursor }));
  await time("one cluster's page, newest 100", 50, () =>
    backupsPage(db, member, { clusterId: clusters[1].id, limit: 100 }),
  );
  await time("fleet page of failed backups", 50, () =>
    backupsPage(db, member, { phases: ["Failed", "PartiallyFailed", "FailedValidation"], limit: 100 }),
  );

  // Pushed updates: a read-model write announced as the sync engine does (row, then NOTIFY), until a live.changes
  // subscriber (the router, filtering by what the user may see) has it. The browser's SSE hop and refetch come on top.
  console.log(`\nPushed updates (goal: a phase change on the page within 300 ms of the read model changing)`);
  const bus = new EventBus(pg.url("bench"));
  await bus.ready();
  const principal = await resolvePrincipal(db, sid, limits);
  const abort = new AbortController();
  const ctx = {
    ...makeContext(db, { requestId: "bench", clientIp: "127.0.0.1", userAgent: "bench" }, principal),
    events: bus,
  };
  const it = (await appRouter.createCaller(ctx, { signal: abort.signal }).live.changes())[Symbol.asyncIterator]();
  await it.next(); // "connected"
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await db.veleroObject.updateMany({
      where: { clusterId: clusters[1].id, name: "backup-1" },
      data: { phase: i % 2 ? "InProgress" : "Completed" },
    });
    await publish(db, { topic: "backups", clusterId: clusters[1].id });
    await it.next();
    samples.push(performance.now() - t0);
  }
  abort.abort();
  await bus.stop();
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))].toFixed(1);
  console.log(
    `${"write + NOTIFY → subscriber (200 changes): p50 / p95 / max".padEnd(58)} ${pct(50)} / ${pct(95)} / ${samples[samples.length - 1].toFixed(1)} ms`,
  );
  await db.$disconnect();
} finally {
  await pg.stop();
}
