import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aUser, callerFor, signedIn } from "../../testing/builders";
import { testSandbox } from "../../testing/sandbox";
import type { Db } from "../../db/client";

// AWS account credentials (the account Lifeboat provisions in) through the router, against the sandbox's moto with IAM
// enforced: checked with STS before they are saved, the account and principal kept in the clear, a role assumed with its
// source credential's key, and the source kept while a role uses it. Without moto, the suite says why it is skipped.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
const { aws, awsReason } = testSandbox();
const skipped = aws ? "" : ` (skipped: ${awsReason})`;
let db: Db;
let admin: ReturnType<typeof callerFor>;
const run = crypto.randomBytes(3).toString("hex");
const ids = { key: "", source: "", role: "" };
const ACCOUNT = "123456789012";

beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
});

describe.skipIf(!aws)(`an AWS account key${skipped}`, () => {
  const base = () => ({
    kind: "AWS_ACCOUNT_KEY" as const,
    description: "",
    endpoint: aws!.endpoint,
    region: aws!.region,
  });

  it("is refused with a wrong secret, and nothing is kept", async () => {
    const sealedBefore = await db.sealedSecret.count();
    const refused = admin.credential.create({
      ...base(),
      name: `acct-wrong-${run}`,
      accessKeyId: aws!.admin.accessKeyId,
      secretAccessKey: "definitely-not-the-secret",
    });
    await expect(refused).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/^The secret access key is wrong.*Nothing was saved\.$/),
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining("definitely-not-the-secret") });
    expect(await db.credential.count({ where: { name: `acct-wrong-${run}` } })).toBe(0);
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
  });

  it("is saved sealed once STS knows it; the row shows the account and the principal, never the secret", async () => {
    const c = await admin.credential.create({
      ...base(),
      name: `acct-${run}`,
      accessKeyId: aws!.admin.accessKeyId,
      secretAccessKey: aws!.admin.secretAccessKey,
    });
    ids.key = c.id;
    expect(c).toMatchObject({ provider: "AWS", kind: "AWS_ACCOUNT_KEY", keyIdMasked: expect.stringMatching(/…/) });
    expect(c.details).toBe(`Account ${ACCOUNT} · arn:aws:iam::${ACCOUNT}:user/admin · ${aws!.endpoint}`);
    const stored = await db.credential.findUniqueOrThrow({ where: { id: c.id } });
    expect(stored.config).toEqual({
      kind: "AWS_ACCOUNT_KEY",
      endpoint: aws!.endpoint,
      region: aws!.region,
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
    });
    expect(JSON.stringify(await admin.credential.list())).not.toContain(aws!.admin.secretAccessKey);
  });

  it("is no location's credential: a location refuses it", async () => {
    await expect(
      admin.location.create({
        provider: "S3_COMPATIBLE",
        name: `acct-loc-${run}`,
        bucket: "lifeboat-backups",
        endpoint: testSandbox().s3.endpoint,
        pathStyle: true,
        credentialId: ids.key,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("AWS account (access key)") });
  });

  it("takes a new key pair of the same account, and finds its principal again", async () => {
    await expect(
      admin.credential.rotate({
        id: ids.key,
        kind: "AWS_ACCOUNT_KEY",
        accessKeyId: "AKIAUNKNOWNUNKNOWN00",
        secretAccessKey: "whatever-secret",
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("does not know") });
    const c = await admin.credential.rotate({
      id: ids.key,
      kind: "AWS_ACCOUNT_KEY",
      ...aws!.noCloudFormation,
    });
    expect(c.details).toBe(`Account ${ACCOUNT} · arn:aws:iam::${ACCOUNT}:user/lifeboat-no-cfn · ${aws!.endpoint}`);
  });
});

describe.skipIf(!aws)(`an AWS account role${skipped}`, () => {
  const base = () => ({
    kind: "AWS_ACCOUNT_ROLE" as const,
    description: "",
    roleArn: aws!.role.arn,
    sessionName: "lifeboat-it",
    endpoint: aws!.endpoint,
    region: aws!.region,
  });

  beforeAll(async () => {
    const source = await admin.credential.create({
      kind: "AWS_ACCOUNT_KEY",
      name: `acct-source-${run}`,
      description: "may only assume the provisioner role",
      endpoint: aws!.endpoint,
      region: aws!.region,
      ...aws!.source,
    });
    ids.source = source.id;
  });

  it("is refused when the role does not take the external id, or the source is not an AWS account key", async () => {
    const sealedBefore = await db.sealedSecret.count();
    await expect(
      admin.credential.create({
        ...base(),
        name: `role-wrong-${run}`,
        sourceCredentialId: ids.source,
        externalId: "not-the-external-id",
      }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/does not trust this principal, or the external id is wrong.*Nothing was saved/),
    });
    const veleroKey = await admin.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: `velero-key-${run}`,
      description: "",
      accessKeyId: testSandbox().s3.accessKeyId,
      secretAccessKey: testSandbox().s3.secretAccessKey,
    });
    await expect(
      admin.credential.create({
        ...base(),
        name: `role-velero-${run}`,
        sourceCredentialId: veleroKey.id,
        externalId: aws!.role.externalId,
      }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining('The source credential must be an "AWS account (access key)" credential'),
    });
    await expect(
      admin.credential.create({
        ...base(),
        name: `role-nosource-${run}`,
        sourceCredentialId: "no-such-credential",
        externalId: aws!.role.externalId,
      }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("was not found") });
    await admin.credential.delete({ id: veleroKey.id });
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
  });

  it("is saved once the source's key assumes it with the external id; the row shows the role's session", async () => {
    const c = await admin.credential.create({
      ...base(),
      name: `role-${run}`,
      sourceCredentialId: ids.source,
      externalId: aws!.role.externalId,
    });
    ids.role = c.id;
    expect(c).toMatchObject({ provider: "AWS", kind: "AWS_ACCOUNT_ROLE", keyIdMasked: "role/lifeboat-provisioner" });
    expect(c.details).toBe(
      `Account ${ACCOUNT} · arn:aws:sts::${ACCOUNT}:assumed-role/lifeboat-provisioner/lifeboat-it · ${aws!.endpoint}`,
    );
    const stored = await db.credential.findUniqueOrThrow({ where: { id: c.id } });
    expect(stored.config).toMatchObject({ sourceCredentialId: ids.source, accountId: ACCOUNT });
    expect(JSON.stringify(stored.config)).not.toContain(aws!.role.externalId);
  });

  it("takes a new external id only when the role accepts it", async () => {
    await expect(
      admin.credential.rotate({ id: ids.role, kind: "AWS_ACCOUNT_ROLE", externalId: "another-external-id" }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("external id is wrong") });
    const c = await admin.credential.rotate({
      id: ids.role,
      kind: "AWS_ACCOUNT_ROLE",
      externalId: aws!.role.externalId,
    });
    expect(c.keyIdMasked).toBe("role/lifeboat-provisioner");
  });

  it("keeps its source: the source cannot be deleted while the role names it", async () => {
    await expect(admin.credential.delete({ id: ids.source })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(`the source of AWS role credentials: role-${run}`),
    });
    await admin.credential.delete({ id: ids.role });
    await admin.credential.delete({ id: ids.source });
    expect(await db.credential.count({ where: { id: { in: [ids.role, ids.source] } } })).toBe(0);
  });
});
