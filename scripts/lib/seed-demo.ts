// The demo's console content (npm run demo): the sandbox clusters attached to a "demo" cluster group, a credential and
// a target location on the sandbox's S3 emulator and another pair on its Azure emulator, a backup and a nightly
// schedule. Everything goes through the console's own procedures (permission checks, audit rows) as the demo's admin, in a session of its own ("npm run demo"), so the
// audit log shows who set the demo up. Idempotent: a restarted demo finds what exists and creates only what is missing.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../../server/db/client";
import type { SandboxServicePrincipal } from "../../sandbox/storage/emulators";
import { appRouter } from "../../server/routers/_app";
import { makeContext } from "../../server/trpc/init";
import { createSession, revokeSession } from "../../server/auth/principal";
import { sessionLimits } from "../../server/auth/options";
import { depsFor } from "../../server/composition";
import { recordAudit } from "../../server/services/audit/audit";
import { backupName, scheduleName } from "../../lib/velero/names";

export interface DemoSandbox {
  clusters: { name: string; kubeconfig: string }[];
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  /** azurite, when the sandbox runs it (its container "velero" exists). */
  azure?: {
    blobEndpoint: string;
    accountName: string;
    accountKey: string;
    /** The sandbox's Entra ID / ARM stand-in and the one service principal it knows (sandbox/storage/entra.ts). */
    servicePrincipal?: SandboxServicePrincipal | null;
  } | null;
  /** moto, when the sandbox runs it: its admin is offered as an AWS account to provision managed locations in. */
  aws?: { endpoint: string; region: string; admin: { accessKeyId: string; secretAccessKey: string } } | null;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function seedDemo(
  db: Db,
  o: { sandbox: DemoSandbox; adminEmail: string; log?: (line: string) => void; now?: Date },
): Promise<void> {
  const log = o.log ?? ((l: string) => console.log(l));
  const admin = await db.user.findUnique({ where: { email: o.adminEmail.toLowerCase() } });
  if (!admin) throw new Error(`the admin ${o.adminEmail} was not bootstrapped`);
  const sessionId = await createSession(db, admin.id, sessionLimits(), {
    clientIp: "127.0.0.1",
    userAgent: "npm run demo",
  });
  const req = () => ({ requestId: crypto.randomUUID(), clientIp: "127.0.0.1", userAgent: "npm run demo" });
  const principal = { userId: admin.id, email: admin.email, name: admin.name, orgRole: admin.role, sessionId };
  const caller = () => appRouter.createCaller(makeContext(db, req(), principal));
  const d = depsFor(db);
  try {
    const group =
      (await db.clusterGroup.findUnique({ where: { name: "demo" }, select: { id: true } })) ??
      (await caller().clusterGroup.create({ name: "demo", description: "Sandbox clusters started by npm run demo" }));

    for (const c of o.sandbox.clusters) {
      const kubeconfig = fs.readFileSync(path.resolve(c.kubeconfig), "utf8");
      const existing = await db.cluster.findUnique({
        where: { name: c.name },
        select: { id: true, kubeconfigSecretId: true },
      });
      if (existing?.kubeconfigSecretId) {
        // A restarted sandbox keeps its PKI and tokens; should its kubeconfig have changed, the stored one follows.
        const stored = (await d.sealed.read(existing.kubeconfigSecretId, "kubeconfig")).toString();
        const fresh = d.kube.extractContext(kubeconfig).kubeconfig;
        if (stored !== fresh) {
          await d.sealed.replace(existing.kubeconfigSecretId, fresh);
          await recordAudit(db, {
            actorId: admin.id,
            actorEmail: admin.email,
            action: "cluster.kubeconfig.replace",
            outcome: "SUCCESS",
            reason: "npm run demo: the sandbox cluster's kubeconfig changed",
            targetType: "cluster",
            targetId: existing.id,
            ...req(),
          });
        }
        const checked = await caller().cluster.refresh({ id: existing.id });
        log(`  ${c.name}: already attached, ${checked.state.toLowerCase()}`);
      } else {
        const attached = await caller().cluster.attach({
          groupId: group.id,
          name: c.name,
          description: "Sandbox cluster",
          labels: { env: "demo" },
          kubeconfig,
        });
        log(`  ${c.name}: attached to group demo`);
        void attached;
      }
    }

    /** The group's first cluster by name, the demo locations' writer. */
    const firstCluster = async () =>
      (
        await db.cluster.findMany({
          where: { groupId: group.id },
          orderBy: { name: "asc" },
          take: 1,
          select: { id: true },
        })
      ).map((c) => c.id);

    // A credential for the sandbox's S3 emulator and a target location on it, shared with the demo group.
    const s3 = o.sandbox.s3;
    const credential =
      (await db.credential.findUnique({ where: { name: "sandbox-s3" }, select: { id: true } })) ??
      (await caller().credential.create({
        kind: "AWS_ACCESS_KEY",
        name: "sandbox-s3",
        description: "Keys of the sandbox's S3 emulator",
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      }));
    let location = await db.location.findUnique({ where: { name: "sandbox-backups" }, select: { id: true } });
    if (!location) {
      location = await caller().location.create({
        name: "sandbox-backups",
        provider: "S3_COMPATIBLE",
        bucket: "lifeboat-backups",
        prefix: "demo",
        region: "us-east-1",
        endpoint: s3.endpoint,
        pathStyle: true,
        credentialId: credential.id,
      });
      // One writer per bucket and prefix: the first cluster writes, the others restore from it (ReadOnly).
      await caller().location.assign({
        locationId: location.id,
        target: { kind: "clusterGroup", id: group.id },
        readOnly: true,
        writers: await firstCluster(),
      });
      log("  target location sandbox-backups (s3://lifeboat-backups/demo) assigned to group demo");
    } else {
      await caller().location.refresh({ id: location.id });
    }

    // An Azure storage account key and an Azure Blob location on the sandbox's azurite, shared with the demo group too.
    const azure = o.sandbox.azure;
    if (azure && !(await db.location.findUnique({ where: { name: "sandbox-azure" }, select: { id: true } }))) {
      const key =
        (await db.credential.findUnique({ where: { name: "sandbox-azure" }, select: { id: true } })) ??
        (await caller().credential.create({
          kind: "AZURE_STORAGE_KEY",
          name: "sandbox-azure",
          description: "The account key of the sandbox's Azure emulator (azurite)",
          accountName: azure.accountName,
          accountKey: azure.accountKey,
          cloud: "AzurePublicCloud",
          blobEndpoint: azure.blobEndpoint,
        }));
      const az = await caller().location.create({
        name: "sandbox-azure",
        provider: "AZURE_BLOB",
        storageAccount: azure.accountName,
        container: "velero",
        prefix: "demo",
        credentialId: key.id,
      });
      await caller().location.assign({
        locationId: az.id,
        target: { kind: "clusterGroup", id: group.id },
        readOnly: true,
        writers: await firstCluster(),
      });
      log(`  target location sandbox-azure (azure://${azure.accountName}/velero/demo) assigned to group demo`);
    }

    // The sandbox's service principal, when the console signs in at the sandbox's Entra ID stand-in (npm run demo sets
    // LIFEBOAT_AZURE_AUTHORITY_HOST to it): checked on save like any principal; a location made with it in the console
    // can read the keys through ARM ("Account keys through Azure Resource Manager"); an Entra ID token needs https.
    const sp = azure?.servicePrincipal;
    if (
      sp &&
      process.env.LIFEBOAT_AZURE_AUTHORITY_HOST === sp.url &&
      !(await db.credential.findUnique({ where: { name: "sandbox-azure-sp" }, select: { id: true } }))
    ) {
      await caller().credential.create({
        kind: "AZURE_SERVICE_PRINCIPAL",
        name: "sandbox-azure-sp",
        description: "The service principal of the sandbox's Entra ID stand-in: it may list azurite's keys",
        tenantId: sp.tenantId,
        clientId: sp.clientId,
        clientSecret: sp.clientSecret,
        subscriptionId: sp.subscriptionId,
        resourceGroup: sp.resourceGroup,
        cloud: "AzurePublicCloud",
      });
      log(`  Azure service principal credential sandbox-azure-sp (resource group ${sp.resourceGroup})`);
    }

    // moto's admin as an AWS account credential, to provision managed locations with (Target locations → Provision on
    // AWS); checked with STS like any account.
    const aws = o.sandbox.aws;
    if (aws && !(await db.credential.findUnique({ where: { name: "sandbox-aws" }, select: { id: true } }))) {
      await caller().credential.create({
        kind: "AWS_ACCOUNT_KEY",
        name: "sandbox-aws",
        description: "The sandbox's AWS emulator (moto) admin: provision managed locations with it",
        accessKeyId: aws.admin.accessKeyId,
        secretAccessKey: aws.admin.secretAccessKey,
        endpoint: aws.endpoint,
        region: aws.region,
      });
      log("  AWS account credential sandbox-aws (moto) for managed locations");
    }

    // A backup to look at (one per demo start) and a nightly schedule (once), on the first cluster with the location.
    const deployed = await db.locationDeployment.findFirst({
      where: { locationId: location.id, error: null, readOnly: false },
      orderBy: { cluster: { name: "asc" } },
      select: { cluster: { select: { id: true, name: true } } },
    });
    const first = deployed?.cluster;
    if (!first) return log("  the location is not deployed on a sandbox cluster yet: no demo backup");
    const volumes = { fsBackup: "optIn", csiSnapshots: true, dataMovement: false } as const;
    const name = backupName({ cluster: first.name, base: "demo", now: o.now ?? new Date() });
    await caller()
      .backup.create({
        clusterId: first.id,
        name,
        spec: {
          scope: { kind: "namespaces", include: ["payments", "web-cache"] },
          volumes,
          location: "lifeboat-sandbox-backups",
          ttl: { value: 7, unit: "days" },
        },
      })
      .then(() => log(`  backup ${name} of payments and web-cache started on ${first.name}`))
      .catch((e) => log(`  the demo backup could not be started: ${errText(e)}`));
    const schedule = scheduleName({ cluster: first.name, base: "web-nightly" });
    await caller()
      .schedule.create({
        clusterId: first.id,
        name: schedule,
        cron: "0 2 * * *",
        spec: {
          scope: { kind: "namespaces", include: ["web-cache"] },
          volumes,
          location: "lifeboat-sandbox-backups",
          ttl: { value: 14, unit: "days" },
        },
      })
      .then((r) => log(`  schedule ${schedule} ${r.created ? "created" : "already there"} on ${first.name}`))
      .catch((e) => log(`  the demo schedule could not be created: ${errText(e)}`));
  } finally {
    await revokeSession(db, sessionId);
  }
}
