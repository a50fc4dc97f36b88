import fs from "node:fs";
import { ADMIN, VIEWER, signIn, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// Lists that find things (#10 §3): the backups list's filters in the URL, synced copies marked and hidden, a schedule's
// page with "Back up now", and the audit log's names, reasons and export. Runs after 05-clusters, on what it made: a
// label-selected backup of sandbox-1 (synced into sandbox-2 through the shared location) and sandbox-2's schedule.

test("the backups list filters on the server, keeps the filter in the URL, and marks and hides synced copies", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Backups" }).click();
  // sandbox-1's backup, as Velero synced it into sandbox-2: marked as a copy there, not on sandbox-1.
  const copy = page.getByTestId(/^backup-row-sandbox-2-sandbox-1-/).first();
  await expect(copy.getByTestId("backup-synced-copy")).toBeVisible();
  const name = (await copy.getAttribute("data-testid"))!.replace("backup-row-sandbox-2-", "");
  await expect(page.getByTestId(`backup-row-sandbox-1-${name}`).getByTestId("backup-synced-copy")).toHaveCount(0);

  const filters = page.getByRole("search", { name: "Filter backups" });
  await filters.getByLabel("Search by name").fill(name);
  await filters.getByLabel("Search by name").press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]q=${name}`));
  await filters.getByLabel("Cluster", { exact: true }).selectOption({ label: "sandbox-2" });
  await expect(page).toHaveURL(/[?&]cluster=/);
  await expect(page.getByTestId(`backup-row-sandbox-2-${name}`)).toBeVisible();
  await expect(page.getByTestId(`backup-row-sandbox-1-${name}`)).toHaveCount(0);
  await expectAccessible(page, "backups, filtered by name and cluster");

  // The switch follows the URL, which changes after the click: click, then wait for the state.
  await filters.getByLabel("Hide copies synced from other clusters").click();
  await expect(filters.getByLabel("Hide copies synced from other clusters")).toBeChecked();
  await expect(page).toHaveURL(/[?&]copies=hide/);
  await expect(page.getByText("No backups match", { exact: true })).toBeVisible();

  // The URL is the filter: a reload and a shared link restore it.
  const shared = page.url();
  await page.reload();
  await expect(filters.getByLabel("Search by name")).toHaveValue(name);
  await expect(filters.getByLabel("Hide copies synced from other clusters")).toBeChecked();
  await expect(filters.getByLabel("Cluster", { exact: true }).locator("option:checked")).toHaveText("sandbox-2");
  await expect(page.getByText("No backups match", { exact: true })).toBeVisible();
  const other = await page.context().newPage();
  await other.goto(shared);
  await expect(other.getByRole("search", { name: "Filter backups" }).getByLabel("Search by name")).toHaveValue(name);
  await expect(other.getByText("No backups match", { exact: true })).toBeVisible();
  await other.close();

  await filters.getByLabel("Hide copies synced from other clusters").click();
  await expect(page).not.toHaveURL(/copies=hide/);
  await expect(page.getByTestId(`backup-row-sandbox-2-${name}`)).toBeVisible();
  // The copy's page says where the original was made.
  await page.getByTestId(`backup-row-sandbox-2-${name}`).getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByRole("row", { name: /Origin/ })).toContainText("the original was made on sandbox-1");
  await page.goBack();
  await filters.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/backups$/);
  await expect(page.getByTestId(`backup-row-sandbox-1-${name}`)).toBeVisible();
});

test("a schedule's page: its spec in words, next runs and backups, and Back up now from it", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Schedules" }).click();
  await page.getByRole("link", { name: "sandbox-2-web-nightly", exact: true }).click();
  await expect(page.getByRole("heading", { name: "sandbox-2-web-nightly" })).toBeVisible();
  const details = page.getByRole("table", { name: "Schedule details" });
  await expect(details).toContainText("Every day at 03:00 UTC");
  await expect(details).toContainText("Namespaces");
  await expect(page.getByTestId("schedule-next-runs").getByRole("listitem")).toHaveCount(5);
  await expectAccessible(page, "schedule detail");

  await page.getByRole("button", { name: "Back up now" }).click();
  const started = page.getByTestId("schedule-backup-started");
  await expect(started).toContainText("started from this schedule");
  const made = (await started.getByRole("link").textContent())!;
  expect(made).toMatch(/^sandbox-2-web-nightly-\d{14}$/);
  // Its backups: the backups list filtered by the schedule.
  await expect(page.getByTestId(`backup-row-sandbox-2-${made}`).getByTestId("backup-phase")).toHaveText("Completed", {
    timeout: 20_000,
  });
  await expectAccessible(page, "schedule detail, after Back up now");

  // Audited, with names instead of ids.
  await page.goto("/admin/audit");
  const form = page.getByRole("form", { name: "Filter audit log" });
  await form.getByLabel("Action", { exact: true }).fill("schedule.backupNow");
  await form.getByRole("button", { name: "Apply" }).click();
  const row = page.getByTestId("audit-row").first();
  await expect(row).toContainText(ADMIN.name);
  await expect(row).toContainText("cluster sandbox-2");
  // The guard names the target by the permission's resource (backup.create), with the schedule's name.
  await expect(row).toContainText("backup sandbox-2-web-nightly");
});

test("a viewer sees a schedule's page without Back up now", async ({ page }) => {
  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Schedules" }).click();
  await page.getByRole("link", { name: "sandbox-2-web-nightly", exact: true }).click();
  await expect(page.getByRole("table", { name: "Schedule details" })).toContainText("Every day at 03:00 UTC");
  await expect(page.getByRole("button", { name: "Back up now" })).toHaveCount(0);
});

test("the audit log shows the outcome's reason and exports the filtered rows as CSV and JSON", async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto("/admin/audit");
  const form = page.getByRole("form", { name: "Filter audit log" });
  await form.getByLabel("Outcome").click();
  await page.getByRole("option", { name: "Denied" }).click();
  await form.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("audit-row").first().getByTestId("audit-reason")).not.toBeEmpty();
  await expectAccessible(page, "audit log, denied events with reasons");

  const csvDownload = page.waitForEvent("download");
  await form.getByRole("button", { name: "Export CSV" }).click();
  const csv = fs.readFileSync((await (await csvDownload).path())!, "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toBe(
    "time,actor,actor_email,actor_id,action,target_type,target,target_id,scope,scope_id,outcome,reason,client,request",
  );
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((l) => l.includes(",DENIED,"))).toBe(true);
  await expect(page.getByTestId("audit-export-note")).toContainText(`Exported ${lines.length - 1} events`);

  const jsonDownload = page.waitForEvent("download");
  await form.getByRole("button", { name: "Export JSON" }).click();
  const json = JSON.parse(fs.readFileSync((await (await jsonDownload).path())!, "utf8")) as {
    truncated: boolean;
    events: { outcome: string }[];
  };
  expect(json.truncated).toBe(false);
  expect(json.events).toHaveLength(lines.length - 1);
  expect(json.events.every((e) => e.outcome === "DENIED")).toBe(true);
});
