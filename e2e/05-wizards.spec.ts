import { ADMIN, expect, signIn, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// Issue #10 §2: the wizards say what they will do, where the user is looking. Runs after 05-clusters (two sandbox
// clusters, the e2e-backups location, a labelled backup of payments restored as payments-restored, a schedule on
// sandbox-2) and adds only a backup of its own; it pauses and resumes that schedule.

test("the backup wizard flags a mistyped namespace, says what file-system backup does where it is chosen, and a double click creates one backup, shown as a 0-item warning", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Backups" }).click();
  await page.getByRole("button", { name: "Back up now" }).click();
  const d = page.getByRole("dialog", { name: "Back up now" });
  await d.getByLabel("Cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await d.getByRole("button", { name: "Next" }).click();

  // Scope: a typo is flagged against the cluster's namespaces, with the closest one it has.
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill("casandra");
  await expect(d.getByTestId("missing-namespaces")).toHaveText(
    "casandra: no such namespace on sandbox-1; did you mean cassandra?",
  );
  await expectAccessible(page, "backup wizard, a mistyped namespace flagged");
  await d.getByRole("button", { name: "Next" }).click();

  // Volumes: the options are named for what they do, and what Velero really does is said here.
  const fsb = d.getByRole("combobox", { name: "File-system backup (kopia)" });
  await fsb.click();
  await expect(page.getByRole("option")).toHaveText([
    "Only pods that opt in by annotation",
    "Every pod volume, except those opted out by annotation",
  ]);
  await page.getByRole("option", { name: "Only pods that opt in by annotation" }).click();
  await expect(d.getByTestId("volume-note-fsb-opt-in")).toContainText("backup.velero.io/backup-volumes annotation");
  await expect(d.getByText(/Velero has no switch that turns it off/)).toBeVisible();
  await expectAccessible(page, "backup wizard, volumes explained");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Target location").click();
  await page.getByRole("option", { name: /e2e-backups/ }).click();
  await d.getByRole("button", { name: "Next" }).click();

  // Review: the same check, from the server.
  const manifest = d.getByLabel("Backup manifest");
  await expect(manifest).toHaveValue(/kind: Backup/);
  await expect(d.getByText("casandra: no such namespace on sandbox-1; did you mean cassandra?")).toBeVisible();
  await expectAccessible(page, "backup wizard, review with a note");
  const name = /name: (sandbox-1-[a-z0-9-]+)/.exec(await manifest.inputValue())![1];

  // A double click sends one request.
  await d.getByRole("button", { name: "Create backup" }).dblclick();
  await expect(d).toHaveCount(0);
  const row = page.getByTestId(`backup-row-sandbox-1-${name}`);
  // Nothing matched: Completed, but a warning, not a success.
  await expect(row.getByTestId("backup-phase")).toHaveText("Completed, 0 items", { timeout: 20_000 });
  await expect(row.getByTestId("backup-phase")).toHaveClass(/colorWarning/);
  await row.getByRole("link", { name }).click();
  await expect(page.getByTestId("backup-empty")).toContainText("Completed with 0 items");
  await expect(page.getByRole("table").first()).toContainText("only pods that opt in by annotation");
  await expectAccessible(page, "backup detail, 0 items");

  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").fill("backup.create");
  await page.getByLabel("Target id or type").fill(name);
  await page.getByRole("button", { name: "Apply" }).click();
  const audit = page.getByRole("table", { name: "Audit events" });
  await expect(audit.getByTestId("audit-row")).toHaveCount(1);
});

test("the restore wizard's review shows what Create would refuse, at the top, and what restoring into an existing namespace does", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Restores" }).click();
  await page.getByRole("button", { name: "Restore from backup" }).click();
  const d = page.getByRole("dialog", { name: "Restore from a backup" });
  await d.getByLabel("Restore into cluster").click();
  await page.getByRole("option", { name: /sandbox-1/ }).click();
  await d.getByLabel("Backup").click();
  // The labelled backup of payments that 05-clusters made (ours above has no items, and is not first in the list).
  await page
    .getByRole("option", { name: /^sandbox-1-.*Completed/ })
    .last()
    .click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill("payments");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Add namespace mapping" }).click();
  await d.getByLabel("Namespace in the backup").fill("payments");
  await d.getByLabel("Restore into namespace").fill("payments-restored");
  await d.getByRole("button", { name: "Add storage-class mapping" }).click();
  await d.getByLabel("StorageClass in the backup").fill("standard");
  await d.getByLabel("StorageClass to use").fill("no-such-class");
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();

  // The storage-class check that Create makes runs on review: its error is first, and Create waits.
  const error = d.getByRole("alert").first();
  await expect(error).toContainText("sandbox-1 has no StorageClass no-such-class to map volumes to");
  await expect(error).toBeInViewport();
  await expect(d.getByRole("button", { name: "Create restore" })).toBeDisabled();
  await expectAccessible(page, "restore wizard, review refusing a storage class");

  // Without the mapping: payments-restored exists (05-clusters restored into it), and the policy is said.
  await d.getByRole("button", { name: "Back" }).click();
  await d.getByRole("button", { name: "Back" }).click();
  await d.getByRole("button", { name: "Remove standard" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByText(/^payments-restored already exists on sandbox-1 and holds/)).toContainText(
    "skipped, each reported as a warning",
  );
  await expect(d.getByRole("button", { name: "Create restore" })).toBeEnabled();
  await expectAccessible(page, "restore wizard, review into an existing namespace");
  await d.getByRole("button", { name: "Cancel" }).click();
});

test("resuming a paused schedule says when its next backup runs, and offers to skip only a run that is due", async ({
  page,
}) => {
  await signIn(page, ADMIN);
  await page.getByRole("link", { name: "Schedules" }).click();
  // 05-clusters' schedule: it backed up when created, and its next run (03:00 UTC) is not due.
  const row = page.getByTestId("schedule-row-sandbox-2-sandbox-2-web-nightly");
  // A double click on a row's one-click button sends one request.
  await row.getByRole("button", { name: "Pause sandbox-2-web-nightly" }).dblclick();
  await expect(row.getByTestId("schedule-paused")).toBeVisible({ timeout: 10_000 });
  await row.getByRole("button", { name: "Resume sandbox-2-web-nightly" }).click();
  const d = page.getByRole("dialog", { name: "Resume schedule sandbox-2-web-nightly?" });
  await expect(d.getByTestId("resume-outlook")).toHaveText(/^The next backup runs at .+\.$/);
  await expect(d.getByRole("button", { name: "Resume without running now" })).toHaveCount(0);
  await expectAccessible(page, "resume dialog, no run due");
  await d.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(d).toBeHidden();
  await expect(row.getByTestId("schedule-paused")).toHaveCount(0, { timeout: 10_000 });

  // One pause from 05-clusters, one from the double click above.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").fill("schedule.pause");
  await page.getByLabel("Target id or type").fill("sandbox-2-web-nightly");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("table", { name: "Audit events" }).getByTestId("audit-row")).toHaveCount(2);
});
