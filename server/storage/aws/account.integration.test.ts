import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { testSandbox } from "../../testing/sandbox";
import { checkAwsAccount } from "./account";
import { awsClientConfig, roleCredentials } from "./clients";

// The AWS account check against the sandbox's moto, which checks keys, signatures and the role's trust policy (with its
// external id) as AWS does. Without moto for python3, the suite says why it is skipped.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
const { aws, awsReason } = testSandbox();
const skipped = aws ? "" : ` (skipped: ${awsReason})`;
const target = () => ({ endpoint: aws!.endpoint, region: aws!.region });
const role = (externalId: string) => ({ roleArn: aws!.role.arn, externalId, sessionName: "lifeboat-it" });

describe.skipIf(!aws)(`checkAwsAccount against moto${skipped}`, () => {
  it("finds the account and the principal of a key", async () => {
    const r = await checkAwsAccount(target(), aws!.admin);
    expect(r).toEqual({
      ok: true,
      accountId: "123456789012",
      arn: "arn:aws:iam::123456789012:user/admin",
      message: `The key signs in to AWS account 123456789012 at ${aws!.endpoint} as arn:aws:iam::123456789012:user/admin`,
    });
  });

  it("refuses a wrong secret and an unknown key, without quoting the secret", async () => {
    const wrong = await checkAwsAccount(target(), { ...aws!.admin, secretAccessKey: "not-the-secret-at-all" });
    expect(wrong).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(!wrong.ok && wrong.message).toMatch(/^The secret access key is wrong/);
    expect(JSON.stringify(wrong)).not.toContain("not-the-secret-at-all");

    const unknown = await checkAwsAccount(target(), {
      accessKeyId: "AKIAUNKNOWNUNKNOWN00",
      secretAccessKey: aws!.admin.secretAccessKey,
    });
    expect(unknown).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(!unknown.ok && unknown.message).toMatch(
      /does not know this access key id \(AKIA…WN00; InvalidClientTokenId\)/,
    );
    expect(JSON.stringify(unknown)).not.toContain(aws!.admin.secretAccessKey);
  });

  it("assumes the role with the source key and the right external id, and is refused with another", async () => {
    const r = await checkAwsAccount(target(), aws!.source, role(aws!.role.externalId));
    expect(r).toMatchObject({
      ok: true,
      accountId: "123456789012",
      arn: "arn:aws:sts::123456789012:assumed-role/lifeboat-provisioner/lifeboat-it",
    });

    const denied = await checkAwsAccount(target(), aws!.source, role("someone-elses-id"));
    expect(denied).toMatchObject({ ok: false, failure: "AccessDenied" });
    expect(!denied.ok && denied.message).toMatch(
      /^The role arn:aws:iam::123456789012:role\/lifeboat-provisioner does not trust this principal, or the external id is wrong/,
    );
    expect(JSON.stringify(denied)).not.toContain("someone-elses-id");
  });

  it("refuses a role assumed with a wrong source secret as the source's fault", async () => {
    const r = await checkAwsAccount(
      target(),
      { ...aws!.source, secretAccessKey: "wrong-source-secret" },
      role(aws!.role.externalId),
    );
    expect(r).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(!r.ok && r.message).toMatch(/secret access key is wrong.*the source credential's/);
  });
});

describe.skipIf(!aws)(`roleCredentials against moto${skipped}`, () => {
  it("assumes once, keeps the keys until 2 minutes before they expire, then assumes again", async () => {
    let skew = 0;
    const provider = roleCredentials(aws!.source, aws!.role.arn, aws!.role.externalId, {
      ...target(),
      sessionName: "lifeboat-cache",
      now: () => Date.now() + skew,
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(b).toBe(a); // one AssumeRole for both
    expect(a.sessionToken).toBeTruthy();
    // Asked for 900 s (moto grants what is asked).
    expect(a.expiration!.getTime() - Date.now()).toBeGreaterThan(800_000);
    expect(a.expiration!.getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    expect(await provider()).toBe(a);

    skew = a.expiration!.getTime() - Date.now() - 60_000; // a minute before expiry: inside the 2-minute margin
    const c = await provider();
    expect(c.accessKeyId).not.toBe(a.accessKeyId);
  });

  it("serves an SDK client as its credential provider", async () => {
    const provider = roleCredentials(aws!.source, aws!.role.arn, aws!.role.externalId, {
      ...target(),
      sessionName: "lifeboat-sdk",
    });
    const sts = new STSClient(awsClientConfig({ ...target(), credentials: provider }));
    try {
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me.Arn).toBe("arn:aws:sts::123456789012:assumed-role/lifeboat-provisioner/lifeboat-sdk");
    } finally {
      sts.destroy();
    }
  });
});
