import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { startSandbox, type RunningSandbox } from "../start";
import { AZURE_BEARER_OVER_HTTP, objectStoreFor } from "../storage/object-store";
import { crdsSkipReason, haveCrds } from "../testing/paths";

// The Velero stand-in with an Azure service principal, as velero-plugin-for-microsoft-azure uses one: the credentials
// file names the principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID), the BSL has
// resourceGroup and subscriptionId and no useAAD, so the stand-in signs in at the sandbox's Entra ID stand-in, lists
// azurite's keys through its ARM and uses the first one. useAAD over azurite's plain http fails, as the plugin's SDK does.
let sb: RunningSandbox;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-velero-sp-"));
const NS = "velero";
let co: k8s.CustomObjectsApi;
let core: k8s.CoreV1Api;

const until = async <T>(fn: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};
const ref = (plural: string) => ({ group: "velero.io", version: "v1", namespace: NS, plural });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const phaseOf = (plural: string, name: string, phases: string[]): Promise<any> =>
  until(async () => {
    const o = (await co.getNamespacedCustomObject({ ...ref(plural), name }).catch(() => null)) as {
      status?: { phase?: string };
    } | null;
    return o && phases.includes(o.status?.phase ?? "") ? o : null;
  });

const sp = () => sb.storage.azure!.servicePrincipal!;
const credentialsFile = (secret = sp().clientSecret) =>
  `AZURE_SUBSCRIPTION_ID=${sp().subscriptionId}\nAZURE_TENANT_ID=${sp().tenantId}\nAZURE_CLIENT_ID=${sp().clientId}\n` +
  `AZURE_CLIENT_SECRET=${secret}\nAZURE_RESOURCE_GROUP=${sp().resourceGroup}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`;

async function addLocation(name: string, cloud: string, config: Record<string, string>) {
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: `creds-${name}` }, stringData: { cloud } },
  });
  await co.createNamespacedCustomObject({
    ...ref("backupstoragelocations"),
    body: {
      apiVersion: "velero.io/v1",
      kind: "BackupStorageLocation",
      metadata: { name },
      spec: {
        provider: "velero.io/azure",
        objectStorage: { bucket: "velero", prefix: name },
        credential: { name: `creds-${name}`, key: "cloud" },
        config: {
          storageAccount: sb.storage.azure!.accountName,
          storageAccountURI: sb.storage.azure!.blobEndpoint,
          ...config,
        },
      },
    },
  });
}

describe.skipIf(!haveCrds)(
  "Velero stand-in with an Azure service principal " + (haveCrds ? "" : crdsSkipReason),
  () => {
    beforeAll(async () => {
      sb = await startSandbox({
        dir,
        clusters: [{ name: "east", velero: { version: "v1.18.1", nodeAgent: true, csi: true } }],
        velero: { syncPeriodMs: 300, validationPeriodMs: 400, gcPeriodMs: 300, scheduleTickMs: 100, volumeDelayMs: 20 },
      });
      const kc = new k8s.KubeConfig();
      kc.loadFromString(sb.clusters[0].kubeconfig);
      co = kc.makeApiClient(k8s.CustomObjectsApi);
      core = kc.makeApiClient(k8s.CoreV1Api);
    }, 60_000);
    afterAll(async () => {
      await sb?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads the account keys through ARM with the principal: Available, and a backup lands in the container", async () => {
      await addLocation("sp-keys", credentialsFile(), {
        resourceGroup: sp().resourceGroup,
        subscriptionId: sp().subscriptionId,
      });
      await phaseOf("backupstoragelocations", "sp-keys", ["Available"]);

      await co.createNamespacedCustomObject({
        ...ref("backups"),
        body: {
          apiVersion: "velero.io/v1",
          kind: "Backup",
          metadata: { name: "guestbook-sp" },
          spec: { includedNamespaces: ["guestbook"], storageLocation: "sp-keys" },
        },
      });
      await phaseOf("backups", "guestbook-sp", ["Completed"]);
      // Read back with the account key, as anyone holding it would.
      const container = objectStoreFor(
        { provider: "velero.io/azure", bucket: "velero", prefix: "sp-keys" },
        { connectionString: sb.storage.azure!.connectionString },
      );
      expect(await container.list("backups/guestbook-sp/")).toEqual(
        expect.arrayContaining(["backups/guestbook-sp/velero-backup.json", "backups/guestbook-sp/guestbook-sp.tar.gz"]),
      );
    });

    it("is Unavailable with Entra ID's reason when the client secret is wrong, never showing it", async () => {
      const wrong = "not~the-secret-of-this-principal";
      await addLocation("sp-wrong", credentialsFile(wrong), {
        resourceGroup: sp().resourceGroup,
        subscriptionId: sp().subscriptionId,
      });
      const bsl = await phaseOf("backupstoragelocations", "sp-wrong", ["Unavailable"]);
      expect(bsl.status.message).toContain("ClientSecretCredential authentication failed");
      expect(bsl.status.message).toContain("AADSTS7000215");
      expect(bsl.status.message).not.toContain(wrong);
    });

    it("is Unavailable with useAAD over azurite's plain http: a bearer token needs https", async () => {
      await addLocation("sp-aad", credentialsFile(), { useAAD: "true" });
      const bsl = await phaseOf("backupstoragelocations", "sp-aad", ["Unavailable"]);
      expect(bsl.status.message).toContain(AZURE_BEARER_OVER_HTTP);
      expect(bsl.status.message).toContain(sb.storage.azure!.blobEndpoint);
    });
  },
);
