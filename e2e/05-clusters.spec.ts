import { expect, test } from "@playwright/test";
import { ADMIN, VIEWER, sandboxKubeconfig, signIn, signOut } from "./fixtures";

test("an admin attaches two sandbox clusters by kubeconfig, checked live; a bad kubeconfig is explained in place", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await expect(page.getByText("No clusters attached", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Attach cluster" }).click();
  const dialog = page.getByRole("dialog", { name: "Attach a cluster" });

  // A kubeconfig with a credential plugin is refused with the reason, and the text stays.
  const bad = "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:16543'}}]\nusers: [{name: u, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n";
  await dialog.getByLabel("Kubeconfig").fill(bad);
  await dialog.getByRole("button", { name: "Check connection" }).click();
  await expect(dialog.getByRole("alert")).toContainText("credential plugins");
  await expect(dialog.getByLabel("Kubeconfig")).toHaveValue(bad);

  for (const [name, group] of [["sandbox-1", "prod"], ["sandbox-2", "prod"]] as const) {
    if (name === "sandbox-2") {
      await page.getByRole("button", { name: "Attach cluster" }).click();
    }
    await dialog.getByLabel("Kubeconfig").fill(sandboxKubeconfig(name));
    await dialog.getByRole("button", { name: "Check connection" }).click();
    await expect(dialog.getByTestId("attach-preview")).toContainText("Velero v1.18.1");
    await expect(dialog.getByLabel("Name")).toHaveValue(name);
    await dialog.getByLabel("Cluster group").click();
    await page.getByRole("option", { name: group, exact: true }).click();
    await dialog.getByRole("button", { name: "Attach cluster" }).click();
    await expect(page.getByTestId(`cluster-row-${name}`)).toContainText("Connected");
  }
  await expect(page.getByTestId("cluster-row-sandbox-1")).toContainText("File-system backup");

  await page.getByRole("link", { name: "sandbox-2" }).click();
  await expect(page.getByRole("heading", { name: "sandbox-2" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Cluster details" })).toContainText("velero.io/aws (ObjectStore)");
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
