import { describe, expect, it } from "vitest";
import { credentialConfig, credentialCreateInput, credentialRotateInput, credentialSecret } from "./locations";

// The AWS account credentials: what the operator types is not what the credential keeps. The account id and the
// principal's ARN are found by the check on save, so they are never inputs, and a whole credential always has them.
describe("AWS account credential shapes", () => {
  const key = {
    kind: "AWS_ACCOUNT_KEY",
    name: "prod-account",
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG",
  } as const;
  const role = {
    kind: "AWS_ACCOUNT_ROLE",
    name: "prod-role",
    roleArn: "arn:aws:iam::123456789012:role/lifeboat-provisioner",
    sourceCredentialId: "cred-1",
    externalId: "lifeboat-7f3a",
  } as const;

  it("take no account id or ARN as input, whatever the caller sends, and default to AWS itself in us-east-1", () => {
    const k = credentialCreateInput.parse({ ...key, accountId: "999999999999", arn: "arn:aws:iam::999999999999:root" });
    expect(k).toEqual({ ...key, description: "", endpoint: "", region: "us-east-1" });
    const r = credentialCreateInput.parse({ ...role, accountId: "999999999999" });
    expect(r).toEqual({ ...role, description: "", sessionName: "lifeboat", endpoint: "", region: "us-east-1" });
  });

  it("keep the account id and ARN in a whole credential and in the clear config, and refuse one without them", () => {
    const identity = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin" };
    const { name: _name, ...draft } = key;
    expect(credentialSecret.safeParse(draft).success).toBe(false);
    expect(credentialSecret.parse({ ...draft, ...identity })).toMatchObject(identity);
    expect(credentialConfig.parse({ kind: "AWS_ACCOUNT_KEY", ...identity })).toEqual({
      kind: "AWS_ACCOUNT_KEY",
      endpoint: "",
      region: "us-east-1",
      ...identity,
    });
    expect(credentialConfig.safeParse({ kind: "AWS_ACCOUNT_KEY", ...identity, accountId: "12345" }).success).toBe(
      false,
    );
  });

  it("refuse what AWS would refuse: a role ARN that is not one, an external id or session name with other characters", () => {
    for (const bad of [
      { roleArn: "arn:aws:iam::123456789012:user/admin" },
      { roleArn: "arn:aws:iam::12345:role/x" },
      { externalId: "has space" },
      { externalId: "x" },
      { sessionName: "no spaces please" },
      { endpoint: "ftp://moto.example.com" },
      { region: "Mars" },
    ])
      expect(credentialCreateInput.safeParse({ ...role, ...bad }).success, JSON.stringify(bad)).toBe(false);
    expect(
      credentialCreateInput.parse({
        ...role,
        roleArn: "arn:aws-us-gov:iam::123456789012:role/team/provisioner",
        endpoint: "http://127.0.0.1:4566/",
        region: "us-gov-west-1",
      }),
    ).toMatchObject({ endpoint: "http://127.0.0.1:4566", region: "us-gov-west-1" });
  });

  it("rotate only what is sealed: a key pair, or a role's external id", () => {
    expect(credentialRotateInput.parse({ id: "c1", ...key, region: "eu-west-1" })).toEqual({
      id: "c1",
      kind: "AWS_ACCOUNT_KEY",
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
    });
    expect(credentialRotateInput.parse({ id: "c2", ...role })).toEqual({
      id: "c2",
      kind: "AWS_ACCOUNT_ROLE",
      externalId: role.externalId,
    });
  });
});
