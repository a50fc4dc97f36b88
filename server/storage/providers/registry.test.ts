import { describe, expect, it } from "vitest";
import { CREDENTIAL_KINDS, LOCATION_CREDENTIAL_KINDS, LOCATION_KINDS } from "@/lib/schemas/locations";
import { credentialConfigOf, credentialTypeFor, providerFor, splitCredential } from "./registry";

// What every driver and credential kind must hold, whichever is added next.
describe("the provider registry", () => {
  it("has a driver for every location kind, using the credential kinds the forms offer", () => {
    for (const kind of LOCATION_KINDS) {
      const p = providerFor(kind);
      expect(p.kind).toBe(kind);
      expect(p.credentialKinds).toEqual(LOCATION_CREDENTIAL_KINDS[kind]);
      for (const c of p.credentialKinds) expect(CREDENTIAL_KINDS).toContain(c);
    }
  });

  it("seals every secret field of every credential kind, and keeps none of them in the clear", () => {
    const samples = {
      AWS_ACCESS_KEY: { kind: "AWS_ACCESS_KEY", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalr/secret" },
      AZURE_STORAGE_KEY: {
        kind: "AZURE_STORAGE_KEY",
        accountName: "acme",
        cloud: "AzurePublicCloud",
        blobEndpoint: "",
        accountKey: "c2VjcmV0",
      },
      AWS_ACCOUNT_KEY: {
        kind: "AWS_ACCOUNT_KEY",
        accessKeyId: "AKIAACCOUNTEXAMPLE",
        secretAccessKey: "account/secret",
        endpoint: "",
        region: "us-east-1",
        accountId: "123456789012",
        arn: "arn:aws:iam::123456789012:user/admin",
      },
      AZURE_SERVICE_PRINCIPAL: {
        kind: "AZURE_SERVICE_PRINCIPAL",
        tenantId: "11111111-2222-3333-4444-555555555555",
        clientId: "66666666-7777-8888-9999-000000000000",
        subscriptionId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        resourceGroup: "backups",
        cloud: "AzurePublicCloud",
        clientSecret: "client-secret-sealed~.x",
      },
      AWS_ACCOUNT_ROLE: {
        kind: "AWS_ACCOUNT_ROLE",
        roleArn: "arn:aws:iam::123456789012:role/lifeboat-provisioner",
        sourceCredentialId: "cred-source",
        sessionName: "lifeboat",
        externalId: "external-id-sealed",
        endpoint: "",
        region: "us-east-1",
        accountId: "123456789012",
        arn: "arn:aws:sts::123456789012:assumed-role/lifeboat-provisioner/lifeboat",
      },
    } as const;
    for (const kind of CREDENTIAL_KINDS) {
      const type = credentialTypeFor(kind);
      const sample = samples[kind];
      const { sealed, config } = splitCredential(sample);
      expect(Object.keys(JSON.parse(sealed)).sort()).toEqual([...type.sealedFields].sort());
      for (const f of type.sealedFields) expect(JSON.stringify(config)).not.toContain(String(sample[f as never]));
      expect(credentialConfigOf(config).kind).toBe(kind);
    }
  });

  it("lets no location kind use an AWS account credential, so none is ever written to a cluster", () => {
    const accountKinds = ["AWS_ACCOUNT_KEY", "AWS_ACCOUNT_ROLE"] as const;
    for (const k of accountKinds) expect(CREDENTIAL_KINDS).toContain(k);
    for (const kind of LOCATION_KINDS)
      for (const k of accountKinds) {
        expect(LOCATION_CREDENTIAL_KINDS[kind]).not.toContain(k);
        expect(providerFor(kind).credentialKinds).not.toContain(k);
      }
  });

  it("keeps what an AWS account check found in the clear, and shows the account", () => {
    const key = splitCredential({
      kind: "AWS_ACCOUNT_KEY",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG",
      endpoint: "http://127.0.0.1:4566",
      region: "us-east-1",
      accountId: "123456789012",
      arn: "arn:aws:iam::123456789012:user/admin",
    });
    expect(key.config).toEqual({
      kind: "AWS_ACCOUNT_KEY",
      endpoint: "http://127.0.0.1:4566",
      region: "us-east-1",
      accountId: "123456789012",
      arn: "arn:aws:iam::123456789012:user/admin",
    });
    const type = credentialTypeFor("AWS_ACCOUNT_KEY");
    expect(type.details(key.config as never)).toBe(
      "Account 123456789012 · arn:aws:iam::123456789012:user/admin · http://127.0.0.1:4566",
    );
    expect(type.masked({ ...key.config, accessKeyId: "AKIAIOSFODNN7EXAMPLE" } as never)).toBe("AKIA…MPLE");
    const role = credentialTypeFor("AWS_ACCOUNT_ROLE");
    expect(role.masked({ roleArn: "arn:aws:iam::123456789012:role/team/lifeboat-provisioner" } as never)).toBe(
      "role/lifeboat-provisioner",
    );
    expect(
      role.details({
        accountId: "123456789012",
        arn: "arn:aws:sts::123456789012:assumed-role/r/s",
        endpoint: "",
      } as never),
    ).toBe("Account 123456789012 · arn:aws:sts::123456789012:assumed-role/r/s");
  });

  it("refuses a kind it does not know, as one read from a newer database would be", () => {
    expect(() => providerFor("GCS" as never)).toThrow(/no driver for GCS/);
    expect(() => credentialTypeFor("GCP_KEY" as never)).toThrow(/does not know GCP_KEY/);
  });
});
