import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { CreateAccessKeyCommand, IAMClient, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { templateJson } from "@/lib/aws/location-template";
import { freshDatabase } from "../../testing/db";
import { until } from "../../testing/wait";
import { aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import { depsFor } from "../../composition";
import { adminClients } from "../../kube/testing-objects";
import type { Db } from "../../db/client";
import { advanceStack, dueStacks } from "./managed-locations";
import { credentialSecret } from "./credentials";

// Managed target locations end to end against the sandbox's moto (CloudFormation, IAM, STS and S3 with IAM enforced)
// and its clusters: provisioning through the router, the managed-stacks reconciler's steps driven here (the test process
// runs no controller manager), and the Velero user's key proven to reach its bucket and nothing else.
const aws = testSandbox().aws;
const skipped = aws ? "" : ` (skipped: ${testSandbox().awsReason})`;
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const ids = { account: "", noCfn: "", group: "" };

/** One pass of the reconciler over every due stack. */
async function reconcile() {
  const d = depsFor(db);
  for (const { id } of await dueStacks(d)) await advanceStack(d, id);
}
const stack = async (name: string) => (await admin.location.stacks()).find((s) => s.name === name);
const s3As = (keys: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({
    region: aws!.region,
    endpoint: aws!.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
  });

beforeAll(async () => {
  if (!aws) return;
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.account = (
    await admin.credential.create({
      kind: "AWS_ACCOUNT_KEY",
      name: `aws-${run}`,
      description: "moto's admin",
      accessKeyId: aws.admin.accessKeyId,
      secretAccessKey: aws.admin.secretAccessKey,
      endpoint: aws.endpoint,
      region: aws.region,
    })
  ).id;
  ids.noCfn = (
    await admin.credential.create({
      kind: "AWS_ACCOUNT_KEY",
      name: `aws-no-cfn-${run}`,
      description: "",
      accessKeyId: aws.noCloudFormation.accessKeyId,
      secretAccessKey: aws.noCloudFormation.secretAccessKey,
      endpoint: aws.endpoint,
      region: aws.region,
    })
  ).id;
  ids.group = (await aGroup(db, `managed-${run}`)).id;
  await admin.cluster.attach({
    kubeconfig: kubeconfigText(0),
    name: "east",
    groupId: ids.group,
    description: "",
    labels: {},
  });
});

describe.skipIf(!aws)(`a managed location${skipped}`, () => {
  it("is refused with the missing permission named when the credential may not use CloudFormation; nothing is left", async () => {
    await expect(
      admin.location.provision({ name: `no-cfn-${run}`, accountCredentialId: ids.noCfn, region: "us-east-1" }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/lacks cloudformation:CreateStack.*Nothing was created/),
    });
    expect(await db.managedStack.count({ where: { name: `no-cfn-${run}` } })).toBe(0);
  });

  it("refuses a region that does not exist before anything is sent", async () => {
    await expect(
      admin.location.provision({ name: `typo-${run}`, accountCredentialId: ids.account, region: "eu-centrall-1" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Not an AWS region") });
  });

  it("is provisioned by CloudFormation, its Velero key made through IAM, and becomes an S3 location", async () => {
    const name = `managed-${run}`;
    await admin.location.provision({
      name,
      accountCredentialId: ids.account,
      region: "us-east-1",
      prefix: "velero",
      encryption: "SSE_KMS",
      versioning: true,
    });
    const ready = await until("the stack READY", async () => {
      await reconcile();
      const s = await stack(name);
      if (s?.phase === "FAILED") throw new Error(`the stack failed: ${JSON.stringify(s.failure)}`);
      return s?.phase === "READY" ? s : null;
    });
    expect(ready).toMatchObject({ stackStatus: "CREATE_COMPLETE", mode: "LIFEBOAT", templateVersion: "1" });
    expect(Object.keys(ready.outputs)).toEqual(
      expect.arrayContaining(["BucketName", "Region", "VeleroUserName", "VeleroUserArn", "KmsKeyArn"]),
    );
    expect(ready.events.length).toBeGreaterThan(0);
    // No secret in what the console shows of it.
    expect(JSON.stringify(ready)).not.toMatch(/SecretAccessKey|secretAccessKey/);

    const location = (await admin.location.list()).find((l) => l.name === name)!;
    expect(location.settings).toMatchObject({ provider: "AWS_S3", bucket: ready.outputs.BucketName, prefix: "velero" });
    expect(location.credential.name).toBe(`${name}-velero`);

    // The Velero user's key, as Velero gets it: its own bucket yes; another bucket and CloudFormation no.
    const row = await db.location.findUniqueOrThrow({ where: { id: location.id } });
    const key = await credentialSecret(depsFor(db), row.credentialId);
    if (key.kind !== "AWS_ACCESS_KEY") throw new Error("the Velero key is an access key pair");
    const s3 = s3As(key);
    await s3.send(new PutObjectCommand({ Bucket: ready.outputs.BucketName, Key: "velero/probe-by-test", Body: "x" }));
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: ready.outputs.BucketName, Prefix: "velero/", Delimiter: "/" }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toContain("velero/probe-by-test");
    await expect(s3.send(new ListObjectsV2Command({ Bucket: aws!.foreignBucket.name }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    const cfn = new CloudFormationClient({
      region: aws!.region,
      endpoint: aws!.endpoint,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    await expect(cfn.send(new ListStacksCommand({}))).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(
      s3As({ accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey}x` }).send(
        new ListObjectsV2Command({ Bucket: ready.outputs.BucketName }),
      ),
    ).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });

    // Shared with a cluster it becomes a BackupStorageLocation Velero validates Available.
    await admin.location.assign({
      locationId: location.id,
      target: { kind: "clusterGroup", id: ids.group },
      readOnly: false,
    });
    await until("the managed location Available", async () => {
      await admin.location.refresh({ id: location.id });
      const l = (await admin.location.list()).find((x) => x.id === location.id)!;
      return l.deployments.length === 1 && l.deployments[0].phase === "Available";
    });
  });

  it("refuses a location name or a stack name that is taken", async () => {
    await expect(
      admin.location.provision({ name: `managed-${run}`, accountCredentialId: ids.account, region: "us-east-1" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      admin.location.provision({
        name: `again-${run}`,
        stackName: `lifeboat-managed-${run}`,
        accountCredentialId: ids.account,
        region: "us-east-1",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already exists") });
    expect(await db.managedStack.count({ where: { name: `again-${run}` } })).toBe(0);
  });

  it("gets a new Velero key through IAM, on the cluster, while the old one stops working", async () => {
    const name = `managed-${run}`;
    const location = (await admin.location.list()).find((l) => l.name === name)!;
    const d = depsFor(db);
    const row = await db.location.findUniqueOrThrow({ where: { id: location.id } });
    const before = await credentialSecret(d, row.credentialId);
    const r = await admin.location.rotateKey({ id: location.id });
    expect(r.note).toContain("the old one was deactivated and deleted");
    const after = await credentialSecret(d, row.credentialId);
    if (before.kind !== "AWS_ACCESS_KEY" || after.kind !== "AWS_ACCESS_KEY") throw new Error("access key pairs");
    expect(after.accessKeyId).not.toBe(before.accessKeyId);
    const bucket = (await stack(name))!.outputs.BucketName;
    await s3As(after).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "velero/" }));
    await expect(s3As(before).send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toMatchObject({
      name: expect.stringMatching(/InvalidAccessKeyId|InvalidClientTokenId|AccessDenied/),
    });
    // The cluster's credentials Secret holds the new key.
    const secret = await adminClients(kubeconfigText(0)).core.readNamespacedSecret({
      name: `lifeboat-${name}-credentials`,
      namespace: "velero",
    });
    expect(Buffer.from(secret.data!.cloud!, "base64").toString()).toContain(after.accessKeyId);
    await until("still Available with the new key", async () => {
      await admin.location.refresh({ id: location.id });
      const l = (await admin.location.list()).find((x) => x.id === location.id)!;
      return l.deployments[0]?.phase === "Available";
    });
  });

  it("retires the old key only once a lagging cluster holds the new one, and refuses another rotation meanwhile", async () => {
    const name = `managed-${run}`;
    const location = (await admin.location.list()).find((l) => l.name === name)!;
    const user = (await stack(name))!.outputs.VeleroUserName;
    const iam = new IAMClient({ region: aws!.region, endpoint: aws!.endpoint, credentials: { ...aws!.admin } });
    const keys = async () =>
      ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map(
        (k) => k.AccessKeyId,
      );
    // A rotation whose old key a cluster still uses: as rotateKey leaves it when a cluster could not take the new key.
    const old = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!.AccessKeyId!;
    const row = await db.managedStack.findFirstOrThrow({ where: { locationId: location.id } });
    await db.managedStack.update({ where: { id: row.id }, data: { retiringKeyId: old, nextPollAt: new Date() } });
    await db.locationDeployment.updateMany({ where: { locationId: location.id }, data: { error: "unreachable" } });
    expect((await stack(name))!.rotationPending).toBe(true);
    await expect(admin.location.rotateKey({ id: location.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("still rolling out"),
    });
    await reconcile();
    expect(await keys()).toContain(old);
    // The cluster caught up (healing applied the new key): the next look retires the old one.
    await db.locationDeployment.updateMany({ where: { locationId: location.id }, data: { error: null } });
    await db.managedStack.update({ where: { id: row.id }, data: { nextPollAt: new Date() } });
    await reconcile();
    expect(await keys()).not.toContain(old);
    expect((await stack(name))!.rotationPending).toBe(false);
  });

  it("changes only its prefix and read-only mode: the bucket, region and key are the stack's", async () => {
    const name = `managed-${run}`;
    const location = (await admin.location.list()).find((l) => l.name === name)!;
    const s = location.settings!;
    if (s.provider !== "AWS_S3") throw new Error("a managed location is an S3 location");
    const edit = { id: location.id, credentialId: location.credential.id, ...s };
    await expect(admin.location.update({ ...edit, region: "us-west-2" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining(`come from the stack lifeboat-${name}`),
    });
    await expect(admin.location.update({ ...edit, credentialId: ids.account })).rejects.toMatchObject({
      code: expect.stringMatching(/BAD_REQUEST|PRECONDITION_FAILED/),
    });
    await admin.location.update({ ...edit, prefix: "velero-2" });
    expect((await admin.location.list()).find((l) => l.id === location.id)!.settings).toMatchObject({
      prefix: "velero-2",
    });
    expect((await db.managedStack.findFirstOrThrow({ where: { locationId: location.id } })).options).toMatchObject({
      prefix: "velero-2",
    });
    await admin.location.update({ ...edit, prefix: "velero" });
  });

  it("keeps its Velero key out of generic rotation, and is deleted with its stack while its bucket is kept", async () => {
    const name = `managed-${run}`;
    const location = (await admin.location.list()).find((l) => l.name === name)!;
    await expect(
      admin.credential.rotate({
        id: location.credential.id,
        kind: "AWS_ACCESS_KEY",
        accessKeyId: "AKIAOTHER",
        secretAccessKey: "x",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("managed location") });
    await expect(admin.location.delete({ id: location.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await admin.location.unassign({ id: location.assignments[0].id });
    const bucket = (await stack(name))!.outputs.BucketName;
    const deleted = await admin.location.delete({ id: location.id });
    expect(deleted.note).toContain(`the bucket ${bucket}`);
    expect(deleted.note).toContain("KMS key");
    expect(await db.credential.count({ where: { id: location.credential.id } })).toBe(0);
    await until("the stack deleted", async () => {
      await reconcile();
      const row = await db.managedStack.findFirstOrThrow({ where: { name } });
      return row.phase === "DELETED";
    });
    // The bucket and the object written above are still there, for the account.
    const kept = await s3As(aws!.admin).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "velero/" }));
    expect(kept.Contents?.map((o) => o.Key)).toContain("velero/probe-by-test");
    // Managed stacks lists the kept bucket, to empty and delete later.
    expect((await stack(name))?.bucket).toEqual({ phase: "RETAINED", backups: null, objectsDeleted: 0 });
  });

  it("empties and deletes a deleted location's kept bucket once its name is typed and its backups confirmed", async () => {
    const name = `managed-${run}`;
    const kept = (await stack(name))!;
    const bucket = kept.outputs.BucketName;
    const admin3 = s3As(aws!.admin);
    // Two Velero backups (and a second version of one file: the bucket is versioned; moto's CloudFormation does not
    // apply the template's VersioningConfiguration, so it is enabled here), and a file that is no backup.
    await admin3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    for (const key of ["velero/backups/b1/velero-backup.json", "velero/backups/b2/velero-backup.json"])
      await admin3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{}" }));
    await admin3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "velero/backups/b1/velero-backup.json", Body: "{ }" }),
    );
    const contents = await admin.location.keptBucket({ id: kept.id });
    expect(contents).toMatchObject({ bucket, backups: 2, lock: null, refusal: null });

    await expect(
      admin.location.emptyKeptBucket({ id: kept.id, confirmBucket: "other", backups: 2 }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining(`Type the bucket's name, ${bucket}`),
    });
    await expect(
      admin.location.emptyKeptBucket({ id: kept.id, confirmBucket: bucket, backups: 1 }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("holds 2 backups now, not 1"),
    });
    expect((await stack(name))?.bucket?.phase).toBe("RETAINED");

    await admin.location.emptyKeptBucket({ id: kept.id, confirmBucket: bucket, backups: 2 });
    const done = await until("the bucket emptied and deleted", async () => {
      await reconcile();
      const row = await db.managedStack.findUniqueOrThrow({ where: { id: kept.id } });
      return row.bucketPhase === "DELETED" ? row : null;
    });
    // Every version: the probe's object, two backups, the second version of one of them.
    expect(done.bucketObjectsDeleted).toBe(4);
    expect(done.bucketBackups).toBe(2);
    await expect(admin3.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toMatchObject({
      name: "NoSuchBucket",
    });
    expect((await admin.location.stacks()).map((x) => x.name)).not.toContain(name);
    await expect(admin.location.keptBucket({ id: kept.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    // A deleted stack's row holds neither the location's name nor the stack's name any more.
    const again = await admin.location.provision({ name, accountCredentialId: ids.account, region: "us-east-1" });
    expect(again.name).toBe(name);
  });

  it("refuses to empty a bucket under COMPLIANCE retention, and bypasses GOVERNANCE retention", async () => {
    const admin3 = s3As(aws!.admin);
    const rows: Record<string, string> = {};
    for (const mode of ["COMPLIANCE", "GOVERNANCE"] as const) {
      const bucket = `locked-${mode.toLowerCase()}-${run}`;
      await admin3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
      await admin3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: "Enabled",
            Rule: { DefaultRetention: { Mode: mode, Days: 1 } },
          },
        }),
      );
      await admin3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "backups/b1/velero-backup.json",
          Body: "{}",
          ChecksumAlgorithm: "CRC32",
        }),
      );
      // A deleted location's kept bucket, as deleting a managed location leaves it.
      rows[mode] = (
        await db.managedStack.create({
          data: {
            name: `locked-${mode.toLowerCase()}-${run}`,
            mode: "LIFEBOAT",
            accountCredentialId: ids.account,
            region: "us-east-1",
            stackName: `gone-${mode.toLowerCase()}-${run}`,
            clientRequestToken: `lifeboat-test-${mode}-${run}`,
            templateVersion: "1",
            options: { prefix: "" },
            phase: "DELETED",
            bucketPhase: "RETAINED",
            outputs: { BucketName: bucket },
          },
        })
      ).id;
    }
    const compliance = await admin.location.keptBucket({ id: rows.COMPLIANCE });
    expect(compliance).toMatchObject({ backups: 1, lock: { mode: "COMPLIANCE", days: 1 } });
    expect(compliance.refusal).toContain("COMPLIANCE");
    await expect(
      admin.location.emptyKeptBucket({ id: rows.COMPLIANCE, confirmBucket: compliance.bucket, backups: 1 }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("COMPLIANCE") });

    const governance = await admin.location.keptBucket({ id: rows.GOVERNANCE });
    expect(governance).toMatchObject({ backups: 1, lock: { mode: "GOVERNANCE", days: 1 }, refusal: null });
    await admin.location.emptyKeptBucket({ id: rows.GOVERNANCE, confirmBucket: governance.bucket, backups: 1 });
    await until("the GOVERNANCE bucket emptied and deleted", async () => {
      await reconcile();
      const row = await db.managedStack.findUniqueOrThrow({ where: { id: rows.GOVERNANCE } });
      if (row.bucketPhase === "RETAINED") throw new Error(`emptying stopped: ${row.statusReason}`);
      return row.bucketPhase === "DELETED";
    });
    await expect(admin3.send(new ListObjectsV2Command({ Bucket: governance.bucket }))).rejects.toMatchObject({
      name: "NoSuchBucket",
    });
    // Forgetting a kept bucket leaves it in the account.
    await admin.location.dismissStack({ id: rows.COMPLIANCE });
    expect(await db.managedStack.count({ where: { id: rows.COMPLIANCE } })).toBe(0);
    await admin3.send(new ListObjectsV2Command({ Bucket: compliance.bucket }));
  });

  it("forgets a failed stack with the Velero key Lifeboat had made for it", async () => {
    const key = await admin.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `failed-${run}-velero`,
      description: "",
      accessKeyId: "AKIAFAILEDSTACK0001",
      secretAccessKey: "failed-stack-secret",
    });
    const row = await db.managedStack.create({
      data: {
        name: `failed-${run}`,
        mode: "LIFEBOAT",
        accountCredentialId: ids.account,
        region: "us-east-1",
        stackName: `lifeboat-failed-${run}`,
        clientRequestToken: `lifeboat-test-failed-${run}`,
        templateVersion: "1",
        options: { prefix: "" },
        phase: "FAILED",
        failure: { reason: "The bucket refused the new key" },
        outputs: { BucketName: `failed-${run}`, VeleroUserName: `no-such-user-${run}` },
        veleroCredentialId: key.id,
      },
    });
    await admin.location.dismissStack({ id: row.id });
    expect(await db.managedStack.count({ where: { id: row.id } })).toBe(0);
    expect(await db.credential.count({ where: { id: key.id } })).toBe(0);
  });

  it("connects a stack the operator deployed from the template, and leaves it to them when deleted", async () => {
    const cfn = new CloudFormationClient({
      region: aws!.region,
      endpoint: aws!.endpoint,
      credentials: { ...aws!.admin },
    });
    const own = `operator-${run}`;
    await cfn.send(
      new CreateStackCommand({
        StackName: own,
        TemplateBody: templateJson({ encryption: "SSE_S3", versioning: false, objectLock: null }),
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await cfn.send(
      new CreateStackCommand({
        StackName: `not-ours-${run}`,
        TemplateBody: JSON.stringify({ Resources: { B: { Type: "AWS::S3::Bucket" } } }),
      }),
    );
    const base = { accountCredentialId: ids.account, region: "us-east-1" };
    await expect(
      admin.location.connectStack({ ...base, name: `nope-${run}`, stackName: `missing-${run}` }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("No stack named") });
    await expect(
      admin.location.connectStack({ ...base, name: `nope-${run}`, stackName: `not-ours-${run}` }),
    ).rejects.toMatchObject({ message: expect.stringContaining("was not made from Lifeboat's template") });

    const name = `connected-${run}`;
    await admin.location.connectStack({ ...base, name, stackName: own, prefix: "mine" });
    const ready = await until("the connected stack READY", async () => {
      await reconcile();
      const s = await stack(name);
      if (s?.phase === "FAILED") throw new Error(`the stack failed: ${JSON.stringify(s.failure)}`);
      return s?.phase === "READY" ? s : null;
    });
    expect(ready.mode).toBe("OPERATOR");
    const location = (await admin.location.list()).find((l) => l.name === name)!;
    expect(location.settings).toMatchObject({ provider: "AWS_S3", bucket: ready.outputs.BucketName, prefix: "mine" });

    const deleted = await admin.location.delete({ id: location.id });
    expect(deleted.note).toContain(`the stack ${own} is yours and stays`);
    const still = await cfn.send(new DescribeStacksCommand({ StackName: own }));
    expect(still.Stacks?.[0]?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("hands out its template and the command that deploys it, with no secret in it", async () => {
    const t = await admin.location.template({ encryption: "SSE_S3", versioning: false, objectLock: null });
    expect(t.yaml).toContain("LifeboatTemplateVersion");
    expect(t.yaml).not.toMatch(/AWS::IAM::AccessKey|SecretAccessKey/);
    expect(t.deployCommand).toContain("--capabilities CAPABILITY_IAM");
  });
});
