import fs from "node:fs";
import path from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Locator } from "@playwright/test";
import { ADMIN, VIEWER, signIn, signOut, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { backUpNamespaceTo } from "./backups";
import { kubectl } from "../sandbox/testing/kubectl";

// Azure Blob target locations (#11 §2, journey step 3), on what 05-clusters made: sandbox-1 and sandbox-2 in group
// prod. The sandbox's azurite plays the storage account; its container "velero" exists, and the Velero stand-in reaches
// it the way velero-plugin-for-microsoft-azure does.
const azure = () =>
  JSON.parse(fs.readFileSync(path.resolve(".data/e2e/sandbox/sandbox.json"), "utf8")).azure as {
    blobEndpoint: string;
    accountName: string;
    accountKey: string;
  };

test("an admin adds an Azure account key (a wrong one is refused) and an Azure Blob location, and both clusters report it Available", async ({
  page,
}) => {
  const az = azure();
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("button", { name: "Create credential" }).click();
  let d = page.getByRole("dialog", { name: "Create a credential" });
  await d.getByLabel("Kind").click();
  await page.getByRole("option", { name: "Azure storage account key" }).click();
  await d.getByLabel("Name").fill("e2e-azure-key");
  await d.getByLabel("Storage account").fill(az.accountName);
  await d.getByLabel("Account key").fill(Buffer.from("not the key of this account at all").toString("base64"));
  await d.getByLabel("Blob endpoint (optional)").fill(az.blobEndpoint);
  await expectAccessible(page, "create credential dialog, Azure key");
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d.getByRole("alert")).toContainText("account key is wrong");
  await expect(d.getByRole("alert")).toContainText("Nothing was saved");
  await d.getByLabel("Account key").fill(az.accountKey);
  await d.getByRole("button", { name: "Check and create" }).click();
  const row = page.getByTestId("credential-row-e2e-azure-key");
  await expect(row).toContainText(`Storage account ${az.accountName}`);
  await expect(row).not.toContainText(az.accountKey);

  await page.getByRole("link", { name: "Target locations" }).click();
  await page.getByRole("button", { name: "Create target location" }).click();
  d = page.getByRole("dialog", { name: "Create a target location" });
  await d.getByRole("textbox", { name: "Name", exact: true }).fill("e2e-azure");
  await d.getByLabel("Provider").click();
  await page.getByRole("option", { name: "Azure Blob Storage" }).click();
  await d.getByRole("textbox", { name: "Storage account", exact: true }).fill(az.accountName);
  await d.getByRole("textbox", { name: "Container", exact: true }).fill("no-such-container");
  await d.getByRole("textbox", { name: "Prefix", exact: true }).fill("e2e-azure");
  await d.getByLabel("Credential").click();
  // Only Azure keys fit an Azure location.
  await expect(page.getByRole("option", { name: /sandbox-s3/ })).toHaveCount(0);
  await page.getByRole("option", { name: /e2e-azure-key/ }).click();
  await expectAccessible(page, "create target location dialog, Azure");
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d.getByRole("alert")).toContainText('The container "no-such-container" does not exist');
  await d.getByRole("textbox", { name: "Container", exact: true }).fill("velero");
  await d.getByRole("button", { name: "Check and create" }).click();
  const card = page.getByTestId("location-card-e2e-azure");
  await expect(card).toContainText(`Azure Blob · azure://${az.accountName}/velero/e2e-azure`);

  await card.getByRole("button", { name: "Assign" }).click();
  d = page.getByRole("dialog", { name: "Assign e2e-azure" });
  await d.getByLabel("Cluster group or cluster").click();
  await page.getByRole("option", { name: "Group prod" }).click();
  // One writer per place: sandbox-2 writes, the group's other clusters restore from it.
  await d.getByRole("checkbox", { name: "sandbox-2" }).check();
  await d.getByRole("button", { name: "Assign" }).click();
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-e2e-azure-${cluster}`)).toContainText("Available", { timeout: 20_000 });
  await expect(page.getByTestId("missing-plugin-e2e-azure")).toHaveCount(0);
  await expectAccessible(page, "target locations, with an Azure one");

  // The cluster page lists the locations on it, with their phase.
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByRole("link", { name: "sandbox-2" }).click();
  await expect(page.getByRole("table", { name: "Cluster details" })).toContainText("e2e-azure: Available");
});

test("an operator backs up a namespace to the Azure location: its files are in the container; restored on the other cluster under another name", async ({
  page,
}) => {
  const az = azure();
  await signIn(page, ADMIN);
  const name = await backUpNamespaceTo(page, { cluster: "sandbox-2", namespace: "guestbook", location: "e2e-azure" });

  // Velero's layout in the container, read with the Azure SDK as anyone holding the key would.
  const container = new BlobServiceClient(
    az.blobEndpoint,
    new StorageSharedKeyCredential(az.accountName, az.accountKey),
  ).getContainerClient("velero");
  const files: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: `e2e-azure/backups/${name}/` })) files.push(b.name);
  expect(files).toEqual(
    expect.arrayContaining([
      `e2e-azure/backups/${name}/velero-backup.json`,
      `e2e-azure/backups/${name}/${name}.tar.gz`,
    ]),
  );

  // Both clusters hold the location: Velero's backup sync brings the backup to sandbox-1, which restores it.
  await expect(page.getByTestId(`backup-row-sandbox-1-${name}`).getByTestId("backup-phase")).toHaveText("Completed", {
    timeout: 20_000,
  });
  await page.getByRole("link", { name: "Restores" }).click();
  await page.getByRole("button", { name: "Restore from backup" }).click();
  const d = page.getByRole("dialog", { name: "Restore from a backup" });
  await d.getByLabel("Restore into cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await d.getByLabel("Backup").click();
  await page.getByRole("option", { name: new RegExp(`^${name}`) }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Add namespace mapping" }).click();
  await d.getByLabel("Namespace in the backup").fill("guestbook");
  await d.getByLabel("Restore into namespace").fill("guestbook-from-azure");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  const restoreManifest = d.getByLabel("Restore manifest");
  await expect(restoreManifest).toHaveValue(/guestbook: guestbook-from-azure/);
  const restore = /\n {2}name: (sandbox-1-[a-z0-9-]+)/.exec(await restoreManifest.inputValue())![1];
  await d.getByRole("button", { name: "Create restore" }).click();
  const restoreRow = page.getByTestId(`restore-row-sandbox-1-${restore}`);
  await expect(restoreRow.getByTestId("restore-phase")).toHaveText("Completed", { timeout: 20_000 });
  const got = await kubectl(path.resolve(".data/e2e/sandbox/sandbox-1.kubeconfig"), [
    "get",
    "deployments,services",
    "-n",
    "guestbook-from-azure",
    "-o",
    "name",
  ]);
  expect(got.code, got.err).toBe(0);
  expect(got.out).toContain("deployment.apps/");
});

test("a viewer sees the Azure location and its status, and no control that changes it", async ({ page }) => {
  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Target locations" }).click();
  const card = page.getByTestId("location-card-e2e-azure");
  await expect(card).toContainText(`azure://${azure().accountName}/velero/e2e-azure`);
  await expect(page.getByTestId("deployment-e2e-azure-sandbox-1")).toContainText("Available");
  for (const control of ["Assign", "Edit e2e-azure", "Delete", "Refresh status"])
    await expect(card.getByRole("button", { name: control })).toHaveCount(0);
  await signOut(page);
});

type AwsKey = { accessKeyId: string; secretAccessKey: string };
/** moto (AWS with IAM enforced), or null with the reason the sandbox could not start it. */
const sandboxAws = () =>
  JSON.parse(fs.readFileSync(path.resolve(".data/e2e/sandbox/sandbox.json"), "utf8")) as {
    aws: { endpoint: string; region: string; admin: AwsKey; noCloudFormation: AwsKey } | null;
    awsReason: string | null;
  };

test("an admin adds an AWS account credential (a wrong secret is refused), provisions a managed location with Lifeboat, watches the stack complete, and both clusters report it Available", async ({
  page,
}) => {
  const { aws, awsReason } = sandboxAws();
  if (!aws) return test.skip(true, "moto is not installed: " + awsReason);
  // CloudFormation, then Velero's key, the probe and the rollout to both clusters.
  test.setTimeout(180_000);
  await signIn(page, ADMIN);

  // AWS account credentials, checked with STS on save (moto checks signatures, unlike s3rver).
  await page.getByRole("link", { name: "Credentials" }).click();
  const createAccount = async (name: string, key: AwsKey) => {
    await page.getByRole("button", { name: "Create credential" }).click();
    const d = page.getByRole("dialog", { name: "Create a credential" });
    await d.getByLabel("Kind").click();
    await page.getByRole("option", { name: "AWS account (access key)" }).click();
    await d.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await d.getByLabel("Access key id").fill(key.accessKeyId);
    await d.getByLabel("Secret access key").fill(key.secretAccessKey);
    await d.getByLabel(/^Endpoint/).fill(aws.endpoint);
    await d.getByRole("textbox", { name: "Region", exact: true }).fill(aws.region);
    await d.getByRole("button", { name: "Check and create" }).click();
    return d;
  };
  let d = await createAccount("e2e-aws-account", {
    ...aws.admin,
    secretAccessKey: "not-the-secret-of-this-access-key",
  });
  await expect(d.getByRole("alert")).toContainText("secret access key is wrong");
  await expect(d.getByRole("alert")).toContainText("Nothing was saved");
  await expectAccessible(page, "create credential dialog, AWS account key refused");
  await expect(page.getByTestId("credential-row-e2e-aws-account")).toHaveCount(0);
  await d.getByLabel("Secret access key").fill(aws.admin.secretAccessKey);
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d).toBeHidden();
  const row = page.getByTestId("credential-row-e2e-aws-account");
  await expect(row).toContainText("Account 123456789012");
  await expect(row).not.toContainText(aws.admin.secretAccessKey);
  await createAccount("e2e-aws-no-cfn", aws.noCloudFormation);
  await expect(page.getByTestId("credential-row-e2e-aws-no-cfn")).toContainText("Account 123456789012");

  // A credential without CloudFormation rights: refused in the wizard, with the missing action named.
  await page.getByRole("link", { name: "Target locations" }).click();
  await page.getByRole("button", { name: "Provision on AWS" }).click();
  d = page.getByRole("dialog", { name: "Provision a target location on AWS" });
  const chooseAccount = async (name: string) => {
    await d.getByLabel("AWS account credential").click();
    await page.getByRole("option", { name: new RegExp(`^${name} \\(Account 123456789012`) }).click();
  };
  await chooseAccount("e2e-aws-no-cfn");
  await expect(d.getByLabel("Region")).toContainText("us-east-1");
  await d.getByRole("textbox", { name: "Name", exact: true }).fill("e2e-managed");
  await expect(d.getByRole("textbox", { name: "Stack name" })).toHaveAttribute("placeholder", "lifeboat-e2e-managed");
  await expectAccessible(page, "provision on AWS, account and region");
  // Each step shown before the next Next: a click must not land on the step it leaves.
  const next = async (shown: Locator) => {
    await d.getByRole("button", { name: "Next" }).click();
    await expect(shown).toBeVisible();
  };
  const sseKms = d.getByRole("radio", { name: /^SSE-KMS/ });
  const byLifeboat = d.getByLabel("Lifeboat provisions it");
  const createStack = d.getByRole("button", { name: "Create stack" });
  await next(sseKms);
  await next(byLifeboat);
  await next(createStack);
  await createStack.click();
  const refusal = d.getByRole("alert").filter({ hasText: "lacks cloudformation:CreateStack" });
  await expect(refusal).toContainText("Nothing was created");
  await expect(d.getByTestId("iam-note")).toContainText(
    "Lifeboat needs cloudformation:CreateStack, DescribeStacks, DescribeStackEvents and the iam/s3/kms permissions CloudFormation uses on its behalf",
  );
  await expectAccessible(page, "provision on AWS, review with a refusal");

  // The admin account, with the values entered kept: SSE-KMS and versioning.
  for (let step = 0; step < 3; step++) await d.getByRole("button", { name: "Back" }).click();
  await expect(d.getByRole("textbox", { name: "Name", exact: true })).toHaveValue("e2e-managed");
  await chooseAccount("e2e-aws-account");
  await expect(refusal).toHaveCount(0);
  await next(sseKms);
  await sseKms.check();
  await d.getByLabel(/^Versioning/).check();
  await expect(d.getByLabel("Keep previous versions for (days)")).toHaveValue("30");
  await d.getByRole("radio", { name: "Compliance" }).check();
  await expect(d.getByTestId("compliance-warning")).toContainText("not even the account root");
  await expectAccessible(page, "provision on AWS, bucket");
  await d.getByRole("radio", { name: "Off", exact: true }).check();
  await next(byLifeboat);

  // "I run it in my account": the template to download (no secret in it) and the command that deploys it.
  await d.getByLabel("I run it in my account").check();
  await expect(d.getByLabel("Deploy command")).toHaveValue(
    /aws cloudformation deploy[\s\S]*--capabilities CAPABILITY_IAM/,
  );
  const download = page.waitForEvent("download");
  await d.getByRole("button", { name: "Download template (YAML)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.yaml$/);
  const template = fs.readFileSync((await file.path())!, "utf8");
  expect(template).toContain("LifeboatTemplateVersion");
  expect(template).toContain("AWS::KMS::Key");
  expect(template).not.toContain("SecretAccessKey");
  await expectAccessible(page, "provision on AWS, run it in my account");

  await byLifeboat.check();
  await next(createStack);
  await expect(d.getByRole("table", { name: "What will be created" })).toContainText("SSE-KMS");
  await createStack.click();
  await expect(d).toBeHidden();

  // The reconciler follows the stack to CREATE_COMPLETE, makes Velero's key, probes the bucket: the location exists.
  const card = page.getByTestId("location-card-e2e-managed");
  await expect(card).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("stack-card-e2e-managed")).toHaveCount(0);
  await expect(page.getByTestId("provisioned-by-e2e-managed")).toContainText(
    "Provisioned by Lifeboat · stack lifeboat-e2e-managed (us-east-1) · template v",
  );

  await card.getByRole("button", { name: "Assign" }).click();
  d = page.getByRole("dialog", { name: "Assign e2e-managed" });
  await d.getByLabel("Cluster group or cluster").click();
  await page.getByRole("option", { name: "Group prod" }).click();
  // One writer per place: sandbox-1 writes, the group's other clusters restore from it.
  await d.getByRole("checkbox", { name: "sandbox-1" }).check();
  await d.getByRole("button", { name: "Assign" }).click();
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-e2e-managed-${cluster}`)).toContainText("Available", { timeout: 30_000 });
  await expectAccessible(page, "target locations, with a managed one");

  // Journey step 4: a new Velero key through IAM, on both clusters, the old one retired; still Available.
  await card.getByRole("button", { name: "Rotate key of e2e-managed" }).click();
  d = page.getByRole("dialog", { name: "Rotate the Velero key of e2e-managed?" });
  await expectAccessible(page, "rotate a managed location's key");
  await d.getByRole("button", { name: "Rotate key" }).click();
  await expect(page.getByTestId("location-note")).toContainText("the old one was deactivated and deleted", {
    timeout: 60_000,
  });
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-e2e-managed-${cluster}`)).toContainText("Available", { timeout: 30_000 });

  // Its bucket, region and Velero key are the stack's: editing offers the prefix and read-only mode only.
  await card.getByRole("button", { name: "Edit e2e-managed" }).click();
  d = page.getByRole("dialog", { name: /e2e-managed/ });
  await expect(d.getByTestId("managed-edit-note")).toContainText("come from the stack lifeboat-e2e-managed");
  await expect(d.getByLabel("Region")).toHaveCount(0);
  await expect(d.getByLabel("Credential")).toHaveCount(0);
  await expectAccessible(page, "edit a managed location");
  await d.getByRole("button", { name: "Cancel" }).click();
  await expect(d).toBeHidden();

  // Journey step 2: a backup into the managed location lands in the stack's bucket (with the rotated key), read back with
  // the AWS SDK as the account's admin would.
  const bucket = /bucket (\S+)/.exec((await page.getByTestId("provisioned-by-e2e-managed").textContent()) ?? "")![1];
  const name = await backUpNamespaceTo(page, { cluster: "sandbox-1", namespace: "guestbook", location: "e2e-managed" });
  const s3 = new S3Client({ region: aws.region, endpoint: aws.endpoint, forcePathStyle: true, credentials: aws.admin });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `backups/${name}/` }));
  expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(
    expect.arrayContaining([`backups/${name}/velero-backup.json`, `backups/${name}/${name}.tar.gz`]),
  );

  // Journey step 5: a viewer sees where the managed location came from, and nothing that changes it.
  await signOut(page);
  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Target locations" }).click();
  await expect(page.getByTestId("provisioned-by-e2e-managed")).toContainText(
    "Provisioned by Lifeboat · stack lifeboat-e2e-managed (us-east-1)",
  );
  const viewed = page.getByTestId("location-card-e2e-managed");
  for (const control of ["Rotate key of e2e-managed", "Assign", "Edit e2e-managed", "Delete"])
    await expect(viewed.getByRole("button", { name: control })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Provision on AWS" })).toHaveCount(0);
});

test("an admin deletes the managed location (its bucket is kept), then empties and deletes the bucket after typing its name", async ({
  page,
}) => {
  const { aws, awsReason } = sandboxAws();
  if (!aws) return test.skip(true, "moto is not installed: " + awsReason);
  test.setTimeout(120_000);
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Target locations" }).click();
  const bucket = /bucket (\S+)/.exec((await page.getByTestId("provisioned-by-e2e-managed").textContent()) ?? "")![1];
  const card = page.getByTestId("location-card-e2e-managed");

  // A stack name already in use is refused in the wizard, and nothing is left behind.
  await page.getByRole("button", { name: "Provision on AWS" }).click();
  let d = page.getByRole("dialog", { name: "Provision a target location on AWS" });
  await d.getByLabel("AWS account credential").click();
  await page.getByRole("option", { name: /^e2e-aws-account \(Account 123456789012/ }).click();
  await d.getByRole("textbox", { name: "Name", exact: true }).fill("e2e-dup");
  await d.getByRole("textbox", { name: "Stack name" }).fill("lifeboat-e2e-managed");
  for (const shown of [
    d.getByRole("radio", { name: /^SSE-KMS/ }),
    d.getByLabel("Lifeboat provisions it"),
    d.getByRole("button", { name: "Create stack" }),
  ]) {
    await d.getByRole("button", { name: "Next" }).click();
    await expect(shown).toBeVisible();
  }
  await d.getByRole("button", { name: "Create stack" }).click();
  await expect(d.getByText(/A stack named lifeboat-e2e-managed already exists in us-east-1/).first()).toBeVisible();
  await d.getByRole("button", { name: "Cancel" }).click();
  await expect(d).toBeHidden();
  await expect(page.getByTestId("stack-card-e2e-dup")).toHaveCount(0);

  // The assignment's chip, removed from the keyboard (Delete), as MUI's deletable chips allow.
  await card.getByRole("button", { name: "group prod" }).press("Delete");
  await page
    .getByRole("dialog", { name: /^Unassign e2e-managed from/ })
    .getByRole("button", { name: "Unassign" })
    .click();
  await expect(card.getByRole("button", { name: "group prod" })).toHaveCount(0);
  await card.getByRole("button", { name: "Delete" }).click();
  d = page.getByRole("dialog", { name: "Delete e2e-managed?" });
  await expect(d).toContainText("The bucket and the backups in it are kept");
  await d.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId("location-note")).toContainText(`the bucket ${bucket} and the backups in it`);

  // The kept bucket is listed; emptying it says how many backups it destroys and wants the bucket's name typed.
  const kept = page.getByTestId("kept-bucket-e2e-managed");
  await expect(kept).toContainText(bucket);
  await expect(page.getByTestId("kept-bucket-phase-e2e-managed")).toHaveText("Kept");
  await kept.getByRole("button", { name: "Empty and delete the bucket of e2e-managed" }).click();
  d = page.getByRole("dialog", { name: `Empty and delete the bucket ${bucket}?` });
  await expect(d.getByTestId("empty-bucket-summary")).toContainText("1 Velero backup ");
  await expectAccessible(page, "empty and delete a kept bucket");
  await d.getByLabel("Type the bucket's name to confirm").fill("not-the-bucket");
  await d.getByRole("button", { name: "Empty and delete bucket" }).click();
  await expect(d.getByText(`Type ${bucket} exactly`)).toBeVisible();
  await d.getByLabel("Type the bucket's name to confirm").fill(bucket);
  await d.getByRole("button", { name: "Empty and delete bucket" }).click();
  await expect(d).toBeHidden();
  // The reconciler empties it page by page, then deletes it; the card goes when the bucket is gone.
  await expect(kept).toHaveCount(0, { timeout: 60_000 });
  const s3 = new S3Client({ region: aws.region, endpoint: aws.endpoint, forcePathStyle: true, credentials: aws.admin });
  await expect(s3.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toMatchObject({ name: "NoSuchBucket" });
});
