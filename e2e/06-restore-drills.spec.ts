import path from "node:path";
import { ADMIN, expect, signIn, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { backUpNamespaceTo } from "./backups";
import { kubectl } from "../sandbox/testing/kubectl";

// Issue #14 §4, restore drills (runs after 05-*: the group prod holds sandbox-1 and the read-write location
// e2e-backups). A small namespace of its own is backed up on sandbox-1; a drill from the Restore drills page restores
// that backup into sandbox-1 itself, beside the original; it passes with a measured recovery time, its drill namespace
// is removed afterwards, and the evidence report of prod lists the namespace as proven. Everything made here is removed.

const kc = (name: string) => path.resolve(".data/e2e/sandbox", `${name}.kubeconfig`);
const NS = "ledger";
/** The drill namespace, once the drill's page names it (removed at the end should the cleanup not have). */
let drillNs = "";

const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ledger-settings, namespace: ${NS}}
data: {currency: EUR}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec:
      containers: [{name: web, image: docker.io/library/nginx:1.27}]
`;

test.afterAll(async () => {
  for (const ns of [NS, drillNs].filter(Boolean))
    await kubectl(kc("sandbox-1"), ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]);
});

test("a restore drill of a namespace's backup passes with a measured time, cleans up, and is evidence for its group", async ({
  page,
}) => {
  // A backup, a restore, pods coming up and a namespace deleted: longer than one page's worth.
  test.setTimeout(300_000);
  const applied = await kubectl(kc("sandbox-1"), ["apply", "-f", "-"], manifest);
  expect(applied.code, `the namespace: ${applied.err}`).toBe(0);

  await signIn(page, ADMIN);
  const backup = await backUpNamespaceTo(page, { cluster: "sandbox-1", namespace: NS, location: "e2e-backups" });

  // The Restore drills page, from the main navigation, after Restores.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Restore drills", exact: true })
    .click();
  await expect(page.getByRole("heading", { level: 1, name: "Restore drills", exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Drill schedules", exact: true })).toBeVisible();
  await expectAccessible(page, "restore drills page");

  // Run a drill of the backup into sandbox-1 (the header's button; an empty list offers one too).
  await page.getByRole("button", { name: "Run a drill", exact: true }).first().click();
  const d = page.getByRole("dialog", { name: "Run a restore drill" });
  await d.getByRole("combobox", { name: /^Target cluster/ }).click();
  await page.getByRole("option", { name: /^sandbox-1 \(/ }).click();
  await d.getByRole("combobox", { name: /^Backup/ }).click();
  await page.getByRole("option", { name: new RegExp(`^${backup} \\(`) }).click();
  await expect(d.getByLabel("Keep the drill namespaces afterwards", { exact: true })).not.toBeChecked();
  await expect(d.getByRole("spinbutton", { name: "Verify timeout (seconds)", exact: true })).toHaveValue("300");
  await expectAccessible(page, "run a drill dialog");
  await d.getByRole("button", { name: "Run drill", exact: true }).click();

  // The drill's page, live until it has finished: passed, timed, its namespace checked and then removed.
  await expect(page).toHaveURL(/\/drills\/[^/]+\/[^/]+$/);
  await expect(page.getByTestId("drill-phase")).toHaveText("Passed", { timeout: 180_000 });
  await expect(page.getByTestId("drill-recovery")).toHaveText(
    /^\d+ (s|min|h)\b.* from the start until everything was ready$/,
  );
  const check = page.getByTestId(`drill-check-${NS}`);
  await expect(check).toContainText("Everything ready");
  drillNs = (await check.getByTestId("drill-namespace").textContent()) ?? "";
  expect(drillNs).toMatch(new RegExp(`^${NS}-drill-\\d{8}`));
  await expect(page.getByTestId("drill-cleanup")).toContainText(`Removed ${drillNs}`);
  // Its restore has a page of its own.
  await expect(page.getByRole("table", { name: "Drill", exact: true }).getByRole("link")).toHaveAttribute(
    "href",
    /^\/restores\/[^/]+\/sandbox-1-/,
  );
  await expectAccessible(page, "restore drill page");
  await expect
    .poll(
      async () => {
        const r = await kubectl(kc("sandbox-1"), ["get", "namespace", drillNs]);
        return r.code !== 0 && /NotFound/.test(r.err);
      },
      { message: `the drill namespace ${drillNs} to be gone`, timeout: 60_000 },
    )
    .toBe(true);
  // The original namespace is untouched.
  expect((await kubectl(kc("sandbox-1"), ["get", "namespace", NS])).code).toBe(0);

  // The drill in the list, and the evidence report of the group prod.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Restore drills", exact: true })
    .click();
  const table = page.getByRole("table", { name: "Restore drills", exact: true });
  await expect(table.getByTestId("drill-phase").first()).toBeVisible();
  await page.getByRole("link", { name: "Evidence report", exact: true }).click();
  await page.getByRole("combobox", { name: "Cluster group", exact: true }).selectOption({ label: "prod" });
  await expect(page.getByRole("heading", { level: 1, name: "Restore evidence: prod", exact: true })).toBeVisible();
  const row = page.getByTestId(`evidence-row-sandbox-1-${NS}`);
  await expect(row.getByTestId("evidence-status")).toHaveText("Proven");
  await expect(row.getByTestId("evidence-recovery")).toHaveText(/^\d+ (s|min|h)/);
  await expect(page.getByRole("button", { name: "Download JSON", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Print", exact: true })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSON", exact: true }).click();
  expect((await download).suggestedFilename()).toMatch(/^restore-evidence-prod-\d{4}-\d{2}-\d{2}\.json$/);
  await expectAccessible(page, "restore evidence report");
});
