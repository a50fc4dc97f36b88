import crypto from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { freshDatabase } from "../../server/testing/db";
import { aUser, callerFor, signedIn } from "../../server/testing/builders";
import { testSandbox } from "../../server/testing/sandbox";
import { veleroObjects } from "../../server/kube/testing-objects";
import { seedDemo } from "./seed-demo";

// #10 §7: the demo's own setup goes through the audited procedures, so the audit log shows who set the demo up; a
// second run (a restarted demo) creates nothing twice. Runs against the integration sandbox, and removes from its
// clusters what it made there.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
process.env.NEXTAUTH_SECRET ??= "seed-demo-test-secret-0123456789abcdef";
// As npm run demo does: the console signs in at the sandbox's Entra ID / ARM stand-in.
const entra = testSandbox().azure?.servicePrincipal?.url;
if (entra) process.env.LIFEBOAT_AZURE_AUTHORITY_HOST = process.env.LIFEBOAT_AZURE_RESOURCE_MANAGER = entra;
/** S3 keys, the Azure key, the sandbox's service principal (with its Entra ID stand-in) and moto's admin (with moto). */
const credentials = () => 2 + (entra ? 1 : 0) + (testSandbox().aws ? 1 : 0);

let db: Db;
const email = `demo-admin-${crypto.randomBytes(3).toString("hex")}@example.com`;
const lines: string[] = [];
const now = new Date("2026-12-04T12:00:00Z");

beforeAll(async () => {
  ({ db } = await freshDatabase());
  await db.user.create({ data: { email, name: "Demo Admin", role: "ORG_ADMIN" } });
});

afterAll(async () => {
  // Take the demo's location, schedule and backups off the shared sandbox clusters.
  const admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  for (const c of await db.cluster.findMany({ select: { id: true, name: true } })) {
    const schedules = await db.veleroObject.findMany({ where: { clusterId: c.id, kind: "schedules" } });
    const i = testSandbox().clusters.findIndex((s) => s.name === c.name);
    const velero = veleroObjects(fs.readFileSync(testSandbox().clusters[i].kubeconfig, "utf8"));
    for (const s of schedules.filter((s) => s.name.includes("web-nightly")))
      await velero.remove("schedules", s.name).catch(() => undefined);
    await admin.cluster.detach({ id: c.id, removeFromCluster: true }).catch(() => undefined);
  }
});

describe("the demo's setup", () => {
  it("attaches, shares a location, backs up and schedules through audited procedures, as the demo's admin", async () => {
    await seedDemo(db, { sandbox: testSandbox(), adminEmail: email, log: (l) => lines.push(l), now });
    const sandboxNames = testSandbox().clusters.map((c) => c.name);
    expect((await db.cluster.findMany({ select: { name: true } })).map((c) => c.name).sort()).toEqual(
      [...sandboxNames].sort(),
    );
    const rows = await db.auditEvent.findMany({
      where: { actorEmail: email },
      select: { action: true, outcome: true },
      orderBy: { id: "asc" },
    });
    const actions = rows.filter((r) => r.outcome === "SUCCESS").map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "clusterGroup.create",
        "cluster.attach",
        "credential.create",
        "location.create",
        "location.assign",
        "backup.create",
        "schedule.create",
      ]),
    );
    expect(actions.filter((a) => a === "cluster.attach")).toHaveLength(sandboxNames.length);
    // A location on the S3 emulator and one on the Azure emulator, each with its credential, the sandbox's service
    // principal, and moto's admin as an AWS account where moto runs.
    expect(actions.filter((a) => a === "credential.create")).toHaveLength(credentials());
    if (entra)
      expect(await db.credential.findUnique({ where: { name: "sandbox-azure-sp" } })).toMatchObject({
        provider: "AZURE",
        config: { kind: "AZURE_SERVICE_PRINCIPAL", clientId: testSandbox().azure!.servicePrincipal!.clientId },
      });
    expect(await db.location.findMany({ select: { name: true, provider: true }, orderBy: { name: "asc" } })).toEqual([
      { name: "sandbox-azure", provider: "AZURE_BLOB" },
      { name: "sandbox-backups", provider: "S3_COMPATIBLE" },
    ]);
    // One writer per bucket and prefix (#14 §3): the group's first cluster writes to each demo location, the others read.
    const [first] = testSandbox()
      .clusters.map((c) => c.name)
      .sort();
    for (const a of await db.locationAssignment.findMany({
      select: { readOnly: true, writers: { select: { cluster: { select: { name: true } } } } },
    }))
      expect(a).toEqual({ readOnly: true, writers: [{ cluster: { name: first } }] });
    expect(rows.filter((r) => r.outcome !== "SUCCESS")).toEqual([]);
    // The demo's session ends with the setup.
    expect(await db.session.count({ where: { user: { email }, revokedAt: null } })).toBe(0);
  });

  it("a restarted demo creates nothing twice", async () => {
    const before = await db.auditEvent.count({ where: { actorEmail: email } });
    await seedDemo(db, {
      sandbox: testSandbox(),
      adminEmail: email,
      log: (l) => lines.push(l),
      now: new Date(now.getTime() + 60_000),
    });
    const again = await db.auditEvent.findMany({
      where: { actorEmail: email },
      select: { action: true },
      orderBy: { id: "asc" },
    });
    const created = again.map((r) => r.action).filter((a) => /\.(create|attach|assign)$/.test(a));
    // Only this start's backup is new (and the schedule's create, which answers that it is already there).
    expect(created.filter((a) => a === "cluster.attach")).toHaveLength(testSandbox().clusters.length);
    expect(created.filter((a) => a === "credential.create")).toHaveLength(credentials());
    expect(created.filter((a) => a === "location.create")).toHaveLength(2);
    expect(created.filter((a) => a === "backup.create")).toHaveLength(2);
    expect(before).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("already attached"))).toBe(true);
  });
});
