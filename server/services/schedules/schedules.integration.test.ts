import crypto from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal, phasesWhere } from "@/lib/velero/phases";
import type { BackupInput } from "@/lib/schemas/protection";
import YAML from "yaml";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { clientOf, veleroObjects } from "../../kube/testing-objects";
import { depsFor, type Deps } from "../../composition";
import { SyncEngine } from "../../sync/engine";
import { scheduleName } from "@/lib/velero/names";
import type { Db } from "../../db/client";

// Schedules end to end: through the router and guard, against sandbox cluster 0 (its Velero stand-in runs Schedules
// and Backups into the sandbox's S3 emulator), with the sync engine filling the read model the list reads.
const run = crypto.randomBytes(3).toString("hex");
const TERMINAL: string[] = phasesWhere("Backup", (p) => isTerminal("Backup", p));

let db: Db;
let d: Deps;
let admin: ReturnType<typeof callerFor>;
let operator: ReturnType<typeof callerFor>;
let viewer: ReturnType<typeof callerFor>;
let engine: SyncEngine;
let clusterId = "";
let clusterName = "";
let otherId = "";
let bsl = "";
let name = "";
const foreign = `foreign-${run}`;
let due = "";
const objects = () => veleroObjects(kubeconfigText(0));

/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const input = (over: Record<string, unknown> = {}) =>
  ({
    scope: { kind: "namespaces", include: ["payments"] },
    volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
    location: bsl,
    ttl: { value: 30, unit: "days" },
    ...over,
  }) as BackupInput;
const row = async (n = name, c: ReturnType<typeof callerFor> = admin) =>
  (await c.schedule.list({ clusterId })).find((s) => s.name === n);

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  const g = await aGroup(db, `sched-${run}`);
  const other = await aGroup(db, `sched-${run}-other`);
  clusterName = `sched-${run}`;
  clusterId = (
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(0),
      name: clusterName,
      groupId: g.id,
      description: "",
      labels: {},
    })
  ).id;
  otherId = (
    await admin.cluster.attach({
      kubeconfig: kubeconfigText(1),
      name: `sched-${run}-other`,
      groupId: other.id,
      description: "",
      labels: {},
    })
  ).id;

  // A target location on the cluster, so scheduled backups really run into the S3 emulator.
  const s3 = testSandbox().s3;
  const cred = await admin.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: `s3-${run}`,
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  const loc = await admin.location.create({
    name: `sched-${run}`,
    provider: "S3_COMPATIBLE",
    region: s3.region,
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: cred.id,
    bucket: "lifeboat-backups",
    prefix: `schedules-${run}`,
  });
  await admin.location.assign({ locationId: loc.id, target: { kind: "cluster", id: clusterId }, readOnly: false });
  const deployment = await until("the location is Available", async () => {
    await admin.location.refresh({ id: loc.id });
    return (await admin.location.list())
      .find((l) => l.id === loc.id)
      ?.deployments.find((x) => x.clusterId === clusterId && x.phase === "Available");
  });
  bsl = deployment.bslName;
  name = scheduleName({ cluster: clusterName, base: "nightly" });
  due = scheduleName({ cluster: clusterName, base: "due" });

  const op = await aUser(db);
  await bind(db, "OPERATOR", { userId: op.id }, { clusterGroupId: g.id });
  operator = callerFor(db, await signedIn(db, op));
  const v = await aUser(db);
  await bind(db, "VIEWER", { userId: v.id }, { clusterGroupId: g.id });
  viewer = callerFor(db, await signedIn(db, v));

  engine = new SyncEngine({ db, clientFor: (id) => clientOf(kubeconfigText(id === clusterId ? 0 : 1)) });
  engine.startCluster(clusterId);
});

afterAll(async () => {
  await engine?.stop();
  // Leave no running schedule behind in the shared sandbox.
  for (const n of [name, foreign])
    if (n)
      await objects()
        .remove("schedules", n)
        .catch(() => undefined);
});

describe("schedules", () => {
  it("previews the exact Schedule, with the wizard input stored for editing", async () => {
    const { yaml } = await operator.schedule.preview({ clusterId, name, spec: input(), cron: "0 3 * * *" });
    const obj = YAML.parse(yaml);
    expect(obj).toMatchObject({
      apiVersion: "velero.io/v1",
      kind: "Schedule",
      metadata: { name, namespace: "velero", labels: { "lifeboat.io/cluster": clusterName } },
      spec: {
        schedule: "0 3 * * *",
        paused: false,
        template: { includedNamespaces: ["payments"], storageLocation: bsl, ttl: "720h0m0s" },
      },
    });
    expect(JSON.parse(obj.metadata.annotations["lifeboat.io/backup-input"])).toEqual(input());
    expect(obj.metadata.annotations["lifeboat.io/created-by"]).toMatch(/@example\.com$/);
  });

  it("refuses a bad cron expression with the parser's message, and a bad input by field", async () => {
    await expect(operator.schedule.create({ clusterId, name, spec: input(), cron: "0 3 * *" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "cron: expected exactly 5 fields, found 4: [0 3 * *]",
    });
    await expect(
      operator.schedule.preview({ clusterId, name, spec: input(), cron: "CRON_TZ=Mars/Olympus 0 3 * * *" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("unknown time zone Mars/Olympus"),
    });
    // The router validates spec with backupInput itself: the problem is a field error at the request's path.
    const refused = await operator.schedule
      .create({ clusterId, name, spec: input({ ttl: { value: 0, unit: "days" } }), cron: "0 3 * * *" })
      .catch((e) => e);
    expect(refused).toMatchObject({ code: "BAD_REQUEST" });
    expect(refused.cause.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ["spec", "ttl", "value"] })]),
    );
    expect(await objects().get("schedules", name)).toBeNull();
  });

  it("an operator creates a schedule; it runs at once, and the list shows it with its last backup and outcome", async () => {
    expect(await operator.schedule.create({ clusterId, name, spec: input(), cron: "0 3 * * *" })).toEqual({
      name,
      created: true,
    });
    // A double submit finds the same schedule; another schedule with that name is a conflict.
    expect(await operator.schedule.create({ clusterId, name, spec: input(), cron: "0 3 * * *" })).toEqual({
      name,
      created: false,
    });
    await expect(operator.schedule.create({ clusterId, name, spec: input(), cron: "0 4 * * *" })).rejects.toMatchObject(
      { code: "CONFLICT" },
    );

    const listed = await until("the schedule's first backup settles in the list", async () => {
      const r = await row();
      return r?.lastBackup && TERMINAL.includes(r.lastBackup.phase) ? r : null;
    });
    expect(listed).toMatchObject({
      clusterName,
      cron: "0 3 * * *",
      cronText: "Every day at 03:00 UTC",
      cronError: null,
      timeZone: "UTC",
      paused: false,
      phase: "Enabled",
      validationErrors: [],
      ttl: "720h0m0s",
      location: bsl,
      scope: "Namespaces payments",
      managedByLifeboat: true,
      useOwnerReferencesInBackup: false,
    });
    expect(listed.lastBackup).toMatchObject({
      name: expect.stringMatching(new RegExp(`^${name}-\\d{14}$`)),
      phase: "Completed",
      errors: 0,
    });
    expect(listed.lastBackupAt).toBeInstanceOf(Date);
    // Velero's next run: cron.Next(lastBackup), the next 03:00 UTC.
    expect(listed.nextRunAt!.getUTCHours()).toBe(3);
    expect(listed.nextRunAt!.getTime()).toBeGreaterThan(listed.lastBackupAt!.getTime());
    expect((await admin.backup.list({ clusterId })).find((b) => b.name === listed.lastBackup!.name)).toMatchObject({
      schedule: name,
      phase: "Completed",
    });

    const audit = await db.auditEvent.findFirst({
      where: { action: "schedule.create", targetId: name, outcome: "SUCCESS" },
    });
    expect(audit).toMatchObject({ targetType: "schedule", scope: `cluster:${clusterId}` });
  });

  it("get prefills the edit form; editing rebuilds the template from the wizard input and keeps the name", async () => {
    const got = await operator.schedule.get({ clusterId, name });
    expect(got).toMatchObject({
      name,
      cron: "0 3 * * *",
      paused: false,
      templateEditable: true,
      notEditableReason: null,
      input: input(),
      phase: "Enabled",
    });
    // The wizard input the form was prefilled from is stored on the Schedule (schedule.get no longer hands out its YAML).
    expect((await objects().get("schedules", name)).metadata.annotations).toHaveProperty("lifeboat.io/backup-input");

    const edited = input({
      scope: { kind: "excludeNamespaces", exclude: ["web-cache"] },
      ttl: { value: 7, unit: "days" },
    });
    expect(await operator.schedule.update({ clusterId, name, cron: "30 4 * * 1-5", spec: edited })).toEqual({
      name,
      paused: false,
      cron: "30 4 * * 1-5",
    });
    const live = await objects().get("schedules", name);
    expect(live.spec).toMatchObject({
      schedule: "30 4 * * 1-5",
      paused: false,
      template: { ttl: "168h0m0s", storageLocation: bsl },
    });
    expect(live.spec.template.includedNamespaces).toBeUndefined();
    expect(live.spec.template.excludedNamespaces).toContain("web-cache");
    expect(JSON.parse(live.metadata.annotations["lifeboat.io/backup-input"])).toEqual(edited);
    expect(live.metadata.annotations["lifeboat.io/created-by"]).toMatch(/@example\.com$/);

    const listed = await until("the edit reaches the list", async () => {
      const r = await row();
      return r?.cron === "30 4 * * 1-5" ? r : null;
    });
    expect(listed).toMatchObject({
      cronText: "Every Monday through Friday at 04:30 UTC",
      ttl: "168h0m0s",
      scope: "All namespaces except web-cache",
    });
    expect((await operator.schedule.get({ clusterId, name })).input).toEqual(edited);

    // Cron only: the template stays.
    await operator.schedule.update({ clusterId, name, cron: "@daily" });
    expect((await objects().get("schedules", name)).spec).toMatchObject({
      schedule: "@daily",
      template: { ttl: "168h0m0s" },
    });
    await expect(operator.schedule.update({ clusterId, name, cron: "every day" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("cron: "),
    });
  });

  it("pauses and resumes", async () => {
    const lastBackup = (await objects().get("schedules", name)).status.lastBackup;
    expect(lastBackup).toBeTruthy();
    expect(await operator.schedule.pause({ clusterId, name })).toEqual({ name, paused: true });
    // Velero's kinds have no status subresource: the pause keeps what the controller recorded.
    expect(await objects().get("schedules", name)).toMatchObject({ spec: { paused: true }, status: { lastBackup } });
    const paused = await until("the list shows it paused", async () => {
      const r = await row();
      return r?.paused ? r : null;
    });
    expect(paused.nextRunAt).toBeNull();
    // Editing a paused schedule keeps it paused unless asked.
    await operator.schedule.update({ clusterId, name, cron: "0 5 * * *", spec: input() });
    expect((await objects().get("schedules", name)).spec).toMatchObject({ paused: true, schedule: "0 5 * * *" });

    expect(await operator.schedule.unpause({ clusterId, name })).toEqual({ name, paused: false });
    const resumed = await until("the list shows it running again", async () => {
      const r = await row();
      return r && !r.paused && r.cron === "0 5 * * *" ? r : null;
    });
    expect(resumed.nextRunAt).toBeInstanceOf(Date);
    expect(
      await db.auditEvent.count({
        where: { action: { in: ["schedule.pause", "schedule.unpause"] }, targetId: name, outcome: "SUCCESS" },
      }),
    ).toBe(2);
  });

  it("Back up now from a schedule creates the backup `velero backup create --from-schedule` would, audited; a viewer may not", async () => {
    await expect(viewer.schedule.backupNow({ clusterId, name })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const made = await operator.schedule.backupNow({ clusterId, name });
    // <schedule>-<timestamp>, or the next suffix when the schedule's own run (resumed just before) took that second.
    expect(made).toEqual({ name: expect.stringMatching(new RegExp(`^${name}-\\d{14}(-\\d)?$`)), created: true });
    const live = await objects().get("backups", made.name);
    const { metadata: _template, ...template } = (await objects().get("schedules", name)).spec.template;
    expect(live.metadata.labels).toMatchObject({ "velero.io/schedule-name": name, "lifeboat.io/cluster": clusterName });
    expect(live.spec).toMatchObject({ ...template, includedNamespaces: ["payments"], storageLocation: bsl });
    // It is one of the schedule's backups: the list filtered by schedule shows it, as this cluster's own.
    const listed = await until("the backup reaches the schedule's list, finished", async () => {
      const b = (await admin.backup.page({ clusterId, schedule: name })).items.find((x) => x.name === made.name);
      return b && TERMINAL.includes(b.phase) ? b : null;
    });
    expect(listed).toMatchObject({ phase: "Completed", schedule: name, syncedCopy: false });
    const audited = (outcome: "SUCCESS" | "DENIED") =>
      db.auditEvent.count({ where: { action: "schedule.backupNow", outcome } });
    expect([await audited("SUCCESS"), await audited("DENIED")]).toEqual([1, 1]);
    expect(
      await db.auditEvent.count({ where: { action: "schedule.backupNow", outcome: "SUCCESS", targetId: name } }),
    ).toBe(1);
  });

  it("says whether resuming starts a backup at once, and resumes without running now (#10 §2)", async () => {
    const byDue = `velero.io/schedule-name=${due}`;
    await operator.schedule.create({ clusterId, name: due, spec: input(), cron: "0 3 * * *", paused: true });
    // It last ran two days ago (as Velero would have recorded it): today's 03:00 run fell due while it was paused.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await objects().patch("schedules", due, { status: { lastBackup: twoDaysAgo } });
    const at3 = (from: Date) => {
      const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), 3));
      return d > from ? d : new Date(d.getTime() + 86_400_000);
    };
    const paused = await until("the list says a backup would start at once for the missed run", async () => {
      const r = await row(due);
      return r?.paused && r.resume?.missedRunAt ? r : null;
    });
    expect(paused.nextRunAt).toBeNull();
    expect(paused.resume).toEqual({
      startsAtOnce: true,
      missedRunAt: at3(new Date(twoDaysAgo)),
      nextRunAt: expect.any(Date),
    });
    // Resumed without running now, the next backup is the next 03:00.
    expect(paused.resume!.nextRunAt!.getUTCHours()).toBe(3);
    expect(paused.resume!.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await operator.schedule.get({ clusterId, name: due })).resume).toMatchObject({
      startsAtOnce: true,
      missedRunAt: at3(new Date(twoDaysAgo)),
    });

    // Resume without running now: one write, paused false with skipImmediately; the controller skips instead of running.
    expect(await operator.schedule.unpause({ clusterId, name: due, runNow: false })).toEqual({
      name: due,
      paused: false,
    });
    const skipped = await until("Velero records the skipped run", async () => {
      const o = await objects().get("schedules", due);
      return o?.status?.lastSkipped ? o : null;
    });
    expect(skipped.spec).toMatchObject({ paused: false, skipImmediately: false });
    expect(skipped.status.lastBackup).toBe(twoDaysAgo);
    expect(await objects().listLabelled("backups", byDue)).toEqual([]);
    const resumed = await until("the list shows it running, next at 03:00", async () => {
      const r = await row(due);
      return r && !r.paused && r.nextRunAt && r.nextRunAt.getTime() > Date.now() ? r : null;
    });
    expect(resumed.resume).toBeNull();
    expect(resumed.nextRunAt!.getUTCHours()).toBe(3);

    // Paused again with the run due once more: resuming (runNow defaults to true) starts a backup at once.
    await operator.schedule.pause({ clusterId, name: due });
    await objects().patch("schedules", due, { status: { lastSkipped: null } });
    expect((await objects().get("schedules", due)).status.lastBackup).toBe(twoDaysAgo); // pausing kept the status
    await until("the list says a backup would start at once again", async () => {
      const r = await row(due);
      return r?.paused && r.resume?.startsAtOnce ? r : null;
    });
    expect(await operator.schedule.unpause({ clusterId, name: due })).toEqual({ name: due, paused: false });
    const [backup] = await until("the due run starts", async () => {
      const backups = await objects().listLabelled("backups", byDue);
      return backups.length ? backups : null;
    });
    expect(backup.metadata.name).toMatch(new RegExp(`^${due}-\\d{14}$`));
    expect((await objects().get("schedules", due)).spec.skipImmediately).not.toBe(true);

    expect(
      await db.auditEvent.count({ where: { action: "schedule.unpause", targetId: due, outcome: "SUCCESS" } }),
    ).toBe(2);
    await operator.schedule.delete({ clusterId, name: due });
  });

  it("a schedule made outside Lifeboat can have its cron and paused flag changed, and nothing else", async () => {
    await objects().create("schedules", {
      kind: "Schedule",
      metadata: { name: foreign },
      spec: { schedule: "0 1 * * *", paused: true, template: { includedNamespaces: ["guestbook"], ttl: "24h0m0s" } },
    });
    const got = await operator.schedule.get({ clusterId, name: foreign });
    expect(got).toMatchObject({
      templateEditable: false,
      input: null,
      notEditableReason: expect.stringContaining("not created by Lifeboat"),
      paused: true,
    });
    await expect(
      operator.schedule.update({ clusterId, name: foreign, cron: "0 2 * * *", spec: input() }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("not created by Lifeboat") });
    expect(await operator.schedule.update({ clusterId, name: foreign, cron: "0 2 * * *" })).toEqual({
      name: foreign,
      paused: true,
      cron: "0 2 * * *",
    });
    expect((await objects().get("schedules", foreign)).spec).toEqual({
      schedule: "0 2 * * *",
      paused: true,
      template: { includedNamespaces: ["guestbook"], ttl: "24h0m0s" },
    });
    const listed = await until("the foreign schedule is listed", async () => {
      const r = await row(foreign);
      return r?.cron === "0 2 * * *" ? r : null;
    });
    expect(listed).toMatchObject({
      managedByLifeboat: false,
      scope: "Namespaces guestbook",
      ttl: "24h0m0s",
      location: null,
      lastBackup: null,
      paused: true,
    });
  });

  it("a schedule whose cron expression is over 1 KiB is listed with an error on its row, not parsed (#9 §1)", async () => {
    const long = `huge-cron-${run}`;
    const cron = `CRON_TZ=UTC 0 ${" ".repeat(2048)}3 * * *`;
    await objects().create("schedules", {
      kind: "Schedule",
      metadata: { name: long },
      spec: { schedule: cron, paused: true, template: { includedNamespaces: ["guestbook"] } },
    });
    const listed = await until("the long-cron schedule is listed", () => row(long));
    expect(listed).toMatchObject({
      cron: `${cron.slice(0, 64)}…`,
      cronText: null,
      cronError: "cron expression longer than 1 KiB (2,069 characters); Lifeboat does not read it",
      timeZone: null,
      nextRunAt: null,
    });
    // The rest of the list still answers, with its own rows read as before.
    expect(await row(foreign)).toMatchObject({ cronError: null, cronText: expect.any(String) });
  });

  it("a viewer sees the list and may change nothing", async () => {
    expect((await row(name, viewer))?.name).toBe(name);
    expect((await viewer.schedule.get({ clusterId, name })).name).toBe(name);
    for (const call of [
      () => viewer.schedule.create({ clusterId, name: `${name}-v`, spec: input(), cron: "0 3 * * *" }),
      () => viewer.schedule.preview({ clusterId, name: `${name}-v`, spec: input(), cron: "0 3 * * *" }),
      () => viewer.schedule.update({ clusterId, name, cron: "0 3 * * *" }),
      () => viewer.schedule.pause({ clusterId, name }),
      () => viewer.schedule.unpause({ clusterId, name }),
      () => viewer.schedule.delete({ clusterId, name }),
    ])
      await expect(call()).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await objects().get("schedules", `${name}-v`)).toBeNull();
    expect((await objects().get("schedules", name)).spec.paused).toBe(false);

    // An operator elsewhere who only views this cluster is refused by the service, not just the guard.
    const u = await aUser(db);
    await bind(db, "OPERATOR", { userId: u.id }, { clusterId: otherId });
    await bind(db, "VIEWER", { userId: u.id }, { clusterId });
    const mixed = callerFor(db, await signedIn(db, u));
    await expect(
      mixed.schedule.create({ clusterId, name: `${name}-m`, spec: input(), cron: "0 3 * * *" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("OPERATOR") });
    await expect(mixed.schedule.pause({ clusterId, name })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await objects().get("schedules", `${name}-m`)).toBeNull();
  });

  it("a cluster the caller can't see answers NOT_FOUND, and its schedules are not listed", async () => {
    const u = await aUser(db);
    await bind(db, "OPERATOR", { userId: u.id }, { clusterId: otherId });
    const stranger = callerFor(db, await signedIn(db, u));
    expect(await stranger.schedule.list({})).toEqual([]);
    await expect(stranger.schedule.get({ clusterId, name })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      stranger.schedule.create({ clusterId, name: `${name}-s`, spec: input(), cron: "0 3 * * *" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      stranger.schedule.preview({ clusterId, name: `${name}-s`, spec: input(), cron: "0 3 * * *" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stranger.schedule.pause({ clusterId, name })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(stranger.schedule.delete({ clusterId, name })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("explains a vanished schedule, a cluster without Velero and an unreachable cluster", async () => {
    await expect(operator.schedule.pause({ clusterId, name: `gone-${run}` })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("may have been deleted"),
    });
    await expect(operator.schedule.update({ clusterId, name: `gone-${run}`, cron: "0 3 * * *" })).rejects.toMatchObject(
      { code: "NOT_FOUND" },
    );
    await expect(operator.schedule.delete({ clusterId, name: `gone-${run}` })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const velero = (await db.cluster.findUniqueOrThrow({ where: { id: otherId } })).velero;
    await db.cluster.update({
      where: { id: otherId },
      data: {
        velero: {
          installed: false,
          reason: "no velero namespace",
          nodeAgent: false,
          csi: { enabled: false, snapshotClasses: [] },
        },
      },
    });
    try {
      await expect(
        admin.schedule.create({ clusterId: otherId, name: `x-${run}`, spec: input(), cron: "0 3 * * *" }),
      ).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: expect.stringContaining("Velero is not installed"),
      });
    } finally {
      await db.cluster.update({ where: { id: otherId }, data: { velero: velero ?? undefined } });
    }

    const secretId = (await db.cluster.findUniqueOrThrow({ where: { id: otherId } })).kubeconfigSecretId!;
    const port = await closedPort();
    await d.sealed.replace(
      secretId,
      kubeconfigText(1).replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`),
    );
    try {
      await expect(admin.schedule.pause({ clusterId: otherId, name: `x-${run}` })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        // Through the cluster-access port, an unreachable cluster is a mapped ClusterError (it was a raw socket error).
        message: expect.stringMatching(
          /^Could not pause schedule x-\w+ on sched-\w+-other \(Unreachable\): .*connection refused/,
        ),
      });
      await expect(
        admin.schedule.create({ clusterId: otherId, name: `x-${run}`, spec: input(), cron: "0 3 * * *" }),
      ).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: expect.stringContaining("Could not create the schedule on"),
      });
    } finally {
      await d.sealed.replace(secretId, kubeconfigText(1));
    }
  });

  it("deleting a schedule keeps its backups", async () => {
    const before = await row();
    const last = before!.lastBackup!.name;
    expect(await operator.schedule.delete({ clusterId, name })).toEqual({ name, backupsKept: true });
    expect(await objects().get("schedules", name)).toBeNull();
    await until("the list drops it", async () => !(await row()));
    expect((await admin.backup.list({ clusterId })).some((b) => b.name === last)).toBe(true);
    expect(await objects().get("backups", last)).not.toBeNull();
    expect(
      await db.auditEvent.findFirst({ where: { action: "schedule.delete", targetId: name, outcome: "SUCCESS" } }),
    ).toMatchObject({ targetType: "schedule", scope: `cluster:${clusterId}` });
    await operator.schedule.delete({ clusterId, name: foreign });
  });
});
