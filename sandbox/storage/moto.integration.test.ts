import { randomUUID } from "node:crypto";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, describe, expect, it } from "vitest";
import { testSandbox, type TestAwsKey } from "../../server/testing/sandbox";
import { startMoto } from "./moto";

// moto as the integration tests meet it: started by the global setup (sandbox/cli.ts --aws-port 0) and read from
// sandbox.json, with IAM enforced. These are the facts later tests build on: keys and signatures are checked, a
// Velero-style delimiter listing passes (moto-server.py's fix for getmoto/moto#5948), permissions are enforced, and
// the role answers only to its external id. Without moto for python3, each suite says why it is skipped.
const { aws, awsReason } = testSandbox();
const skipped = aws ? "" : ` (skipped: ${awsReason})`;

type Key = TestAwsKey & { sessionToken?: string };
const clients: { destroy(): void }[] = [];
const track = <C extends { destroy(): void }>(c: C) => (clients.push(c), c);
// One attempt each, and a copy of the key: the SDK tags the credentials object it is given.
const config = (key: Key) => ({
  endpoint: aws!.endpoint,
  region: aws!.region,
  credentials: { ...key },
  maxAttempts: 1,
});
const s3 = (key: Key) => track(new S3Client({ ...config(key), forcePathStyle: true }));
const sts = (key: Key) => track(new STSClient(config(key)));
const cloudFormation = (key: Key) => track(new CloudFormationClient(config(key)));

/** The error a call was refused with: its code and message. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  const err = await call.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the call was refused").not.toBeNull();
  return { name: err!.name, message: err!.message };
}

afterAll(() => {
  for (const c of clients) c.destroy();
});

describe.skipIf(!aws)(`moto in the test sandbox, with IAM enforced${skipped}`, () => {
  it("knows the admin, and refuses an unknown access key and a wrong secret", async () => {
    const me = await sts(aws!.admin).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: aws!.accountId, Arn: `arn:aws:iam::${aws!.accountId}:user/admin` });

    const unknown = { accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: aws!.admin.secretAccessKey };
    expect(await refusal(sts(unknown).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
    });
    const wrongSecret = { accessKeyId: aws!.admin.accessKeyId, secretAccessKey: "not-the-secret" };
    expect(await refusal(sts(wrongSecret).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "SignatureDoesNotMatch",
    });
  });

  it("lists with Delimiter '/' and Prefix 'backups/' as Velero does, and still checks the signature there", async () => {
    const Bucket = `moto-list-${randomUUID()}`;
    const admin = s3(aws!.admin);
    await admin.send(new CreateBucketCommand({ Bucket }));
    for (const Key of ["backups/b1/velero-backup.json", "backups/b2/velero-backup.json", "backups/top.json", "x.txt"])
      await admin.send(new PutObjectCommand({ Bucket, Key, Body: "{}" }));

    const listing = await admin.send(new ListObjectsV2Command({ Bucket, Prefix: "backups/", Delimiter: "/" }));
    expect(listing.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["backups/b1/", "backups/b2/"]);
    expect(listing.Contents?.map((o) => o.Key)).toEqual(["backups/top.json"]);

    const wrongSecret = s3({ accessKeyId: aws!.admin.accessKeyId, secretAccessKey: "not-the-secret" });
    expect(
      await refusal(wrongSecret.send(new ListObjectsV2Command({ Bucket, Prefix: "backups/", Delimiter: "/" }))),
    ).toMatchObject({ name: "SignatureDoesNotMatch" });
  });

  it("denies CloudFormation to lifeboat-no-cfn, whose key is valid", async () => {
    await s3(aws!.noCloudFormation).send(new ListBucketsCommand({})); // the one thing it may do
    const cfn = cloudFormation(aws!.noCloudFormation);
    const denied = await refusal(
      cfn.send(
        new CreateStackCommand({
          StackName: `no-cfn-${randomUUID()}`,
          TemplateBody: JSON.stringify({
            Resources: { Nothing: { Type: "AWS::CloudFormation::WaitConditionHandle" } },
          }),
        }),
      ),
    );
    expect(denied.name).toBe("AccessDenied");
    expect(denied.message).toContain("cloudformation:CreateStack");
  });

  it("lets lifeboat-source assume the provisioner role with external id lifeboat-sandbox, and not with another", async () => {
    const source = sts(aws!.source);
    const assume = (ExternalId: string) =>
      source.send(new AssumeRoleCommand({ RoleArn: aws!.role.arn, RoleSessionName: "lifeboat-test", ExternalId }));

    expect(aws!.role.externalId).toBe("lifeboat-sandbox");
    const { Credentials } = await assume(aws!.role.externalId);
    const assumed = {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
    const me = await sts(assumed).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${aws!.accountId}:assumed-role/lifeboat-provisioner/lifeboat-test`);

    expect(await refusal(assume("someone-else"))).toMatchObject({ name: "AccessDenied" });
  });

  it("keeps a foreign bucket with one object that only the admin reaches", async () => {
    const { name: Bucket, key: Key } = aws!.foreignBucket;
    const body = await (await s3(aws!.admin).send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
    expect(body.length).toBeGreaterThan(0);
    expect(await refusal(s3(aws!.noCloudFormation).send(new GetObjectCommand({ Bucket, Key })))).toMatchObject({
      name: "AccessDenied",
    });
  });
});

describe.skipIf(!aws)(`startMoto${skipped}`, () => {
  it("uses up the free actions on its bootstrap, and stop() leaves no moto process behind", async () => {
    const moto = await startMoto();
    expect(moto.aws).not.toBeNull();
    if (!("stop" in moto)) return;
    try {
      expect(() => process.kill(moto.pid, 0)).not.toThrow();
      const stranger = { accessKeyId: "AKIASTRANGERSTRANGER", secretAccessKey: "x" };
      const c = track(new STSClient({ endpoint: moto.aws.endpoint, region: moto.aws.region, credentials: stranger }));
      expect(await refusal(c.send(new GetCallerIdentityCommand({})))).toMatchObject({ name: "InvalidClientTokenId" });
    } finally {
      await moto.stop();
    }
    expect(() => process.kill(moto.pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    await moto.stop(); // idempotent
  });
});
