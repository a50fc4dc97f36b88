import fs from "node:fs";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { ADMIN, VIEWER, signIn, signOut, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { backUpNamespaceTo } from "./backups";
import type { SandboxServicePrincipal } from "../sandbox/storage/emulators";

// Azure Blob with a service principal (#11 §2.1, §3.1), on what 05-clusters made: sandbox-1 and sandbox-2 in group prod.
// The sandbox runs a stand-in for Entra ID and Azure Resource Manager next to azurite (sandbox/storage/entra.ts), and
// the console signs in there (LIFEBOAT_AZURE_AUTHORITY_HOST / LIFEBOAT_AZURE_RESOURCE_MANAGER in playwright.config.ts).
// It knows one principal, which may list azurite's keys in its resource group; the Velero stand-in signs in with the
// principal from the location's Secret and lists the keys through ARM, as velero-plugin-for-microsoft-azure does without
// useAAD. Names avoid "e2e-azure", which 05-locations (after this file) picks options by.
interface Sandbox {
  azure: {
    blobEndpoint: string;
    accountName: string;
    accountKey: string;
    servicePrincipal: SandboxServicePrincipal | null;
  } | null;
}
const sandbox = () => JSON.parse(fs.readFileSync(path.resolve(".data/e2e/sandbox/sandbox.json"), "utf8")) as Sandbox;
const CREDENTIAL = "e2e-sp-principal";
const LOCATION = "e2e-sp-blob";
const PREFIX = "e2e-sp";

test("an admin adds an Azure service principal (a wrong secret is refused) and an Azure Blob location reading the keys through ARM; both clusters report it Available", async ({
  page,
}) => {
  const az = sandbox().azure;
  const sp = az?.servicePrincipal;
  if (!az || !sp) return test.skip(true, "the sandbox runs no azurite or no Entra ID stand-in (sandbox.json)");
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("button", { name: "Create credential" }).click();
  let d = page.getByRole("dialog", { name: "Create a credential" });
  await d.getByLabel("Kind").click();
  await page.getByRole("option", { name: "Azure service principal" }).click();
  await d.getByRole("textbox", { name: "Name", exact: true }).fill(CREDENTIAL);
  await d.getByLabel("Directory (tenant) id").fill(sp.tenantId);
  await d.getByLabel("Application (client) id").fill(sp.clientId);
  await d.getByLabel("Client secret").fill("Wr0~not-the-secret-of-this-principal");
  await d.getByLabel("Subscription id").fill(sp.subscriptionId);
  await d.getByLabel("Resource group").fill(sp.resourceGroup);
  await expectAccessible(page, "create credential dialog, Azure service principal");
  await d.getByRole("button", { name: "Check and create" }).click();
  const refusal = d.getByRole("alert");
  await expect(refusal).toContainText(
    `The client secret is wrong: Entra ID did not accept it for application ${sp.clientId} (AADSTS7000215)`,
  );
  await expect(refusal).toContainText("Nothing was saved");
  await expectAccessible(page, "create credential dialog, Azure service principal refused");
  await expect(page.getByTestId(`credential-row-${CREDENTIAL}`)).toHaveCount(0);
  await d.getByLabel("Client secret").fill(sp.clientSecret);
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d).toBeHidden();
  const row = page.getByTestId(`credential-row-${CREDENTIAL}`);
  await expect(row).toContainText(`Tenant ${sp.tenantId}`);
  await expect(row).toContainText(`resource group ${sp.resourceGroup}`);
  await expect(row).not.toContainText(sp.clientSecret);

  await page.getByRole("link", { name: "Target locations" }).click();
  await page.getByRole("button", { name: "Create target location" }).click();
  d = page.getByRole("dialog", { name: "Create a target location" });
  await d.getByRole("textbox", { name: "Name", exact: true }).fill(LOCATION);
  await d.getByLabel("Provider").click();
  await page.getByRole("option", { name: "Azure Blob Storage" }).click();
  await d.getByRole("textbox", { name: "Storage account", exact: true }).fill(az.accountName);
  await d.getByRole("textbox", { name: "Container", exact: true }).fill("velero");
  await d.getByRole("textbox", { name: "Prefix", exact: true }).fill(PREFIX);
  await d.getByLabel("Blob endpoint (optional)").fill(az.blobEndpoint);
  await d.getByLabel("Credential").click();
  await page.getByRole("option", { name: new RegExp(`^${CREDENTIAL} `) }).click();

  // An Entra ID token (the default) is never sent over azurite's plain http: refused before a token leaves.
  const auth = d.getByRole("radiogroup", { name: "How Velero reaches the blobs with the service principal" });
  await expect(auth.getByRole("radio", { name: /^Entra ID token/ })).toBeChecked();
  await expectAccessible(page, "create target location dialog, service principal's auth choice");
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d.getByRole("alert")).toContainText(`The blob endpoint`);
  await expect(d.getByRole("alert")).toContainText("is plain http: an Entra ID token is sent only over https");
  await expect(page.getByTestId(`location-card-${LOCATION}`)).toHaveCount(0);

  // The keys through ARM (ListKeys): the resource group and subscription become required.
  await auth.getByRole("radio", { name: /^Account keys through Azure Resource Manager/ }).check();
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d.getByText(/Enter the storage account's resource group/).first()).toBeVisible();
  await d.getByRole("textbox", { name: "Resource group", exact: true }).fill(sp.resourceGroup);
  await d.getByRole("textbox", { name: "Subscription id", exact: true }).fill(sp.subscriptionId);
  await expectAccessible(page, "create target location dialog, keys through ARM");
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d).toBeHidden({ timeout: 20_000 });
  const card = page.getByTestId(`location-card-${LOCATION}`);
  await expect(card).toContainText(`azure://${az.accountName}/velero/${PREFIX}`);
  await expect(card).toContainText("keys through ARM");

  await card.getByRole("button", { name: "Assign" }).click();
  d = page.getByRole("dialog", { name: `Assign ${LOCATION}` });
  await d.getByLabel("Cluster group or cluster").click();
  await page.getByRole("option", { name: "Group prod" }).click();
  // One writer per place: sandbox-1 writes, the group's other clusters restore from it.
  await d.getByRole("checkbox", { name: "sandbox-1" }).check();
  await d.getByRole("button", { name: "Assign" }).click();
  // Each cluster's Velero signs in with the principal in the location's Secret and lists the keys through ARM.
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-${LOCATION}-${cluster}`)).toContainText("Available", {
      timeout: 20_000,
    });
  await expectAccessible(page, "target locations, with a service principal's");
});

test("a backup to the service principal's location lands in the container; a viewer sees the location, and no control", async ({
  page,
}) => {
  const az = sandbox().azure;
  if (!az?.servicePrincipal)
    return test.skip(true, "the sandbox runs no azurite or no Entra ID stand-in (sandbox.json)");
  // Lifeboat has no operator role apart from the admin in these journeys (05-locations backs up as the admin too).
  await signIn(page, ADMIN);
  const name = await backUpNamespaceTo(page, { cluster: "sandbox-1", namespace: "guestbook", location: LOCATION });

  // Velero's layout in the container, read with the Azure SDK and the account key (the key ARM listed).
  const container = new BlobServiceClient(
    az.blobEndpoint,
    new StorageSharedKeyCredential(az.accountName, az.accountKey),
  ).getContainerClient("velero");
  const files: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: `${PREFIX}/backups/${name}/` })) files.push(b.name);
  expect(files).toEqual(
    expect.arrayContaining([
      `${PREFIX}/backups/${name}/velero-backup.json`,
      `${PREFIX}/backups/${name}/${name}.tar.gz`,
    ]),
  );
  // sandbox-2 holds the location too: Velero's backup sync brings the backup there through the same principal.
  await expect(page.getByTestId(`backup-row-sandbox-2-${name}`).getByTestId("backup-phase")).toHaveText("Completed", {
    timeout: 20_000,
  });
  await signOut(page);

  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Target locations" }).click();
  const card = page.getByTestId(`location-card-${LOCATION}`);
  await expect(card).toContainText(`azure://${az.accountName}/velero/${PREFIX}`);
  await expect(page.getByTestId(`deployment-${LOCATION}-sandbox-1`)).toContainText("Available");
  for (const control of ["Assign", `Edit ${LOCATION}`, "Delete", "Refresh status"])
    await expect(card.getByRole("button", { name: control })).toHaveCount(0);
});
