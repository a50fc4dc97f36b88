import { ADMIN, expect, signIn, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// Issue #15 (P7's action): one action backs up every cluster of the group prod, each at the location Lifeboat made
// writable on it (runs after 05-* and 06-restore-*: sandbox-1 writes e2e-backups, sandbox-2 writes its own locations,
// sandbox-3's data protection was disabled). Each cluster's outcome is listed; the backups made complete.
// A name of this run's own: the sandbox's buckets outlive a run in the same checkout, and Velero syncs their backups.
const NAME = `whole-group-${Date.now().toString(36)}`;

test("backing up a whole cluster group: each cluster at its writable location, each outcome said", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  await page.getByRole("button", { name: "Back up a cluster group…" }).click();
  const d = page.getByRole("dialog", { name: "Back up a cluster group" });
  await d.getByLabel("Cluster group").click();
  await page.getByRole("option", { name: /^prod \(/ }).click();
  await d.getByLabel("Backup name").fill(NAME);
  await d.getByLabel("Namespaces (the same names on every cluster)").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill("guestbook");
  await expectAccessible(page, "group backup dialog");
  await d.getByRole("button", { name: "Back up every cluster" }).click();

  const results = page.getByRole("dialog", { name: /Backups started on 2 of 3 clusters/ });
  const table = results.getByRole("table", { name: "Each cluster's backup" });
  await expect(
    table.getByRole("row", { name: new RegExp(`sandbox-1 sandbox-1-${NAME} lifeboat-e2e-backups Created`) }),
  ).toBeVisible();
  await expect(
    table.getByRole("row", { name: new RegExp(`sandbox-2 sandbox-2-${NAME} lifeboat-e2e-\\S+ Created`) }),
  ).toBeVisible();
  await expect(table.getByRole("row", { name: /sandbox-3/ })).toContainText("Velero is not installed on this cluster");
  await expectAccessible(page, "group backup results");
  await results.getByRole("button", { name: "Done" }).click();

  for (const cluster of ["sandbox-1", "sandbox-2"])
    await expect(page.getByTestId(`backup-row-${cluster}-${cluster}-${NAME}`).getByTestId("backup-phase")).toHaveText(
      "Completed",
      { timeout: 30_000 },
    );
});
