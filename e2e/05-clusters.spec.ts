import fs from "node:fs";
import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import { ADMIN, VIEWER, sandboxKubeconfig, signIn, signOut, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { kubectl } from "../sandbox/testing/kubectl";
import { SANDBOX_PORT } from "../playwright.config";

test("an admin attaches two sandbox clusters by kubeconfig, checked live; a bad kubeconfig is explained in place", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await expect(page.getByText("No clusters attached", { exact: true })).toBeVisible();
  await expectAccessible(page, "clusters, none attached");
  await page.getByRole("button", { name: "Attach cluster" }).click();
  const dialog = page.getByRole("dialog", { name: "Attach a cluster" });

  // A kubeconfig with a credential plugin is refused with the reason, and the text stays.
  const bad = `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:${SANDBOX_PORT}'}}]\nusers: [{name: u, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;
  await dialog.getByLabel("Kubeconfig").fill(bad);
  await dialog.getByRole("button", { name: "Check connection" }).click();
  await expect(dialog.getByRole("alert")).toContainText("credential plugins");
  await expect(dialog.getByLabel("Kubeconfig")).toHaveValue(bad);
  await expectAccessible(page, "attach dialog, with a refused kubeconfig");

  for (const [name, group] of [
    ["sandbox-1", "prod"],
    ["sandbox-2", "prod"],
  ] as const) {
    if (name === "sandbox-2") {
      await page.getByRole("button", { name: "Attach cluster" }).click();
    }
    await dialog.getByLabel("Kubeconfig").fill(sandboxKubeconfig(name));
    await dialog.getByRole("button", { name: "Check connection" }).click();
    await expect(dialog.getByTestId("attach-preview")).toContainText("Velero v1.18.1");
    await expect(dialog.getByLabel("Name")).toHaveValue(name);
    if (name === "sandbox-1") await expectAccessible(page, "attach dialog, connection checked");
    await dialog.getByLabel("Cluster group").click();
    await page.getByRole("option", { name: group, exact: true }).click();
    await dialog.getByRole("button", { name: "Attach cluster" }).click();
    await expect(page.getByTestId(`cluster-row-${name}`)).toContainText("Connected");
  }
  await expect(page.getByTestId("cluster-row-sandbox-1")).toContainText("File-system backup");
  await expectAccessible(page, "clusters, two attached");

  await page.getByRole("link", { name: "sandbox-2" }).click();
  await expect(page.getByRole("heading", { name: "sandbox-2" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Cluster details" })).toContainText("velero.io/aws (ObjectStore)");
  // Velero's compatibility matrix: sandbox-2 runs Kubernetes 1.30, supported by Velero 1.18 but not in its tested list.
  await expect(page.getByTestId("velero-compatibility")).toContainText(
    "Velero 1.18 supports Kubernetes 1.18 and later; 1.30 is not among the versions it was tested on",
  );
  await expectAccessible(page, "cluster detail");
});

test("a viewer of the group sees the attached clusters, read-only", async ({ page }) => {
  // The rbac journey left the viewer disabled; an admin enables them again first.
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: `Actions for ${VIEWER.email}` }).click();
  await page.getByRole("menuitem", { name: "Enable" }).click();
  await expect(page.getByTestId(`user-row-${VIEWER.email}`).getByText("Active")).toBeVisible();
  await signOut(page);

  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await expect(page.getByTestId("cluster-row-sandbox-1")).toBeVisible();
  await expect(page.getByRole("button", { name: "Attach cluster" })).toHaveCount(0);
  await page.getByRole("link", { name: "sandbox-1" }).click();
  await expect(page.getByRole("heading", { name: "sandbox-1" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Detach" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Check now" })).toHaveCount(0);
});

test("an admin creates a credential and a target location, assigns it to the group, and each cluster reports it Available", async ({
  page,
}) => {
  const s3 = JSON.parse(fs.readFileSync(path.resolve(".data/e2e/sandbox/sandbox.json"), "utf8")).s3 as {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
  };
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("button", { name: "Create credential" }).click();
  let d = page.getByRole("dialog", { name: "Create a credential" });
  await expect(d).toBeVisible();
  await expectAccessible(page, "create credential dialog");
  await d.getByLabel("Name").fill("sandbox-s3");
  await d.getByLabel("Access key id").fill(s3.accessKeyId);
  await d.getByLabel("Secret access key").fill(s3.secretAccessKey);
  await d.getByRole("button", { name: "Create" }).click();
  await expect(page.getByTestId("credential-row-sandbox-s3")).toBeVisible();
  await expect(page.getByTestId("credential-row-sandbox-s3")).not.toContainText(s3.secretAccessKey);
  await expectAccessible(page, "credentials");

  await page.getByRole("link", { name: "Target locations" }).click();
  await page.getByRole("button", { name: "Create target location" }).click();
  d = page.getByRole("dialog", { name: "Create a target location" });
  await fillS3Location(page, d, {
    name: "e2e-backups",
    bucket: "no-such-bucket",
    prefix: "e2e",
    endpoint: s3.endpoint,
  });
  await d.getByRole("button", { name: "Check and create" }).click();
  await expect(d.getByRole("alert")).toContainText("NoSuchBucket");
  await expectAccessible(page, "create target location dialog, with a failed check");
  await d.getByRole("textbox", { name: "Bucket", exact: true }).fill("lifeboat-backups");
  await d.getByRole("button", { name: "Check and create" }).click();
  const card = page.getByTestId("location-card-e2e-backups");
  await expect(card).toBeVisible();

  await card.getByRole("button", { name: "Assign" }).click();
  d = page.getByRole("dialog", { name: "Assign e2e-backups" });
  await expect(d).toBeVisible();
  await expectAccessible(page, "assign location dialog");
  await d.getByLabel("Cluster group or cluster").click();
  await page.getByRole("option", { name: "Group prod" }).click();
  // One writer per bucket and prefix (#14 §3): sandbox-1 writes; sandbox-2 sees its backups and restores from them.
  await expect(d.getByRole("group", { name: "Clusters that write backups here" })).toContainText("sandbox-2");
  await d.getByRole("checkbox", { name: "sandbox-1" }).check();
  await expectAccessible(page, "assign location dialog, a writer chosen");
  await d.getByRole("button", { name: "Assign" }).click();
  // Velero's validation reaches the page by itself (sync engine → read model → polling), without "Refresh status".
  for (const cluster of ["sandbox-1", "sandbox-2"]) {
    await expect(page.getByTestId(`deployment-e2e-backups-${cluster}`)).toContainText("Available", { timeout: 20_000 });
  }
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-2")).toContainText("read-only");
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-1")).not.toContainText("read-only");
  await expect(card.getByTestId("assignment-e2e-backups-group-prod")).toContainText(
    "group prod (writes: sandbox-1; others read-only)",
  );
  await expectAccessible(page, "target locations, one assigned");

  // sandbox-2 writes to a prefix of its own, assigned to it alone.
  await page.getByRole("button", { name: "Create target location" }).click();
  d = page.getByRole("dialog", { name: "Create a target location" });
  await fillS3Location(page, d, {
    name: "e2e-sandbox-2",
    bucket: "lifeboat-backups",
    prefix: "e2e-2",
    endpoint: s3.endpoint,
  });
  await d.getByRole("button", { name: "Check and create" }).click();
  const own = page.getByTestId("location-card-e2e-sandbox-2");
  await own.getByRole("button", { name: "Assign" }).click();
  d = page.getByRole("dialog", { name: "Assign e2e-sandbox-2" });
  await d.getByLabel("Cluster group or cluster").click();
  await page.getByRole("option", { name: "Cluster sandbox-2" }).click();
  await d.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByTestId("deployment-e2e-sandbox-2-sandbox-2")).toContainText("Available", { timeout: 20_000 });

  // Attaching another cluster to prod would put these keys on it: the dialog says so before anything is saved. A
  // kubeconfig that skips TLS verification needs the explicit confirmation first (#9 §2, §3).
  const insecure = parseYaml(sandboxKubeconfig("sandbox-2"));
  delete insecure.clusters[0].cluster["certificate-authority-data"];
  insecure.clusters[0].cluster["insecure-skip-tls-verify"] = true;
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByRole("button", { name: "Attach cluster" }).click();
  d = page.getByRole("dialog", { name: "Attach a cluster" });
  await d.getByLabel("Kubeconfig").fill(stringifyYaml(insecure));
  await d.getByLabel("Cluster group").click();
  await page.getByRole("option", { name: "prod", exact: true }).click();
  const confirm = d.getByRole("checkbox", { name: /Connect without verifying the server's certificate/ });
  await expect(confirm).not.toBeChecked();
  await d.getByRole("button", { name: "Check connection" }).click();
  await expect(d.getByRole("alert").first()).toContainText("insecure-skip-tls-verify");
  await confirm.check();
  await d.getByRole("button", { name: "Check connection" }).click();
  await expect(d.getByTestId("attach-insecure")).toContainText("not verified");
  const keys = d.getByTestId("attach-keys");
  await expect(keys).toContainText("Attaching to prod writes these storage keys to the cluster");
  await expect(keys).toContainText("e2e-backups");
  await expect(keys).toContainText("lifeboat-backups/e2e");
  await expect(keys).toContainText("sandbox-s3");
  await expectAccessible(page, "attach dialog, keys and an unverified server");
  await d.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("cluster-row-sandbox-2")).toBeVisible();
});

test("an operator backs up one namespace by label selector through the wizard and watches it reach Completed without reloading", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Backups" }).click();
  // Changes are pushed (server-sent events): while this reads "connected" the page does not poll.
  await expect(page.getByRole("status", { name: "Live updates: connected" })).toBeVisible();
  await page.getByRole("button", { name: "Back up now" }).click();
  const d = page.getByRole("dialog", { name: "Back up now" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await expectAccessible(page, "backup wizard, cluster step");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Resources selected by labels").check();
  await d.getByLabel("Label selector").fill("app=payments-api");
  await expect(d.getByText("kube-system, velero, tkg-system, vmware-system-tmc are never backed up")).toBeVisible();
  await expectAccessible(page, "backup wizard, resources step");
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByRole("combobox", { name: "File-system backup (kopia)" })).toBeVisible();
  await expectAccessible(page, "backup wizard, volumes step");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Target location").click();
  await page.getByRole("option", { name: /e2e-backups/ }).click();
  await expectAccessible(page, "backup wizard, location step");
  await d.getByRole("button", { name: "Next" }).click();
  const manifest = d.getByLabel("Backup manifest");
  await expect(manifest).toHaveValue(/kind: Backup/);
  await expect(manifest).toHaveValue(/app: payments-api/);
  await expect(manifest).toHaveValue(/storageLocation: lifeboat-e2e-backups/);
  await expectAccessible(page, "backup wizard, review");
  const name = /name: (sandbox-1-[a-z0-9-]+)/.exec(await manifest.inputValue())![1];
  await d.getByRole("button", { name: "Create backup" }).click();
  const row = page.getByTestId(`backup-row-sandbox-1-${name}`);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row.getByTestId("backup-phase")).toHaveText("Completed", { timeout: 20_000 });
  // The detail: volumes from Velero's volume info, and the logs, both fetched through DownloadRequests.
  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByRole("table", { name: "Volumes" })).toContainText("payments/payments-data");
  await expect(page.getByRole("table", { name: "Volumes" })).toContainText("CSI snapshot (local)");
  await expectAccessible(page, "backup detail");
  await page.getByRole("button", { name: "View logs" }).click();
  await expect(page.getByTestId("backup-logs")).toContainText("Backed up a total of");
  await expectAccessible(page, "backup logs dialog");
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByRole("link", { name: "Backups" }).click();
  // Both clusters share the location, so Velero's backup sync shows the backup on the other cluster too.
  await expect(page.getByTestId(`backup-row-sandbox-2-${name}`).getByTestId("backup-phase")).toHaveText("Completed", {
    timeout: 20_000,
  });
  await expectAccessible(page, "backups, on both clusters");
});

test("the namespace is deleted with kubectl, and an operator restores it under another name through the wizard: its objects are back", async ({
  page,
}) => {
  const kubeconfig = path.resolve(".data/e2e/sandbox/sandbox-1.kubeconfig");
  const del = await kubectl(kubeconfig, ["delete", "namespace", "payments", "--wait=true"]);
  expect(del.code, del.err).toBe(0);
  expect((await kubectl(kubeconfig, ["get", "deployments", "-n", "payments", "-o", "name"])).out.trim()).toBe("");

  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Restores" }).click();
  await expect(page.getByText("No restores yet")).toBeVisible();
  await expectAccessible(page, "restores, none yet");
  await page.getByRole("button", { name: "Restore from backup" }).click();
  const d = page.getByRole("dialog", { name: "Restore from a backup" });
  await d.getByLabel("Restore into cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await d.getByLabel("Backup").click();
  await page
    .getByRole("option", { name: /^sandbox-1-.*Completed/ })
    .first()
    .click();
  await expectAccessible(page, "restore wizard, backup step");
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByLabel("The entire backup")).toBeChecked();
  await expectAccessible(page, "restore wizard, resources step");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Add namespace mapping" }).click();
  await d.getByLabel("Namespace in the backup").fill("payments");
  await d.getByLabel("Restore into namespace").fill("payments-restored");
  await expectAccessible(page, "restore wizard, namespace mapping step");
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByLabel("Restore volume data (snapshots, file-system backups, moved data)")).toBeChecked();
  await expectAccessible(page, "restore wizard, options step");
  await d.getByRole("button", { name: "Next" }).click();
  const manifest = d.getByLabel("Restore manifest");
  await expect(manifest).toHaveValue(/kind: Restore/);
  await expect(manifest).toHaveValue(/payments: payments-restored/);
  await expectAccessible(page, "restore wizard, review");
  const name = /\n {2}name: (sandbox-1-[a-z0-9-]+)/.exec(await manifest.inputValue())![1];
  await d.getByRole("button", { name: "Create restore" }).click();

  const row = page.getByTestId(`restore-row-sandbox-1-${name}`);
  await expect(row.getByTestId("restore-phase")).toHaveText("Completed", { timeout: 20_000 });
  await expect(row).toContainText("payments → payments-restored");
  await expectAccessible(page, "restores, one completed");
  const got = await kubectl(kubeconfig, [
    "get",
    "deployments,services,persistentvolumeclaims",
    "-n",
    "payments-restored",
    "-o",
    "name",
  ]);
  expect(got.out).toContain("deployment.apps/payments-api");
  expect(got.out).toContain("service/payments-api");
  expect(got.out).toContain("persistentvolumeclaim/payments-data");

  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByRole("table", { name: "Restore spec and status" })).toContainText(
    "payments → payments-restored",
  );
  await expectAccessible(page, "restore detail");
  await page.getByRole("button", { name: "View logs" }).click();
  await expect(page.getByTestId("restore-logs")).not.toBeEmpty();
  await expectAccessible(page, "restore logs dialog");
});

test("an operator schedules backups of one namespace: cron in words, next runs, the first backup, pause and resume", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Schedules" }).click();
  await expect(page.getByRole("button", { name: "New schedule" }).first()).toBeVisible();
  await expectAccessible(page, "schedules, none yet");
  await page.getByRole("button", { name: "New schedule" }).first().click();
  const d = page.getByRole("dialog", { name: "New schedule" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: /sandbox-2/ }).click();
  await d.getByLabel("Schedule name").fill("web-nightly");
  await expectAccessible(page, "schedule editor, cluster step");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill("web-cache");
  await expectAccessible(page, "schedule editor, resources step");
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByRole("combobox", { name: "File-system backup (kopia)" })).toBeVisible();
  await expectAccessible(page, "schedule editor, volumes step");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Target location").click();
  await page.getByRole("option", { name: /e2e-sandbox-2/ }).click();
  await expectAccessible(page, "schedule editor, location step");
  await d.getByRole("button", { name: "Next" }).click();
  const cron = d.getByLabel("Cron expression");
  await cron.fill("0 3 * * *");
  await expect(d.getByText("Every day at 03:00 UTC", { exact: true })).toBeVisible();
  await expect(d.locator("#cron-next-runs li")).toHaveCount(5);
  await expectAccessible(page, "schedule editor, cron step");
  await cron.fill("0 3 * *");
  await expect(d.getByRole("button", { name: "Next" })).toBeDisabled();
  await expectAccessible(page, "schedule editor, cron step with an invalid expression");
  await cron.fill("0 3 * * *");
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByLabel("Schedule manifest")).toHaveValue(/schedule: 0 3 \* \* \*/);
  await expectAccessible(page, "schedule editor, review");
  await d.getByRole("button", { name: "Create schedule" }).click();

  const row = page.getByTestId("schedule-row-sandbox-2-sandbox-2-web-nightly");
  await expect(row).toContainText("Every day at 03:00 UTC");
  // Velero backs up as soon as a schedule is created (unless told to skip); its outcome shows on the row.
  await expect(row.getByTestId("schedule-last-backup")).toHaveText("Completed", { timeout: 20_000 });
  await expectAccessible(page, "schedules, one with a completed backup");
  await row.getByRole("button", { name: "Pause sandbox-2-web-nightly" }).click();
  await expect(row.getByTestId("schedule-paused")).toBeVisible({ timeout: 10_000 });
  await expectAccessible(page, "schedules, one paused");
  await row.getByRole("button", { name: "Resume sandbox-2-web-nightly" }).click();
  // Resume asks first, saying when the next backup runs (#10 §2; 05-wizards looks at the dialog more closely).
  await page
    .getByRole("dialog", { name: "Resume schedule sandbox-2-web-nightly?" })
    .getByRole("button", { name: "Resume", exact: true })
    .click();
  await expect(row.getByTestId("schedule-paused")).toHaveCount(0, { timeout: 10_000 });
});

test("an operator deletes a backup after confirming, and watches it go; a backup's page opens the restore wizard on it", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Backups" }).click();
  const row = page.getByTestId(/^backup-row-sandbox-2-sandbox-2-web-nightly-/).first();
  await expect(row.getByTestId("backup-phase")).toHaveText("Completed");
  const name = (await row.getAttribute("data-testid"))!.replace("backup-row-sandbox-2-", "");
  await row.getByRole("button", { name: `Delete ${name}` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete backup ${name}?` });
  await expect(confirm).toContainText("This cannot be undone");
  await expectAccessible(page, "delete backup confirmation");
  await confirm.getByRole("button", { name: "Delete backup" }).click();
  await expect(page.getByTestId(`backup-row-sandbox-2-${name}`)).toHaveCount(0, { timeout: 20_000 });

  const kept = page
    .getByTestId(/^backup-row-sandbox-1-sandbox-1-/)
    .filter({ hasText: "Completed" })
    .first();
  const keptName = (await kept.getAttribute("data-testid"))!.replace("backup-row-sandbox-1-", "");
  await kept.getByRole("link", { name: keptName }).click();
  await expect(page.getByRole("heading", { name: keptName })).toBeVisible();
  await page.getByRole("link", { name: "Restore…" }).click();
  const wizard = page.getByRole("dialog", { name: "Restore from a backup" });
  await expect(wizard.getByRole("combobox", { name: "Restore into cluster" })).toContainText("sandbox-1");
  await expect(wizard.getByRole("combobox", { name: "Backup" })).toContainText(keptName);
  await expectAccessible(page, "restore wizard, opened from a backup");
  await wizard.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/restores$/);
});

test("a viewer sees backups, restores and schedules, read-only", async ({ page }) => {
  await signIn(page, VIEWER);
  // The Overview: sandbox-1 is protected by its own label-selected backup, live from the read model.
  await expect(page.getByTestId("fleet-row-sandbox-1").getByTestId("fleet-protection")).toHaveText(
    "Backed up in the last day",
  );
  await expectAccessible(page, "overview, two protected clusters");
  await page.getByRole("link", { name: "Backups" }).click();
  await expect(page.getByTestId("backup-phase").filter({ hasText: "Completed" }).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Back up now" })).toHaveCount(0);
  await page.getByRole("link", { name: "Restores" }).click();
  await expect(page.getByTestId("restore-phase").first()).toHaveText("Completed");
  await expect(page.getByRole("button", { name: "Restore from backup" })).toHaveCount(0);
  await page.getByRole("link", { name: "Target locations" }).click();
  await expect(page.getByText("e2e-backups").first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Create target location" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Refresh status" })).toHaveCount(0);
  await page.getByRole("link", { name: "Backups" }).click();
  const backup = page
    .getByTestId(/^backup-row-sandbox-1-sandbox-1-/)
    .filter({ hasText: "Completed" })
    .first();
  await expect(backup.getByRole("button", { name: /^Delete / })).toHaveCount(0);
  await backup.getByRole("link").click();
  await expect(page.getByRole("table", { name: "Volumes" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Restore…" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await page.getByRole("link", { name: "Schedules" }).click();
  await expect(page.getByTestId("schedule-row-sandbox-2-sandbox-2-web-nightly")).toBeVisible();
  await expect(page.getByRole("button", { name: "New schedule" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Pause sandbox-2-web-nightly" })).toHaveCount(0);

  // One cluster's backups, from its page.
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-1").getByRole("link", { name: "sandbox-1", exact: true }).click();
  await page.getByRole("main").getByRole("link", { name: "Backups" }).click();
  await expect(page.getByRole("heading", { name: "Backups of sandbox-1" })).toBeVisible();
  await expect(page.getByTestId("backup-phase").filter({ hasText: "Completed" }).first()).toBeVisible();
  await expectAccessible(page, "one cluster's backups");
});

/** Fills the create-location dialog for an S3-compatible location with the credential sandbox-s3 (us-east-1). */
async function fillS3Location(
  page: Page,
  d: Locator,
  o: { name: string; bucket: string; prefix: string; endpoint: string },
) {
  await d.getByRole("textbox", { name: "Name", exact: true }).fill(o.name);
  await d.getByRole("textbox", { name: "Bucket", exact: true }).fill(o.bucket);
  await d.getByRole("textbox", { name: "Prefix", exact: true }).fill(o.prefix);
  await d.getByRole("textbox", { name: "Region", exact: true }).fill("us-east-1");
  await d.getByLabel("Endpoint URL").fill(o.endpoint);
  await d.getByLabel("Credential").click();
  await page.getByRole("option", { name: /sandbox-s3/ }).click();
}
