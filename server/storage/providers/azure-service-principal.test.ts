import { describe, expect, it } from "vitest";
import {
  azureBlobConfig,
  credentialConfig,
  credentialCreateInput,
  credentialRotateInput,
  locationCreateInput,
  locationUpdateInput,
  type CredentialSecret,
} from "@/lib/schemas/locations";
import { AadError, aadErrorOf, aadstsError, cloudEndpoints } from "../azure/aad";
import { AZURE_CONFIG_KEYS, azureBlobProvider, azureServicePrincipalType, checkAzureBslConfig } from "./azure";
import { credentialConfigOf, credentialSecretOf, splitCredential } from "./registry";
import { ProviderError } from "./types";
import { redactSecrets } from "../probe-steps";

// An Azure service principal (AZURE_SERVICE_PRINCIPAL) as a credential and as what an Azure Blob location uses: the
// schemas, what Velero's plugin gets (BSL config, credentials file), and how Entra ID's refusals are worded.

const SECRET = "Q9w8Q~abc.DEF_ghi-JKLmno";
const sp = {
  kind: "AZURE_SERVICE_PRINCIPAL" as const,
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  clientId: "6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
  subscriptionId: "00000000-1111-2222-3333-444444444444",
  resourceGroup: "rg-velero",
  cloud: "AzurePublicCloud" as const,
  clientSecret: SECRET,
};
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const key = {
  kind: "AZURE_STORAGE_KEY" as const,
  accountName: "acme",
  cloud: "AzurePublicCloud" as const,
  blobEndpoint: "",
  accountKey: KEY,
};
const given = { provider: "AZURE_BLOB" as const, storageAccount: "acme", container: "velero", prefix: "cluster-a" };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a refusal");
}

describe("the service principal's schemas", () => {
  it("takes a tenant GUID or domain, and GUIDs for the client and subscription", () => {
    const ok = (change: object) =>
      credentialCreateInput.safeParse({ ...sp, name: "sp", description: "", ...change }).success;
    expect(ok({})).toBe(true);
    expect(ok({ tenantId: "contoso.onmicrosoft.com" })).toBe(true);
    expect(ok({ tenantId: "not a tenant" })).toBe(false);
    expect(ok({ clientId: "my-app" })).toBe(false);
    expect(ok({ subscriptionId: "" })).toBe(false);
    expect(ok({ resourceGroup: "" })).toBe(false);
    expect(ok({ resourceGroup: "ends-with." })).toBe(false);
    expect(ok({ clientSecret: "" })).toBe(false);
  });

  it("rotates with a new client secret only", () => {
    const r = credentialRotateInput.parse({
      id: "c1",
      kind: "AZURE_SERVICE_PRINCIPAL",
      clientSecret: "new",
      tenantId: "x",
    });
    expect(r).toEqual({ id: "c1", kind: "AZURE_SERVICE_PRINCIPAL", clientSecret: "new" });
  });

  it("seals only the client secret; who it is stays in the clear and is shown by its client id", () => {
    const { sealed, config } = splitCredential(sp);
    expect(JSON.parse(sealed)).toEqual({ clientSecret: SECRET });
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(credentialConfig.parse(config)).toEqual({ ...sp, clientSecret: undefined, kind: sp.kind });
    expect(credentialSecretOf(credentialConfigOf(config), sealed)).toEqual(sp);
    expect(azureServicePrincipalType.masked(sp)).toBe(sp.clientId);
    expect(azureServicePrincipalType.details(sp)).toBe(
      `Tenant ${sp.tenantId} · subscription ${sp.subscriptionId} · resource group rg-velero · AzurePublicCloud`,
    );
  });

  it("gives a location an Entra ID token by default", () => {
    expect(locationCreateInput.parse({ ...given, name: "az", credentialId: "c1" })).toMatchObject({ useAAD: true });
    // Editing keeps the choice unless the form sends it.
    expect(locationUpdateInput.parse({ provider: "AZURE_BLOB", id: "l1", credentialId: "c1" })).not.toHaveProperty(
      "useAAD",
    );
    // The kind of credential is the driver's to record, never an input.
    expect(
      locationCreateInput.parse({ ...given, name: "az", credentialId: "c1", credentialKind: "X" }),
    ).not.toHaveProperty("credentialKind");
  });

  it("without a token, needs the account's resource group and subscription, saying why", () => {
    const r = azureBlobConfig.safeParse({ ...given, credentialKind: "AZURE_SERVICE_PRINCIPAL", useAAD: false });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues).toEqual([
      ["resourceGroup", expect.stringContaining("reads the account keys through Azure Resource Manager (ListKeys)")],
      ["subscriptionId", expect.stringContaining("subscription id")],
    ]);
    // An account key ignores the choice; a token needs neither.
    expect(azureBlobConfig.safeParse({ ...given, useAAD: false }).success).toBe(true);
    expect(azureBlobConfig.safeParse({ ...given, credentialKind: "AZURE_SERVICE_PRINCIPAL" }).success).toBe(true);
  });
});

describe("an Azure location with a service principal, for Velero", () => {
  const config = azureBlobConfig.parse(given);

  it("records the credential's kind and completes the endpoint from the principal's cloud", () => {
    const done = azureBlobProvider.complete!(config, sp);
    expect(done).toMatchObject({
      credentialKind: "AZURE_SERVICE_PRINCIPAL",
      blobEndpoint: "https://acme.blob.core.windows.net",
    });
    expect(azureBlobProvider.complete!(config, { ...sp, cloud: "AzureUSGovernmentCloud" }).blobEndpoint).toBe(
      "https://acme.blob.core.usgovcloudapi.net",
    );
    // Another credential of the other kind is recorded again (an edit that changes the credential).
    expect(azureBlobProvider.complete!(done, key).credentialKind).toBe("AZURE_STORAGE_KEY");
  });

  it("is a BSL with useAAD and no key variable when it uses a token", () => {
    const bsl = azureBlobProvider.backupStorageLocation(azureBlobProvider.complete!(config, sp));
    expect(bsl.config).toEqual({
      storageAccount: "acme",
      storageAccountURI: "https://acme.blob.core.windows.net",
      useAAD: "true",
    });
    expect(() => checkAzureBslConfig(bsl.config)).not.toThrow();
  });

  it("is a BSL with the group and subscription for ListKeys when it does not", () => {
    const listKeys = { ...config, useAAD: false, resourceGroup: "rg-sa", subscriptionId: sp.subscriptionId };
    const bsl = azureBlobProvider.backupStorageLocation(azureBlobProvider.complete!(listKeys, sp));
    expect(bsl.config).toEqual({
      storageAccount: "acme",
      storageAccountURI: "https://acme.blob.core.windows.net",
      resourceGroup: "rg-sa",
      subscriptionId: sp.subscriptionId,
    });
    for (const k of Object.keys(bsl.config)) expect(AZURE_CONFIG_KEYS.has(k)).toBe(true);
    // Without them the driver refuses to write a BSL the plugin could not use.
    const e = thrown(() =>
      azureBlobProvider.backupStorageLocation({ ...config, credentialKind: "AZURE_SERVICE_PRINCIPAL", useAAD: false }),
    );
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.message).toContain("resource group");
  });

  it("keeps an account key location's BSL as it was", () => {
    const bsl = azureBlobProvider.backupStorageLocation(azureBlobProvider.complete!({ ...config, useAAD: true }, key));
    expect(bsl.config).toEqual({
      storageAccount: "acme",
      storageAccountURI: "https://acme.blob.core.windows.net",
      storageAccountKeyEnvVar: "AZURE_STORAGE_ACCOUNT_ACCESS_KEY",
    });
  });

  it("writes the principal's credentials file with the secret named as the only secret", () => {
    const file = azureBlobProvider.credentialsFile(sp, azureBlobProvider.complete!(config, sp));
    expect(file.content).toContain(`AZURE_CLIENT_SECRET=${SECRET}\n`);
    expect(file.content).toContain(`AZURE_TENANT_ID=${sp.tenantId}\n`);
    expect(file.content).toContain("AZURE_RESOURCE_GROUP=rg-velero\n");
    expect(file.secrets).toEqual([SECRET]);
  });

  it("does not hold a principal to the account-name rule of keys, but refuses a credential of the other kind", () => {
    // The principal reaches any account its roles allow: another account name is fine.
    const other = azureBlobProvider.complete!({ ...config, storageAccount: "elsewhere" }, sp);
    expect(() => azureBlobProvider.credentialsFile(sp, other)).not.toThrow();
    const e = thrown(() => azureBlobProvider.credentialsFile(key, other));
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.message).not.toContain(KEY);
  });

  it("probes nothing when the settings cannot work, and says why", async () => {
    const r = await azureBlobProvider.probe(
      { ...azureBlobProvider.complete!(config, sp), useAAD: false },
      sp as CredentialSecret,
    );
    expect(r).toMatchObject({ ok: false, failure: "Other", message: expect.stringContaining("resource group") });
  });

  it("refuses to send a token to a plain-http endpoint, before connecting", async () => {
    const http = azureBlobProvider.complete!({ ...config, blobEndpoint: "http://acme.example.com" }, sp);
    const r = await azureBlobProvider.probe(http, sp);
    expect(r).toMatchObject({
      ok: false,
      message: expect.stringContaining("an Entra ID token is sent only over https"),
    });
    expect(r.message).not.toContain(SECRET);
  });

  it("says where it points and how it signs in", () => {
    expect(azureBlobProvider.describe(azureBlobProvider.complete!(config, sp))).toBe(
      "azure://acme/velero/cluster-a · https://acme.blob.core.windows.net · Entra ID token",
    );
  });
});

describe("Entra ID's refusals", () => {
  const who = { tenantId: sp.tenantId, clientId: sp.clientId };
  it.each([
    [7000215, "The client secret is wrong", "copy the secret's Value"],
    [7000222, "has expired", "create a new one"],
    [700016, `has no application ${sp.clientId}`, "check the application (client) id"],
    [90002, `knows no tenant ${sp.tenantId}`, "check the directory (tenant) id"],
  ])("words AADSTS%s for the operator", (code, what, fix) => {
    const e = aadstsError(
      who,
      { error: "invalid_client", error_description: `AADSTS${code}: Something.\r\nTrace ID: x`, error_codes: [code] },
      401,
    );
    expect(e).toBeInstanceOf(AadError);
    expect(e.failure).toBe("InvalidCredentials");
    expect(e.code).toBe(String(code));
    expect(e.message).toContain(what);
    expect(e.message).toContain(fix);
    expect(e.message).toContain(`AADSTS${code}`);
  });

  it("reads the code from the description when error_codes is missing, and keeps only the first sentence", () => {
    const e = aadstsError(
      who,
      {
        error: "unauthorized_client",
        error_description: "AADSTS700027: Client assertion failed. Trace ID: 1 Correlation ID: 2",
      },
      400,
    );
    expect(e.message).toBe(
      `Entra ID refused the sign-in of application ${sp.clientId} in tenant ${sp.tenantId} (AADSTS700027): ` +
        "AADSTS700027: Client assertion failed.",
    );
  });

  it("finds its error along a cause chain, and redacts every secret", () => {
    const inner = new AadError("Timeout", "slow");
    expect(aadErrorOf(new Error("outer", { cause: new Error("middle", { cause: inner }) }))).toBe(inner);
    expect(aadErrorOf(new Error("plain"))).toBeNull();
    expect(redactSecrets([SECRET, "abc"])(`a ${SECRET} b ${SECRET} abc`)).toBe("a [redacted] b [redacted] abc");
  });
});

describe("the clouds' endpoints", () => {
  it("has the authority, ARM and scopes of each cloud", () => {
    expect(cloudEndpoints("AzurePublicCloud", {})).toEqual({
      authority: "https://login.microsoftonline.com",
      resourceManager: "https://management.azure.com",
      managementScope: "https://management.azure.com/.default",
      storageScope: "https://storage.azure.com/.default",
    });
    expect(cloudEndpoints("AzureUSGovernmentCloud", {}).authority).toBe("https://login.microsoftonline.us");
    expect(cloudEndpoints("AzureChinaCloud", {}).managementScope).toBe("https://management.chinacloudapi.cn/.default");
  });

  it("takes the operator's overrides: https anywhere, http only to a loopback host", () => {
    const env = {
      LIFEBOAT_AZURE_AUTHORITY_HOST: "http://127.0.0.1:9999/",
      LIFEBOAT_AZURE_RESOURCE_MANAGER: "https://arm.stack.example",
    };
    expect(cloudEndpoints("AzurePublicCloud", env)).toMatchObject({
      authority: "http://127.0.0.1:9999",
      resourceManager: "https://arm.stack.example",
    });
    expect(() =>
      cloudEndpoints("AzurePublicCloud", { LIFEBOAT_AZURE_AUTHORITY_HOST: "http://login.example.com" }),
    ).toThrow(/must be an https/);
  });
});
