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

/**
 * From any page: on Target locations, makes `writers` the clusters of `group` that write to `location` (the others
 * read it), and waits until each writer's BackupStorageLocation is read-write. One writer per bucket and prefix: the
 * caller unticks the old writer in the same save.
 */
export async function chooseWriters(page: Page, o: { location: string; group: string; writers: string[] }) {
  await page.goto("/data-protection/locations");
  // The chip is a button once the page knows the user administers the group (its label says what it opens).
  await page
    .getByRole("button", { name: new RegExp(`^Choose the writers of ${o.location} in group ${o.group}:`) })
    .click();
  const d = page.getByRole("dialog", { name: `Writers of ${o.location} in group ${o.group}` });
  // The group's clusters load with the page: wait for their checkboxes before reading them.
  const boxes = d.getByRole("checkbox");
  await expect(boxes.first()).toBeVisible();
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const name = (await box.evaluate((el) => el.closest("label")?.textContent ?? "")).trim();
    await box.setChecked(o.writers.includes(name));
  }
  await d.getByRole("button", { name: "Save" }).click();
  await expect(d).toBeHidden({ timeout: 20_000 });
  for (const cluster of o.writers)
    await expect(page.getByTestId(`deployment-${o.location}-${cluster}`)).not.toContainText("read-only", {
      timeout: 20_000,
    });
}
