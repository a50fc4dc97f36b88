import type { Page } from "@playwright/test";
import { expect } from "./fixtures";

/**
 * From any page: "Back up now" of one namespace of `cluster` into the target location `location`, through the
 * wizard's steps, checked in its manifest; waits until the backup's row says Completed. Gives the backup's name.
 */
export async function backUpNamespaceTo(
  page: Page,
  o: { cluster: string; namespace: string; location: string },
): Promise<string> {
  // The main navigation's Backups (a cluster's page has a Backups link of its own).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  await page.getByRole("button", { name: "Back up now" }).click();
  const d = page.getByRole("dialog", { name: "Back up now" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: new RegExp(o.cluster) }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces", exact: true }).fill(o.namespace);
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Target location").click();
  await page.getByRole("option", { name: new RegExp(o.location) }).click();
  await d.getByRole("button", { name: "Next" }).click();
  const manifest = d.getByLabel("Backup manifest");
  await expect(manifest).toHaveValue(new RegExp(`storageLocation: lifeboat-${o.location}`));
  const name = new RegExp(`name: (${o.cluster}-[a-z0-9-]+)`).exec(await manifest.inputValue())![1];
  await d.getByRole("button", { name: "Create backup" }).click();
  await expect(page.getByTestId(`backup-row-${o.cluster}-${name}`).getByTestId("backup-phase")).toHaveText(
    "Completed",
    { timeout: 20_000 },
  );
  return name;
}
