import { execFileSync } from "node:child_process";
import path from "node:path";
import { ADMIN, VIEWER, expect, signIn, signOut, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// Issue #13 (05-volume-coverage runs after 05-velero): volume coverage and recovery points, on sandbox-2 (seeded with the coverage cases: a GPU node without
// node-agent, a Pending pod, hostPath, a claim without class, a driver without snapshot class). Runs after 05-*: the
// group prod holds sandbox-1..3 and the location e2e-backups; sandbox-2 has the schedule sandbox-2-web-nightly
// (web-cache); the viewer views prod only (03-rbac).

const KUBECONFIG = path.resolve(".data/e2e/sandbox/sandbox-2.kubeconfig");
/** The cluster's platform engineer, at a terminal: runs what the fix says, as it says it. */
const shell = (command: string) =>
  execFileSync("sh", ["-c", command], {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG, PATH: `${path.dirname(process.env.KUBECTL ?? "kubectl")}:${process.env.PATH}` },
  });

test("an operator sees what protects each volume of a cluster, applies a fix with kubectl, backs up, and sees it protected", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-2").getByRole("link", { name: "sandbox-2", exact: true }).click();
  await page.getByRole("link", { name: "Coverage" }).click();
  await expect(page.getByRole("heading", { name: "Coverage of sandbox-2" })).toBeVisible();
  const table = page.getByRole("table", { name: "Volume coverage" });
  // web-cache's emptyDir is opted in to file-system backup, and its schedule covers it.
  const cache = table.locator('[data-testid^="coverage-pod/web-cache/"]');
  await expect(cache).toContainText("File-system backup");
  await expect(cache).toContainText("sandbox-2-web-nightly");
  // analytics is in no schedule: not covered, with the reason.
  const notebook = page.getByTestId("coverage-pvc/analytics/notebook-workspace");
  await expect(notebook).toContainText("Not covered");
  await expect(notebook).toContainText("analytics is in no schedule");
  await expectAccessible(page, "coverage of sandbox-2");

  // A schedule of payments and analytics, made in the schedule editor.
  await page.getByRole("link", { name: "Schedules" }).click();
  await page.getByRole("button", { name: "New schedule" }).first().click();
  const d = page.getByRole("dialog", { name: "New schedule" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: /sandbox-2/ }).click();
  await d.getByLabel("Schedule name").fill("data-hourly");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill("payments, analytics");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Target location").click();
  await page.getByRole("option", { name: /e2e-sandbox-2/ }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Cron expression").fill("0 * * * *");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Create schedule" }).click();
  const row = page.getByTestId("schedule-row-sandbox-2-sandbox-2-data-hourly");
  await expect(row.getByTestId("schedule-last-backup")).toHaveText(/Completed|PartiallyFailed|Partially failed/, {
    timeout: 30_000,
  });

  // Back on the Coverage page: the schedule's volumes, each with its method or what keeps it from being covered.
  await page.goto("/clusters");
  await page.getByTestId("cluster-row-sandbox-2").getByRole("link", { name: "sandbox-2", exact: true }).click();
  await page.getByRole("link", { name: "Coverage" }).click();
  await expect(page.getByTestId("coverage-pvc/payments/payments-data")).toContainText("CSI snapshot");
  await expect(notebook).toContainText("Skipped");
  await expect(notebook).toContainText("node-4");
  await expect(page.getByTestId("coverage-pvc/analytics/spark-event-logs")).toContainText("not scheduled");
  const clickhouse = table.locator('[data-testid^="coverage-pvc/analytics/data-clickhouse"]').first();
  await expect(clickhouse).toContainText("Error");
  // Filtered to what is not covered: payments' scratch emptyDir is there, and its fix is an annotation.
  const show = page.getByRole("group", { name: "Show volumes" });
  await show.getByRole("button", { name: "Not covered" }).click();
  await expect(page).toHaveURL(/show=not-covered/);
  await expect(page.getByTestId("coverage-pvc/payments/payments-data")).toHaveCount(0);
  const tmp = table.locator('[data-testid^="coverage-pod/payments/payments-api-"][data-testid$="/tmp"]');
  await expect(tmp).toContainText("Not covered");
  await tmp.getByRole("button", { name: /How to fix/ }).click();
  const fix = page.getByRole("dialog");
  const command = await fix.getByLabel("Command").inputValue();
  expect(command).toMatch(
    /^kubectl -n payments annotate pod payments-api-\S+ backup\.velero\.io\/backup-volumes=tmp --overwrite$/,
  );
  await expectAccessible(page, "coverage fix dialog");
  await fix.getByRole("button", { name: "Close" }).click();
  shell(command);
  // The row follows the cluster without a reload: the volume is now backed up by file-system backup, so it leaves
  // the "not covered" filter.
  await expect(tmp).toHaveCount(0, { timeout: 20_000 });
  await show.getByRole("button", { name: "All volumes" }).click();
  await expect(tmp).toContainText("File-system backup");
  // The schedule's last backup ran before the annotation: it disagrees with the prediction until the next one.
  await expect(tmp).toContainText("Mismatch", { timeout: 30_000 });

  // Back up now from the schedule; once Velero is done, the volume was protected by it, and nothing disagrees.
  await page.getByRole("link", { name: "Schedules" }).click();
  await page.getByRole("link", { name: "sandbox-2-data-hourly", exact: true }).click();
  await page.getByRole("button", { name: "Back up now" }).click();
  const made = (await page.getByTestId("schedule-backup-started").getByRole("link").textContent())!;
  await page.goto("/clusters");
  await page.getByTestId("cluster-row-sandbox-2").getByRole("link", { name: "sandbox-2", exact: true }).click();
  await page.getByRole("link", { name: "Coverage" }).click();
  await expect(tmp.getByRole("link", { name: made })).toBeVisible({ timeout: 60_000 });
  await expect(tmp).not.toContainText("Mismatch");
  // Recovery points: payments was backed up just now; batch-jobs never was.
  const rpo = page.getByRole("table", { name: "Recovery points" });
  await expect(rpo.getByTestId("rpo-payments")).toContainText("Within 24 h");
  await expect(rpo.getByTestId("rpo-batch-jobs")).toContainText("Never backed up");
  await expectAccessible(page, "coverage of sandbox-2, after a backup");
});

test("the fleet dashboard shows each cluster's coverage and recovery points, worst first; a viewer sees only their group", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  // sandbox-3 goes to the group dev, which the viewer does not see.
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-3").getByRole("link", { name: "sandbox-3", exact: true }).click();
  await page.getByRole("button", { name: "Move", exact: true }).click();
  const move = page.getByRole("dialog", { name: "Move sandbox-3 to another group" });
  await move.getByLabel("Move to group").click();
  await page.getByRole("option", { name: "dev", exact: true }).click();
  await move.getByRole("button", { name: "Move cluster" }).click();
  await expect(move).toBeHidden();

  await page.getByRole("link", { name: "Overview" }).click();
  const fleet = page.getByRole("table", { name: "Fleet coverage" });
  for (const name of ["sandbox-1", "sandbox-2", "sandbox-3"])
    await expect(fleet.getByTestId(`dashboard-row-${name}`)).toBeVisible();
  // sandbox-3 runs no Velero since 05-velero: nothing of it is covered (0%), so it comes before sandbox-2, whose
  // schedules cover some volumes (sandbox-1, with no schedule, is at 0% too).
  await expect(fleet.getByTestId("dashboard-row-sandbox-3").getByTestId("dashboard-coverage")).toContainText("(0%)");
  await expect(fleet.getByTestId("dashboard-row-sandbox-2").getByTestId("dashboard-coverage")).not.toContainText(
    "(0%)",
  );
  const order = await fleet.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid")));
  expect(order.indexOf("dashboard-row-sandbox-3")).toBeLessThan(order.indexOf("dashboard-row-sandbox-2"));
  await expect(fleet.getByTestId("dashboard-row-sandbox-2").getByTestId("dashboard-coverage")).toContainText(
    /\d+ of \d+ volumes/,
  );
  await expect(page.getByRole("heading", { name: "Coverage by cluster" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Backups per day" })).toBeVisible();
  await expectAccessible(page, "fleet dashboard");
  // The charts' table alternative.
  const coverageChart = page.getByRole("heading", { name: "Coverage by cluster" }).locator("..");
  await coverageChart.getByRole("button", { name: "Show as table" }).click();
  await expect(coverageChart.getByRole("table")).toContainText("sandbox-2");
  // The group filter, kept in the address.
  await page.getByLabel("Cluster group", { exact: true }).selectOption({ label: "dev" });
  await expect(page).toHaveURL(/group=/);
  await expect(fleet.getByTestId("dashboard-row-sandbox-3")).toBeVisible();
  await expect(fleet.getByTestId("dashboard-row-sandbox-2")).toHaveCount(0);
  await signOut(page);

  await signIn(page, VIEWER);
  await page.getByRole("link", { name: "Overview" }).click();
  await expect(fleet.getByTestId("dashboard-row-sandbox-2")).toBeVisible();
  await expect(fleet.getByTestId("dashboard-row-sandbox-3")).toHaveCount(0);
  await expect(page.getByLabel("Cluster group", { exact: true }).locator("option")).toHaveText(["All groups", "prod"]);
  const chart = page.getByRole("heading", { name: "Coverage by cluster" }).locator("..");
  await chart.getByRole("button", { name: "Show as table" }).click();
  await expect(chart.getByRole("table")).toContainText("sandbox-1");
  await expect(chart.getByRole("table")).not.toContainText("sandbox-3");
  await signOut(page);

  // sandbox-3 back to prod, as the other journeys left it.
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Clusters", exact: true }).click();
  await page.getByTestId("cluster-row-sandbox-3").getByRole("link", { name: "sandbox-3", exact: true }).click();
  await page.getByRole("button", { name: "Move", exact: true }).click();
  await move.getByLabel("Move to group").click();
  await page.getByRole("option", { name: "prod", exact: true }).click();
  await move.getByRole("button", { name: "Move cluster" }).click();
  await expect(move).toBeHidden();
});
