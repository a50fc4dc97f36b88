import fs from "node:fs";
import path from "node:path";
import { ADMIN, sandboxKubeconfig, signIn, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// Editing what exists (#10 §4), on what 05-clusters made: sandbox-1 and sandbox-2 in group prod, the credential
// sandbox-s3 and the location e2e-backups assigned to prod. Everything changed here is put back before the test ends
// (the name, the labels, the group), so later specs find the journey's objects as 05-clusters left them.

test("an admin renames and relabels a cluster, and puts it back", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-1").getByRole("link", { name: "sandbox-1", exact: true }).click();
  await expect(page.getByRole("heading", { name: "sandbox-1" })).toBeVisible();
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  let d = page.getByRole("dialog", { name: "Edit sandbox-1" });
  await expect(d).toBeVisible();
  await expectAccessible(page, "edit cluster dialog");
  await d.getByLabel("Name").fill("sandbox-2");
  await d.getByRole("button", { name: "Save" }).click();
  await expect(d.getByRole("alert")).toContainText("A cluster named sandbox-2 is already attached");
  await d.getByLabel("Name").fill("sandbox-one");
  await d.getByLabel("Labels").fill("env=e2e, tier=gold");
  await d.getByRole("button", { name: "Save" }).click();
  await expect(d).toBeHidden();
  await expect(page.getByRole("heading", { name: "sandbox-one" })).toBeVisible();
  const details = page.getByRole("table", { name: "Cluster details" });
  await expect(details).toContainText("env=e2e");
  await expect(details).toContainText("tier=gold");

  await page.getByRole("button", { name: "Edit", exact: true }).click();
  d = page.getByRole("dialog", { name: "Edit sandbox-one" });
  await d.getByLabel("Name").fill("sandbox-1");
  await d.getByLabel("Labels").fill("");
  await d.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: "sandbox-1" })).toBeVisible();
  await expect(details).not.toContainText("env=e2e");
});

test("an admin moves a cluster to another group after seeing who loses access and which locations go, and moves it back", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-2").getByRole("link", { name: "sandbox-2", exact: true }).click();
  await expect(page.getByRole("heading", { name: "sandbox-2" })).toBeVisible();
  const details = page.getByRole("table", { name: "Cluster details" });

  for (const [from, to] of [
    ["prod", "dev"],
    ["dev", "prod"],
  ] as const) {
    await page.getByRole("button", { name: "Move", exact: true }).click();
    const d = page.getByRole("dialog", { name: "Move sandbox-2 to another group" });
    await expect(d).toBeVisible();
    await d.getByLabel("Move to group").click();
    await page.getByRole("option", { name: to, exact: true }).click();
    const preview = d.getByTestId("move-preview");
    await expect(preview).toContainText(`Access (${from} → ${to})`);
    // The team platform views prod (03-rbac); e2e-backups is assigned to prod (05-clusters).
    if (to === "dev") {
      await expect(preview).toContainText("team platform");
      await expect(preview).toContainText("loses access: VIEWER → no access");
      await expect(preview).toContainText("e2e-backups: removed");
      await expectAccessible(page, "move cluster dialog, with the preview");
    } else {
      await expect(preview).toContainText("gains access: no access → VIEWER");
      await expect(preview).toContainText("e2e-backups: added");
    }
    await d.getByRole("button", { name: "Move cluster" }).click();
    await expect(d).toBeHidden();
    await expect(details).toContainText(to);
  }

  // Back in prod, e2e-backups is on sandbox-2 again and Velero validates it.
  await page.getByRole("link", { name: "Target locations" }).click();
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-2")).toContainText("Available", { timeout: 20_000 });
});

test("an admin replaces a credential's keys: keys the store refuses change nothing; new keys reach the location", async ({
  page,
}) => {
  const s3 = JSON.parse(fs.readFileSync(path.resolve(".data/e2e/sandbox/sandbox.json"), "utf8")).s3 as {
    accessKeyId: string;
  };
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Credentials" }).click();
  const row = page.getByTestId("credential-row-sandbox-s3");
  await row.getByRole("button", { name: "Replace keys of sandbox-s3" }).click();
  const d = page.getByRole("dialog", { name: "Replace keys of sandbox-s3" });
  await expect(d).toBeVisible();
  await expect(d).toContainText("tried at e2e-backups, e2e-sandbox-2 first");
  await expectAccessible(page, "replace credential keys dialog");
  await d.getByLabel("New access key id").fill("NOT-AN-ACCOUNT");
  await d.getByLabel("New secret access key").fill("not-the-secret");
  await d.getByRole("button", { name: "Replace keys" }).click();
  await expect(d.getByRole("alert")).toContainText("refused at target location e2e-backups");
  await expect(d.getByRole("alert")).toContainText("Nothing was changed");
  await expectAccessible(page, "replace credential keys dialog, keys refused");

  // s3rver checks the access key id only: the same id with a new secret key is a rotation it accepts.
  await d.getByLabel("New access key id").fill(s3.accessKeyId);
  await d.getByLabel("New secret access key").fill(`rotated-${Date.now()}`);
  await d.getByRole("button", { name: "Replace keys" }).click();
  await expect(d).toBeHidden();
  await page.getByRole("link", { name: "Target locations" }).click();
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-e2e-backups-${cluster}`)).toContainText("Available", { timeout: 20_000 });
});

test("an admin edits a location: settings the store refuses change nothing; read-only reaches every cluster, and back to its writer", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Target locations" }).click();
  await page.getByRole("button", { name: "Edit e2e-backups" }).click();
  let d = page.getByRole("dialog", { name: "Edit e2e-backups" });
  await expect(d).toBeVisible();
  await expectAccessible(page, "edit location dialog");
  const endpoint = d.getByLabel("Endpoint URL");
  const before = await endpoint.inputValue();
  // Nothing listens on port 1: the changed endpoint is tried first, refused, and nothing is saved.
  await endpoint.fill("http://127.0.0.1:1");
  await d.getByRole("button", { name: "Check and save" }).click();
  await expect(d.getByRole("alert")).toBeVisible({ timeout: 20_000 });
  await expectAccessible(page, "edit location dialog, endpoint refused");
  await d.getByRole("button", { name: "Cancel" }).click();
  await expect(d).toBeHidden();

  await page.getByRole("button", { name: "Edit e2e-backups" }).click();
  d = page.getByRole("dialog", { name: "Edit e2e-backups" });
  await expect(d.getByLabel("Endpoint URL")).toHaveValue(before);
  await d.getByLabel("Read-only on every assigned cluster (no new backups)").check();
  await d.getByRole("button", { name: "Check and save" }).click();
  await expect(d).toBeHidden({ timeout: 20_000 });
  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`deployment-e2e-backups-${cluster}`)).toContainText("read-only", { timeout: 20_000 });

  await page.getByRole("button", { name: "Edit e2e-backups" }).click();
  d = page.getByRole("dialog", { name: "Edit e2e-backups" });
  await d.getByLabel("Read-only on every assigned cluster (no new backups)").uncheck();
  await d.getByRole("button", { name: "Check and save" }).click();
  await expect(d).toBeHidden({ timeout: 20_000 });
  // Back as it was: the writer chosen for the group (sandbox-1) writes again; sandbox-2 stays read-only.
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-1")).not.toContainText("read-only", {
    timeout: 20_000,
  });
  await expect(page.getByTestId("deployment-e2e-backups-sandbox-2")).toContainText("read-only");
});

test("an admin replaces a cluster's kubeconfig: a malformed one is explained in place; the same cluster's is checked, then saved", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  // The overview links sandbox-1 too (to its backups): wait for the clusters list before picking the link.
  await expect(page).toHaveURL(/\/clusters$/);
  await page.getByTestId("cluster-row-sandbox-1").getByRole("link", { name: "sandbox-1" }).click();
  await expect(page.getByRole("heading", { name: "sandbox-1" })).toBeVisible();
  await page.getByRole("button", { name: "Replace kubeconfig" }).click();
  const d = page.getByRole("dialog", { name: "Replace the kubeconfig of sandbox-1" });
  await expect(d).toBeVisible();
  await expectAccessible(page, "replace kubeconfig dialog");
  const text = d.getByRole("textbox", { name: "New kubeconfig" });
  await text.fill("clusters: [oops");
  await d.getByRole("button", { name: "Check connection" }).click();
  await expect(d.getByRole("alert")).toBeVisible();
  // The text stays, to be corrected.
  await expect(text).toHaveValue("clusters: [oops");
  await expectAccessible(page, "replace kubeconfig dialog, a malformed kubeconfig");

  await text.fill(sandboxKubeconfig("sandbox-1"));
  await d.getByRole("button", { name: "Check connection" }).click();
  await expect(d.getByTestId("replace-kubeconfig-preview")).toBeVisible({ timeout: 20_000 });
  await expect(d.getByTestId("replace-kubeconfig-server-changed")).toHaveCount(0);
  await d.getByRole("button", { name: "Save" }).click();
  await expect(d).toBeHidden({ timeout: 20_000 });
  await expect(page.getByRole("heading", { name: "sandbox-1" })).toBeVisible();
});
