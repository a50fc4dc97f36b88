import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminClients } from "../../kube/testing-objects";
import { freshDatabase } from "../../testing/db";
import { aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { startEntra, type EntraStandIn } from "../../../sandbox/storage/entra";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { Db } from "../../db/client";

// An Azure service principal end to end, through the router: checked on save against a stand-in for Entra ID and Azure
// Resource Manager on 127.0.0.1 (LIFEBOAT_AZURE_AUTHORITY_HOST / LIFEBOAT_AZURE_RESOURCE_MANAGER point Lifeboat there),
// and used by an Azure Blob location against the sandbox's azurite: with ListKeys (the stand-in lists azurite's key, and
// the probe then uses it, as Velero's plugin does), and refused with an Entra ID token over azurite's plain http.

let db: Db;
let admin: ReturnType<typeof callerFor>;
let entra: EntraStandIn;
const run = crypto.randomBytes(3).toString("hex");
const SECRET = `Sp8Q~${crypto.randomBytes(12).toString("base64url")}`;
const sp = {
  tenantId: crypto.randomUUID(),
  clientId: crypto.randomUUID(),
  subscriptionId: crypto.randomUUID(),
};
const ids = { group: "", credential: "", location: "" };
const azure = () => {
  const a = testSandbox().azure;
  if (!a) throw new Error("the integration sandbox runs azurite (sandbox/testing/global-setup.ts)");
  return a;
};
const saved = {
  authority: process.env.LIFEBOAT_AZURE_AUTHORITY_HOST,
  arm: process.env.LIFEBOAT_AZURE_RESOURCE_MANAGER,
};
const input = (change: object = {}) => ({
  kind: "AZURE_SERVICE_PRINCIPAL" as const,
  name: `sp-${run}`,
  description: "",
  ...sp,
  resourceGroup: "rg-velero",
  cloud: "AzurePublicCloud" as const,
  clientSecret: SECRET,
  ...change,
});
/** The refusal's message, checked never to hold the secret. */
async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: Error) => err,
  );
  expect(e.message).not.toContain(SECRET);
  return e.message;
}

beforeAll(async () => {
  entra = await startEntra({
    principals: [{ ...sp, clientSecret: SECRET }],
    resourceGroups: { [`${sp.subscriptionId}/rg-velero`]: "ok", [`${sp.subscriptionId}/rg-data-only`]: "forbidden" },
    accountKeys: {
      [`${sp.subscriptionId}/rg-storage/${azure().accountName}`]: azure().accountKey,
      [`${sp.subscriptionId}/rg-nolist/${azure().accountName}`]: "forbidden",
    },
  });
  process.env.LIFEBOAT_AZURE_AUTHORITY_HOST = entra.url;
  process.env.LIFEBOAT_AZURE_RESOURCE_MANAGER = entra.url;
  ({ db } = await freshDatabase());
  admin = callerFor(db, await signedIn(db, await aUser(db, { role: "ORG_ADMIN" })));
  ids.group = (await aGroup(db, `azsp-${run}`)).id;
  await admin.cluster.attach({
    kubeconfig: kubeconfigText(0),
    name: "east",
    groupId: ids.group,
    description: "",
    labels: {},
  });
});

afterAll(async () => {
  for (const [k, v] of [
    ["LIFEBOAT_AZURE_AUTHORITY_HOST", saved.authority],
    ["LIFEBOAT_AZURE_RESOURCE_MANAGER", saved.arm],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  await entra?.close();
});

describe("an Azure service principal", () => {
  it.each([
    ["a wrong secret", { clientSecret: "wrong~secret.1" }, /client secret is wrong.*AADSTS7000215.*Nothing was saved/],
    ["an unknown application", { clientId: crypto.randomUUID() }, /has no application .*AADSTS700016/],
    [
      "an unknown tenant",
      { tenantId: "nobody.onmicrosoft.com" },
      /knows no tenant nobody\.onmicrosoft\.com.*AADSTS90002/,
    ],
    [
      "a resource group that does not exist",
      { resourceGroup: "rg-nope" },
      /no resource group rg-nope .*ResourceGroupNotFound/,
    ],
  ])("is refused on save with %s, saying why, and nothing is kept", async (_what, change, why) => {
    const sealedBefore = await db.sealedSecret.count();
    const message = await refusal(admin.credential.create(input(change)));
    expect(message).toMatch(why);
    expect(await db.credential.count({ where: { name: `sp-${run}` } })).toBe(0);
    expect(await db.sealedSecret.count()).toBe(sealedBefore);
  });

  it("is saved when it may only use the data plane (the group read is forbidden), and sealed", async () => {
    const c = await admin.credential.create(input({ name: `sp-data-${run}`, resourceGroup: "rg-data-only" }));
    expect(c).toMatchObject({ provider: "AZURE", kind: "AZURE_SERVICE_PRINCIPAL", keyIdMasked: sp.clientId });
    // The check's words reach the operator: enough for an Entra ID token, not for reading the account keys.
    expect(c.checked).toContain("It may not read resource group rg-data-only");
  });

  it("is saved after signing in and reading its group; the list shows who it is, never the secret", async () => {
    const c = await admin.credential.create(input());
    ids.credential = c.id;
    expect(c.details).toContain(`Tenant ${sp.tenantId}`);
    expect(JSON.stringify(await admin.credential.list())).not.toContain(SECRET);
    const stored = await db.credential.findUniqueOrThrow({ where: { id: c.id } });
    expect(JSON.stringify(stored.config)).not.toContain(SECRET);
    // It signed in for Azure Resource Manager, and sent the secret only to the token endpoint.
    expect(entra.tokenRequests.at(-1)).toEqual({
      tenantId: sp.tenantId,
      clientId: sp.clientId,
      scope: "https://management.azure.com/.default",
    });
    expect(entra.armRequests.at(-1)).toEqual({
      method: "GET",
      path: `/subscriptions/${sp.subscriptionId}/resourceGroups/rg-velero`,
      authorized: true,
    });
  });
});

describe("an Azure Blob location with a service principal", () => {
  const base = () => ({
    provider: "AZURE_BLOB" as const,
    credentialId: ids.credential,
    storageAccount: azure().accountName,
    container: "velero",
    prefix: `azure-sp-it/${run}`,
    blobEndpoint: azure().blobEndpoint,
    subscriptionId: sp.subscriptionId,
  });

  it("with an Entra ID token, is refused over azurite's plain http before a token is sent", async () => {
    const tokensBefore = entra.tokenRequests.length;
    const message = await refusal(admin.location.create({ ...base(), name: `azsp-aad-${run}`, useAAD: true }));
    expect(message).toContain("an Entra ID token is sent only over https");
    expect(entra.tokenRequests.length).toBe(tokensBefore);
  });

  it("without a token, needs the resource group and subscription, and says so", async () => {
    const message = await refusal(
      admin.location.create({ ...base(), name: `azsp-nog-${run}`, useAAD: false, subscriptionId: "" }),
    );
    expect(message).toContain("Enter the storage account's resource group");
    expect(message).toContain("Enter the storage account's subscription id");
  });

  it("without a token, says when the principal may not list the account's keys", async () => {
    const message = await refusal(
      admin.location.create({ ...base(), name: `azsp-nol-${run}`, useAAD: false, resourceGroup: "rg-nolist" }),
    );
    expect(message).toMatch(/may not read the keys of storage account .*listKeys\/action/);
  });

  it("without a token, reads the key through Azure Resource Manager and reaches the container with it", async () => {
    const l = await admin.location.create({
      ...base(),
      name: `azsp-${run}`,
      useAAD: false,
      resourceGroup: "rg-storage",
    });
    ids.location = l.id;
    const row = (await admin.location.list()).find((x) => x.id === l.id)!;
    expect(row.lastProbeMessage).toContain("Reached the container with a key read through Azure Resource Manager");
    expect(row.settings).toMatchObject({ useAAD: false, resourceGroup: "rg-storage" });
    expect(entra.armRequests.at(-1)).toMatchObject({
      method: "POST",
      path: `/subscriptions/${sp.subscriptionId}/resourceGroups/rg-storage/providers/Microsoft.Storage/storageAccounts/${azure().accountName}/listKeys`,
      authorized: true,
    });
  });

  it("becomes a BSL that lists keys through ARM and a credentials file with the principal", async () => {
    await admin.location.assign({
      locationId: ids.location,
      target: { kind: "clusterGroup", id: ids.group },
      readOnly: false,
    });
    const clients = adminClients(kubeconfigText(0));
    const bsls = (await clients.custom.listNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backupstoragelocations",
      labelSelector: `lifeboat.io/location-id=${ids.location}`,
    })) as {
      items: { metadata: { name: string }; spec: { config: Record<string, string>; credential: { name: string } } }[];
    };
    expect(bsls.items).toHaveLength(1);
    expect(bsls.items[0].spec.config).toEqual({
      storageAccount: azure().accountName,
      storageAccountURI: azure().blobEndpoint,
      resourceGroup: "rg-storage",
      subscriptionId: sp.subscriptionId,
    });
    const secret = await clients.core.readNamespacedSecret({
      name: bsls.items[0].spec.credential.name,
      namespace: "velero",
    });
    expect(Buffer.from(secret.data!.cloud!, "base64").toString()).toBe(
      [
        `AZURE_SUBSCRIPTION_ID=${sp.subscriptionId}`,
        `AZURE_TENANT_ID=${sp.tenantId}`,
        `AZURE_CLIENT_ID=${sp.clientId}`,
        `AZURE_CLIENT_SECRET=${SECRET}`,
        "AZURE_RESOURCE_GROUP=rg-velero",
        "AZURE_CLOUD_NAME=AzurePublicCloud",
        "",
      ].join("\n"),
    );
  });

  it("takes a new client secret only when Entra ID and the location accept it", async () => {
    const message = await refusal(
      admin.credential.rotate({ id: ids.credential, kind: "AZURE_SERVICE_PRINCIPAL", clientSecret: "not~the.secret" }),
    );
    expect(message).toContain("AADSTS7000215");
    const c = await admin.credential.rotate({
      id: ids.credential,
      kind: "AZURE_SERVICE_PRINCIPAL",
      clientSecret: SECRET,
    });
    expect(c.keyIdMasked).toBe(sp.clientId);
  });
});
