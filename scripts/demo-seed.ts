// The demo's console content: the sandbox clusters attached to a "demo" cluster group (idempotent; a restarted
// sandbox keeps its ports and tokens, and a stale kubeconfig is replaced). Runs after the console has migrated.
import fs from "node:fs";
import path from "node:path";
import { createDb } from "../server/db/client";
import { depsFor } from "../server/composition";
import { loadAccess } from "../server/rbac/access";
import { attachCluster, checkCluster } from "../server/services/clusters/clusters";
import { createCredential } from "../server/services/protection/credentials";
import { assignLocation, createLocation, reconcileLocation } from "../server/services/protection/locations";
import { createBackup } from "../server/services/backups/backups";
import { scopedCluster, scopedGroup, scopedTarget } from "../server/rbac/scope";
import { createSchedule } from "../server/services/schedules/schedules";
import { backupName, scheduleName } from "../lib/velero/names";

const sandboxJson = process.argv[2];
const adminEmail = process.env.LIFEBOAT_ADMIN_EMAIL?.toLowerCase();
if (!process.env.DATABASE_URL || !sandboxJson || !adminEmail) {
  console.error("usage: DATABASE_URL=… LIFEBOAT_ADMIN_EMAIL=… tsx scripts/demo-seed.ts <sandbox.json>");
  process.exit(2);
}
const db = createDb(process.env.DATABASE_URL);
const d = depsFor(db);
let admin = null;
for (let i = 0; i < 120 && !admin; i++) {
  admin = await db.user.findUnique({ where: { email: adminEmail } });
  if (!admin) await new Promise((r) => setTimeout(r, 500));
}
if (!admin) throw new Error(`the admin ${adminEmail} was not bootstrapped`);
const group = await db.clusterGroup.upsert({
  where: { name: "demo" },
  update: {},
  create: { name: "demo", description: "Sandbox clusters started by npm run demo" },
});
const access = await loadAccess(db, admin.id, admin.role);
const sandbox = JSON.parse(fs.readFileSync(sandboxJson, "utf8")) as {
  clusters: { name: string; kubeconfig: string }[];
};
for (const c of sandbox.clusters) {
  const kubeconfig = fs.readFileSync(path.resolve(c.kubeconfig), "utf8");
  const existing = await db.cluster.findUnique({
    where: { name: c.name },
    select: { id: true, kubeconfigSecretId: true },
  });
  if (existing?.kubeconfigSecretId) {
    await d.sealed.replace(existing.kubeconfigSecretId, d.kube.extractContext(kubeconfig).kubeconfig);
    const checked = await checkCluster(d, existing.id);
    console.log(`  ${c.name}: already attached, ${checked.state.toLowerCase()}`);
  } else {
    const attached = await attachCluster(
      d,
      await scopedGroup(db, access, group.id, "cluster.attach"),
      { name: c.name, description: "Sandbox cluster", labels: { env: "demo" }, kubeconfig },
      admin.id,
    );
    console.log(`  ${c.name}: attached to group demo (Kubernetes ${attached.kubernetesVersion})`);
  }
}
// A credential for the sandbox's S3 emulator and a target location on it, assigned to the demo group.
const s3 = (
  JSON.parse(fs.readFileSync(sandboxJson, "utf8")) as {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  }
).s3;
let credential = await db.credential.findUnique({ where: { name: "sandbox-s3" }, select: { id: true } });
credential ??= await createCredential(d, admin.id, {
  kind: "AWS_ACCESS_KEY",
  name: "sandbox-s3",
  description: "Keys of the sandbox's S3 emulator",
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
});
let location = await db.location.findUnique({ where: { name: "sandbox-backups" }, select: { id: true } });
if (!location) {
  location = await createLocation(d, admin.id, {
    name: "sandbox-backups",
    provider: "S3_COMPATIBLE",
    bucket: "lifeboat-backups",
    prefix: "demo",
    region: "us-east-1",
    endpoint: s3.endpoint,
    pathStyle: true,
    credentialId: credential.id,
  });
  await assignLocation(
    d,
    access,
    await scopedTarget(db, access, { kind: "clusterGroup", id: group.id }, "location.assign"),
    { locationId: location.id, readOnly: false },
  );
  console.log("  target location sandbox-backups (s3://lifeboat-backups/demo) assigned to group demo");
} else {
  // The S3 emulator of a restarted sandbox may listen elsewhere: point the location's settings at it.
  const { config } = await db.location.findUniqueOrThrow({ where: { id: location.id }, select: { config: true } });
  const settings = { ...(config as Record<string, string | boolean>), endpoint: s3.endpoint };
  await db.location.update({ where: { id: location.id }, data: { config: settings } });
  await reconcileLocation(d, location.id);
}
// A backup to look at: one per demo start, of the payments namespace on the first cluster.
const deployed = await db.locationDeployment.findFirst({
  where: { locationId: location.id, error: null, readOnly: false },
  orderBy: { cluster: { name: "asc" } },
  select: { cluster: { select: { id: true, name: true } } },
});
const first = deployed?.cluster;
if (first) {
  const name = backupName({ cluster: first.name, base: "demo", now: new Date() });
  await createBackup(
    d,
    await scopedCluster(db, access, first.id, "backup.create"),
    {
      name,
      spec: {
        scope: { kind: "namespaces", include: ["payments", "web-cache"] },
        volumes: { fsBackup: "optIn", csiSnapshots: true, dataMovement: false },
        location: "lifeboat-sandbox-backups",
        ttl: { value: 7, unit: "days" },
      },
    },
    admin.email,
  )
    .then(() => console.log(`  backup ${name} of payments and web-cache started on ${first.name}`))
    .catch((e) =>
      console.error(`  the demo backup could not be started: ${e instanceof Error ? e.message : String(e)}`),
    );
  // A schedule to look at: web-cache every night (created once; Velero runs it at once, then at 02:00 UTC).
  const schedule = scheduleName({ cluster: first.name, base: "web-nightly" });
  await createSchedule(
    d,
    await scopedCluster(db, access, first.id, "schedule.create"),
    {
      clusterId: first.id,
      name: schedule,
      cron: "0 2 * * *",
      spec: {
        scope: { kind: "namespaces", include: ["web-cache"] },
        volumes: { fsBackup: "optIn", csiSnapshots: true, dataMovement: false },
        location: "lifeboat-sandbox-backups",
        ttl: { value: 14, unit: "days" },
      },
    },
    admin.email,
  )
    .then((r) => console.log(`  schedule ${schedule} ${r.created ? "created" : "already there"} on ${first.name}`))
    .catch((e) =>
      console.error(`  the demo schedule could not be created: ${e instanceof Error ? e.message : String(e)}`),
    );
}
await db.$disconnect();
