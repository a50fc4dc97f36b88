import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Page } from "@playwright/test";
import { ADMIN, VIEWER, expect, rawMutation, signIn, signOut, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { backUpNamespaceTo, chooseWriters } from "./backups";

// Issue #12: enabling data protection on a cluster without Velero (sandbox-3). Runs after 05-clusters and
// 05-locations: the group prod holds the target location e2e-backups, which sandbox-3 gets when it joins prod.

/** sandbox-3's admin: the platform engineer who applies Lifeboat's onboarding manifest. */
const ADMIN_KUBECONFIG = path.resolve(".data/e2e/sandbox/sandbox-3.kubeconfig");
const kubectl = (args: string[], input?: string) =>
  execFileSync(process.env.KUBECTL ?? "kubectl", ["--kubeconfig", ADMIN_KUBECONFIG, ...args], {
    encoding: "utf8",
    input,
  });

/** velero.install's settings, as a hand-made request sends them. */
const SETTINGS = {
  version: "v1.17.0",
  registry: null,
  fsBackup: { enabled: true, default: "optIn" },
  csi: { enabled: true, moveDataByDefault: false },
  privilegedNodeAgent: false,
  resources: {
    velero: { cpuRequest: "500m", memRequest: "128Mi", cpuLimit: "1", memLimit: "512Mi" },
    nodeAgent: { cpuRequest: "0", memRequest: "0", cpuLimit: "0", memLimit: "0" },
  },
  nodeAgent: { nodeSelector: {}, tolerations: [] },
};

async function enable(page: Page, o: { registry?: string }) {
  const section = page.getByRole("region", { name: "Data protection" });
  await section.getByRole("button", { name: "Enable data protection" }).click();
  const d = page.getByRole("dialog", { name: "Enable data protection on sandbox-3" });
  await d.getByLabel("Velero version").click();
  await page.getByRole("option", { name: /^v1\.17\.0/ }).click();
  // sandbox-3 runs Kubernetes 1.32: supported by Velero 1.17, and in its tested list.
  await expect(d.getByTestId("precheck-kubernetes")).toContainText("Velero 1.17 was tested on Kubernetes 1.32.3");
  // The cluster's pre-checks, read live before anything is written.
  await expect(d.getByTestId("precheck-access")).toHaveAttribute("data-status", "pass");
  await expect(d.getByTestId("precheck-pod-security")).toHaveAttribute("data-status", "pass");
  await d.getByLabel(/Only the volumes a pod names/).check();
  if (o.registry) await d.getByLabel("Image registry").fill(o.registry);
  return d;
}

test("an admin enables data protection on a cluster without Velero: the installer's render reviewed, applied, rolled out, and the group's location becomes Available there", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByRole("button", { name: "Attach cluster" }).click();
  const attach = page.getByRole("dialog", { name: "Attach a cluster" });
  // The platform engineer applies the "manage Velero" onboarding manifest as the cluster's admin and runs the command
  // that prints Lifeboat's kubeconfig, exactly as the dialog shows them.
  await attach.getByRole("tab", { name: "Onboarding manifest" }).click();
  await attach.getByTestId("onboarding-level-manage").check();
  await expect(attach.getByTestId("manage-adds")).toContainText("cluster-admin");
  await expect(attach.getByTestId("onboarding-manifest")).toHaveValue(/lifeboat-velero-manager/);
  await expectAccessible(page, "onboarding manifest, manage Velero");
  const manifest = await attach.getByTestId("onboarding-manifest").inputValue();
  const command = await attach.getByLabel("Command that prints the kubeconfig").inputValue();
  kubectl(["apply", "-f", "-"], manifest);
  const kubeconfig = execFileSync("bash", ["-c", command], {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: ADMIN_KUBECONFIG },
  });
  await attach.getByRole("tab", { name: "Kubeconfig" }).click();
  await attach.getByLabel("Kubeconfig").fill(kubeconfig);
  await attach.getByRole("button", { name: "Check connection" }).click();
  await expect(attach.getByTestId("attach-preview")).toBeVisible();
  await attach.getByLabel("Name").fill("sandbox-3");
  await attach.getByLabel("Cluster group").click();
  await page.getByRole("option", { name: "prod", exact: true }).click();
  await attach.getByRole("button", { name: "Attach cluster" }).click();
  await expect(page.getByTestId("cluster-row-sandbox-3")).toContainText("Connected");
  await page.getByRole("link", { name: "sandbox-3" }).click();

  const section = page.getByRole("region", { name: "Data protection" });
  await expect(section.getByTestId("velero-management")).toHaveText("Not protected");
  await expect(section.getByTestId("velero-access")).toContainText("manage Velero");
  await expectAccessible(page, "cluster without Velero, data protection off");

  // Bad input: a registry the cluster cannot reach. The installer's pod never starts; nothing is applied.
  let d = await enable(page, { registry: "registry.unreachable.example" });
  await expectAccessible(page, "enable data protection");
  await d.getByRole("button", { name: "Run Velero's installer" }).click();
  await expect(d).toHaveCount(0);
  await expect(section.getByTestId("velero-operation-message")).toContainText(
    "The cluster could not pull registry.unreachable.example/velero/velero:v1.17.0",
    { timeout: 30_000 },
  );
  await expect(section.getByTestId("velero-operation-message")).toContainText("Nothing was applied.");
  // (The manage manifest made the namespace velero, for its Role; the installer's objects are not there.)
  expect(() => kubectl(["get", "crd", "backups.velero.io"])).toThrow(/not found/);
  expect(kubectl(["get", "deploy,ds", "-n", "velero", "-o", "name"]).trim()).toBe("");

  // Bad input: a version Lifeboat does not install, sent by hand.
  const clusterId = new URL(page.url()).pathname.split("/").pop()!;
  const refused = await rawMutation(page, "velero.install", {
    clusterId,
    settings: { ...SETTINGS, version: "v9.9.9" },
  });
  expect(refused.status).toBe(400);
  expect(JSON.stringify(refused.body)).toContain("Lifeboat installs v1.18.1 or v1.17.0");

  // The real thing: Docker Hub's images.
  d = await enable(page, {});
  await d.getByRole("button", { name: "Run Velero's installer" }).click();
  await expect(section.getByTestId("velero-operation-message")).toContainText("review and apply them", {
    timeout: 30_000,
  });
  await section.getByRole("button", { name: "Review and apply" }).click();
  const review = page.getByRole("dialog", { name: "Review what Velero's installer rendered" });
  const objects = review.getByTestId("rendered-objects").getByRole("button");
  await expect(objects).toHaveCount(18);
  await review.getByRole("button", { name: "Deployment velero/velero" }).click();
  await expect(review.getByLabel("Deployment velero/velero")).toHaveValue(/image: velero\/velero:v1\.17\.0/);
  await expect(review.getByLabel("Deployment velero/velero")).toHaveValue(/velero\/velero-plugin-for-aws:v1\.13\.0/);
  await expectAccessible(page, "review of the rendered manifests");
  await review.getByRole("button", { name: "Apply 18 objects" }).click();
  await expect(review).toHaveCount(0);
  await expect(section.getByTestId("velero-management")).toHaveText("Protected · Velero v1.17.0", { timeout: 60_000 });
  await expect(section.getByTestId("velero-settings")).toContainText("annotated volumes (opt-in); CSI snapshots");
  await expectAccessible(page, "cluster protected by Lifeboat's Velero");
  // What Lifeboat applied is what kubectl sees.
  expect(kubectl(["get", "deploy,ds", "-n", "velero", "-o", "name"]).trim().split("\n")).toEqual([
    "deployment.apps/velero",
    "daemonset.apps/node-agent",
  ]);
  // The group's location is applied at once, and Velero validates it.
  await expect(page.getByRole("table", { name: "Cluster details" })).toContainText("e2e-backups: Available", {
    timeout: 30_000,
  });

  // sandbox-3 joined prod read-only: it sees e2e-backups but does not write there (#14 §3).
  await expect(page.getByRole("table", { name: "Cluster details" })).toContainText(
    "e2e-backups: Available · read-only",
  );
  // One writer per bucket and prefix: adding sandbox-3 beside sandbox-1 is refused, naming both; sandbox-3 alone is not.
  await page.goto("/data-protection/locations");
  await page.getByRole("button", { name: /^Choose the writers of e2e-backups in group prod:/ }).click();
  const writers = page.getByRole("dialog", { name: "Writers of e2e-backups in group prod" });
  await expect(writers.getByRole("checkbox", { name: "sandbox-1" })).toBeChecked();
  await writers.getByRole("checkbox", { name: "sandbox-3" }).check();
  await writers.getByRole("button", { name: "Save" }).click();
  await expect(writers.getByRole("alert")).toContainText(
    "sandbox-1 (through e2e-backups) and sandbox-3 (through e2e-backups) would both write backups to s3://lifeboat-backups/e2e",
  );
  await expectAccessible(page, "writers dialog, a second writer refused");
  await writers.getByRole("button", { name: "Cancel" }).click();
  await chooseWriters(page, { location: "e2e-backups", group: "prod", writers: ["sandbox-3"] });
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-1")).toContainText("read-only", { timeout: 20_000 });

  // A backup on the new Velero: file-system backup (web-cache's pod opts its volume in) and a CSI snapshot
  // (payments' claim is on csi-standard), each volume said in the backup's detail from Velero's volume info.
  const name = await backUpNamespaceTo(page, {
    cluster: "sandbox-3",
    namespace: "web-cache, payments",
    location: "e2e-backups",
  });
  await page.getByTestId(`backup-row-sandbox-3-${name}`).getByRole("link", { name }).click();
  const volumes = page.getByRole("table", { name: "Volumes" });
  // (Velero's volume info is fetched through a DownloadRequest once the backup is shown.)
  await expect(volumes.getByRole("row", { name: /payments\/payments-data/ })).toContainText("CSI snapshot (local)", {
    timeout: 30_000,
  });
  await expect(volumes.getByRole("row", { name: /web-cache\/web-cache-\S+ volume cache/ })).toContainText(
    "File-system backup (kopia)",
  );
});

test("a viewer sees the cluster's data protection, read-only", async ({ page }) => {
  await signIn(page, VIEWER);
  // (By the clusters list's row: the overview, still shown while Clusters loads, links sandbox-3 to its backups.)
  const section = await sandbox3(page);
  await expect(section.getByTestId("velero-management")).toHaveText("Protected · Velero v1.17.0");
  await expect(section.getByTestId("velero-settings")).toContainText("opt-in");
  await expect(section.getByRole("button")).toHaveCount(0);
  const clusterId = new URL(page.url()).pathname.split("/").pop()!;
  const refused = await rawMutation(page, "velero.install", { clusterId, settings: SETTINGS });
  expect(refused.status).toBe(403);
  // The fleet's versions, read-only: sandbox-3's Velero and its newer release, with no upgrade to start.
  await page.goto("/data-protection");
  const row = page.getByTestId("versions-row-sandbox-3");
  await expect(row.getByTestId("versions-management")).toHaveText("Managed by Lifeboat");
  await expect(row).toContainText("v1.17.0");
  await expect(row.getByTestId("versions-upgrade")).toHaveText("Upgrade available: v1.18.1");
  await expect(row.getByRole("link", { name: "Upgrade Velero on sandbox-3" })).toHaveCount(0);
  await expectAccessible(page, "Velero versions, a viewer");
  await signOut(page);
});

/** The cluster's Data protection section, on sandbox-3's page. */
async function sandbox3(page: Page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-3").getByRole("link", { name: "sandbox-3", exact: true }).click();
  return page.getByRole("region", { name: "Data protection" });
}

/** Opens the backup wizard on sandbox-3's Volumes step. */
async function volumesStep(page: Page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  await page.getByRole("button", { name: "Back up now" }).click();
  const d = page.getByRole("dialog", { name: "Back up now" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: /sandbox-3/ }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("The whole cluster").check();
  await d.getByRole("button", { name: "Next" }).click();
  return d;
}

test("an admin switches the cluster to opt-out, upgrades it, and disables it keeping its backups, which restore on another cluster", async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signIn(page, ADMIN);
  let section = await sandbox3(page);

  // Drift, checked when the section opens: a hand edit of the velero Deployment shows, and is put back.
  let drift = section.getByTestId("velero-drift-result");
  await expect(drift).toContainText("Velero's objects match what Lifeboat applied", { timeout: 30_000 });
  kubectl(["label", "deploy", "velero", "-n", "velero", "component=edited-by-hand", "--overwrite"]);
  section = await sandbox3(page);
  drift = section.getByTestId("velero-drift-result");
  await expect(drift).toContainText("differ from what Lifeboat applied", { timeout: 30_000 });
  await expect(drift).toContainText("Deployment velero/velero");
  await expectAccessible(page, "drift shown");
  await drift.getByRole("button", { name: "Put it back" }).click();
  await page
    .getByRole("dialog", { name: "Put back what Lifeboat applied?" })
    .getByRole("button", { name: "Put it back" })
    .click();
  await expect(section.getByTestId("velero-last-operation")).toContainText("Putting back what Lifeboat applied", {
    timeout: 60_000,
  });
  expect(kubectl(["get", "deploy", "velero", "-n", "velero", "-o", "jsonpath={.metadata.labels.component}"])).toBe(
    "velero",
  );
  // Checked again when the section shows the settings once more.
  await section.getByRole("button", { name: "Check again" }).click();
  await expect(drift).toContainText("Velero's objects match what Lifeboat applied", { timeout: 30_000 });

  // The backup wizard follows the cluster's settings: opt-in now.
  let wizard = await volumesStep(page);
  await expect(wizard.getByTestId("backup-fs-backup-default")).toHaveText(
    "This cluster's Velero backs up only the pod volumes that opt in by default (opt-in)",
  );
  await wizard.getByRole("button", { name: "Cancel" }).click();

  // Settings: file-system backup of every volume (opt-out). Rendered again, reviewed as a diff, rolled out.
  section = await sandbox3(page);
  await section.getByRole("button", { name: "Change settings" }).click();
  let d = page.getByRole("dialog", { name: "Change Velero's settings on sandbox-3" });
  await d.getByLabel(/^Every pod volume, except those a pod excludes/).check();
  await expectAccessible(page, "change Velero's settings");
  await d.getByRole("button", { name: "Preview changes" }).click();
  await expect(section.getByTestId("velero-operation-message")).toContainText(
    "1 of Velero's objects change: review and apply them",
    { timeout: 30_000 },
  );
  await section.getByRole("button", { name: "Review and apply" }).click();
  let review = page.getByRole("dialog", { name: "Review the settings change" });
  await expect(review.getByTestId("velero-diff-Deployment-velero")).toContainText(
    "--default-volumes-to-fs-backup=true",
  );
  await expectAccessible(page, "review of a settings change");
  await review.getByRole("button", { name: "Apply changes" }).click();
  await expect(review).toHaveCount(0);
  await expect(section.getByTestId("velero-settings")).toContainText("of every volume (opt-out)", { timeout: 60_000 });
  expect(
    kubectl(["get", "deploy", "velero", "-n", "velero", "-o", "jsonpath={.spec.template.spec.containers[0].args}"]),
  ).toContain("--default-volumes-to-fs-backup=true");
  // ... and the wizard's volume options with them.
  wizard = await volumesStep(page);
  await expect(wizard.getByTestId("backup-fs-backup-default")).toHaveText(
    "This cluster's Velero backs up every pod volume by default (opt-out)",
    { timeout: 30_000 },
  );
  await expect(wizard.getByTestId("backup-fs-backup")).toContainText("Every pod volume, except those opted out");
  await wizard.getByRole("button", { name: "Cancel" }).click();

  // Upgrade to the newest release: CRDs first, then the workloads.
  section = await sandbox3(page);
  await expect(section.getByTestId("velero-upgrade-available")).toHaveText("Velero v1.18.1 is available.");
  // Started from the fleet's versions page: it opens the cluster's upgrade, and follows its progress.
  await page.goto("/data-protection");
  const versionsRow = page.getByTestId("versions-row-sandbox-3");
  await expect(versionsRow.getByTestId("versions-upgrade")).toHaveText("Upgrade available: v1.18.1");
  await expect(page.getByRole("region", { name: "A whole cluster group" })).toContainText("prod");
  await versionsRow.getByRole("link", { name: "Upgrade Velero on sandbox-3" }).click();
  d = page.getByRole("dialog", { name: "Upgrade Velero on sandbox-3" });
  await d.getByRole("button", { name: "Preview upgrade to v1.18.1" }).click();
  await expect(section.getByTestId("velero-operation-message")).toContainText("review and apply them", {
    timeout: 30_000,
  });
  // The versions page follows the operation (waiting for its review now), with no second upgrade offered meanwhile.
  await page.goto("/data-protection");
  await expect(versionsRow.getByTestId("versions-operation")).toContainText("Upgrade to Velero v1.18.1");
  await expect(versionsRow.getByRole("link", { name: "Upgrade Velero on sandbox-3" })).toHaveCount(0);
  await expectAccessible(page, "Velero versions, an upgrade under way");
  section = await sandbox3(page);
  await section.getByRole("button", { name: "Review and apply" }).click();
  review = page.getByRole("dialog", { name: "Review the upgrade to Velero v1.18.1" });
  await expect(review.getByTestId("velero-diff-Deployment-velero")).toContainText("velero/velero:v1.18.1");
  await review.getByRole("button", { name: "Upgrade", exact: true }).click();
  await expect(section.getByTestId("velero-management")).toHaveText("Protected · Velero v1.18.1", { timeout: 90_000 });
  expect(
    kubectl(["get", "deploy,ds", "-n", "velero", "-o", "jsonpath={.items[*].spec.template.spec.containers[0].image}"]),
  ).toBe("velero/velero:v1.18.1 velero/velero:v1.18.1");
  await expectAccessible(page, "cluster upgraded");

  // A backup before it goes, for the restore on another cluster.
  const backup = await backUpNamespaceTo(page, {
    cluster: "sandbox-3",
    namespace: "web-cache",
    location: "e2e-backups",
  });

  // Disable, keeping the backups: the typed name guards it.
  section = await sandbox3(page);
  await section.getByRole("button", { name: "Disable data protection" }).click();
  d = page.getByRole("dialog", { name: "Disable data protection on sandbox-3" });
  await expect(d.getByLabel("Keep them: they stay in storage and can be restored into another cluster")).toBeChecked();
  const confirm = d.getByRole("button", { name: "Disable data protection" });
  await d.getByLabel("Cluster name").fill("sandbox-2");
  await expect(confirm).toBeDisabled();
  await d.getByLabel("Cluster name").fill("sandbox-3");
  await expectAccessible(page, "disable data protection");
  await confirm.click();
  await expect(section.getByTestId("velero-management")).toHaveText("Data protection off", { timeout: 60_000 });
  await expect(section.getByTestId("velero-last-operation")).toContainText(
    "Velero was removed from the cluster; its backups stay in storage, restorable into another cluster",
  );
  expect(kubectl(["get", "deploy,ds", "-n", "velero", "-o", "name"]).trim()).toBe("");
  expect(kubectl(["get", "backupstoragelocations", "-n", "velero", "-o", "name"]).trim()).toBe("");
  expect(kubectl(["get", "secrets", "-n", "velero", "-o", "name"])).not.toContain("lifeboat-e2e-backups-credentials");
  expect(kubectl(["get", "crd", "backups.velero.io", "-o", "name"]).trim()).toBe(
    "customresourcedefinition.apiextensions.k8s.io/backups.velero.io",
  );

  // Its backup, kept in e2e-backups, reaches sandbox-1 by Velero's backup sync and restores there.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  await expect(page.getByTestId(`backup-row-sandbox-1-${backup}`)).toBeVisible({ timeout: 120_000 });
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Restores" }).click();
  await page.getByRole("button", { name: "Restore from backup" }).click();
  const r = page.getByRole("dialog", { name: "Restore from a backup" });
  await r.getByLabel("Restore into cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await r.getByLabel("Backup").click();
  await page.getByRole("option", { name: new RegExp(`^${backup}`) }).click();
  await r.getByRole("button", { name: "Next" }).click();
  await r.getByRole("button", { name: "Next" }).click();
  await r.getByRole("button", { name: "Add namespace mapping" }).click();
  await r.getByLabel("Namespace in the backup").fill("web-cache");
  await r.getByLabel("Restore into namespace").fill("web-cache-from-3");
  await r.getByRole("button", { name: "Next" }).click();
  await r.getByRole("button", { name: "Next" }).click();
  const manifest = r.getByLabel("Restore manifest");
  await expect(manifest).toHaveValue(/web-cache: web-cache-from-3/);
  const restore = /\n {2}name: (sandbox-1-[a-z0-9-]+)/.exec(await manifest.inputValue())![1];
  await r.getByRole("button", { name: "Create restore" }).click();
  const row = page.getByTestId(`restore-row-sandbox-1-${restore}`);
  await expect(row.getByTestId("restore-phase")).toHaveText("Completed", { timeout: 30_000 });
  await expect(row).toContainText("web-cache → web-cache-from-3");
  // sandbox-1 writes to e2e-backups again, as the later specs expect.
  await chooseWriters(page, { location: "e2e-backups", group: "prod", writers: ["sandbox-1"] });

  // Bad input: the cluster's admin takes "manage Velero" back, leaving "operate". Enabling is refused, with the way back.
  kubectl(["delete", "clusterrolebinding", "lifeboat-velero-manager"]);
  section = await sandbox3(page);
  await page.getByRole("button", { name: "Check now" }).click();
  await expect(section.getByTestId("velero-access")).toContainText("operate", { timeout: 30_000 });
  await expect(section.getByTestId("velero-needs-manage")).toContainText('needs the "manage Velero" access level');
  await expect(section.getByRole("button", { name: "Enable data protection" })).toBeDisabled();
  const clusterId = new URL(page.url()).pathname.split("/").pop()!;
  const refused = await rawMutation(page, "velero.install", { clusterId, settings: SETTINGS });
  expect(refused.status).toBe(412);
  expect(JSON.stringify(refused.body)).toContain('Apply the \\"manage Velero\\" onboarding manifest');
});
