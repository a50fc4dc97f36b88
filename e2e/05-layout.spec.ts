import type { Page } from "@playwright/test";
import { ADMIN, signIn, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

// The console on a 1280×800 laptop and a 390×844 phone, the tabs' titles, and what a missing page or object shows.
// Runs after the clusters journey, so every list has rows; it changes nothing but this browser's column choices.

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Every list page: its address, its tab's title, and the tables it shows once loaded. */
const LISTS: { path: string; title: string; tables: string[] }[] = [
  { path: "/", title: "Overview", tables: ["Protection status", "Cluster groups"] },
  { path: "/clusters", title: "Clusters", tables: ["Clusters", "Cluster groups"] },
  { path: "/data-protection", title: "Velero versions", tables: ["Velero versions"] },
  { path: "/data-protection/credentials", title: "Credentials", tables: ["Credentials"] },
  { path: "/data-protection/locations", title: "Target locations", tables: [] },
  { path: "/backups", title: "Backups", tables: ["Backups"] },
  { path: "/schedules", title: "Schedules", tables: ["Schedules"] },
  { path: "/restores", title: "Restores", tables: ["Restores"] },
  { path: "/admin/users", title: "Users", tables: ["Users"] },
  { path: "/admin/teams", title: "Teams", tables: ["Teams"] },
  { path: "/admin/cluster-groups", title: "Cluster groups", tables: [] },
  { path: "/admin/audit", title: "Audit log", tables: ["Audit events"] },
];

/** Opens a list page and waits until its tables hold rows (no skeleton left). */
async function openList(page: Page, list: (typeof LISTS)[number]) {
  await page.goto(list.path);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  for (const name of list.tables) {
    const table = page.getByRole("table", { name, exact: true });
    await expect(table).toBeVisible();
    await expect(table).not.toHaveAttribute("aria-busy", "true");
    await expect(table.locator("tbody tr").first()).toBeVisible();
  }
}

/** How far the page, and each named table's scrolling box, is wider than what shows of it (0 when it fits). */
async function overflow(page: Page, tables: string[]) {
  return page.evaluate((names) => {
    const root = document.documentElement;
    const result: Record<string, number> = { page: root.scrollWidth - root.clientWidth };
    for (const name of names) {
      const table = document.querySelector(`table[aria-label="${name}"]`);
      const box = table?.closest(".MuiTableContainer-root");
      result[name] = box ? box.scrollWidth - box.clientWidth : -1;
    }
    return result;
  }, tables);
}

test("at 1280×800 every list fits without scrolling sideways, and each tab says which page it is", async ({ page }) => {
  await page.setViewportSize(LAPTOP);
  await signIn(page, ADMIN);
  for (const list of LISTS) {
    await test.step(list.path, async () => {
      await openList(page, list);
      await expect(page).toHaveTitle(`${list.title} · Lifeboat`);
      const widths = await overflow(page, list.tables);
      expect(widths, `overflow on ${list.path}`).toEqual(Object.fromEntries(Object.keys(widths).map((k) => [k, 0])));
    });
  }
  // The columns the clusters journey found cut off are on screen.
  await openList(
    page,
    LISTS.find((l) => l.path === "/backups")!,
  );
  const backups = page.getByRole("table", { name: "Backups", exact: true });
  for (const header of ["Backup", "Phase", "Completed", "Schedule", "Actions"])
    await expect(backups.getByRole("columnheader", { name: header, exact: true })).toBeVisible();
  await openList(
    page,
    LISTS.find((l) => l.path === "/restores")!,
  );
  await expect(page.getByRole("columnheader", { name: "Completed", exact: true })).toBeVisible();
  await openList(
    page,
    LISTS.find((l) => l.path === "/admin/audit")!,
  );
  await expect(page.getByRole("columnheader", { name: "Outcome", exact: true })).toBeVisible();
});

test("the Columns menu shows a column the laptop hides, remembers it, and hides it again", async ({ page }) => {
  await page.setViewportSize(LAPTOP);
  await signIn(page, ADMIN);
  await openList(
    page,
    LISTS.find((l) => l.path === "/backups")!,
  );
  const table = page.getByRole("table", { name: "Backups", exact: true });
  const location = table.getByRole("columnheader", { name: "Location", exact: true });
  await expect(location).toBeHidden();

  await page.getByRole("button", { name: "Columns of Backups" }).click();
  const item = page.getByRole("menuitemcheckbox", { name: "Location" });
  await expect(item).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("menuitemcheckbox", { name: "Schedule" })).toHaveAttribute("aria-checked", "true");
  await expectAccessible(page, "backups, the Columns menu");
  await item.click();
  await expect(item).toHaveAttribute("aria-checked", "true");
  await page.keyboard.press("Escape");
  await expect(location).toBeVisible();

  // Remembered in this browser.
  await page.reload();
  await expect(table.locator("tbody tr").first()).toBeVisible();
  await expect(location).toBeVisible();

  await page.getByRole("button", { name: "Columns of Backups" }).click();
  await page.getByRole("menuitemcheckbox", { name: "Location" }).click();
  await page.keyboard.press("Escape");
  await expect(location).toBeHidden();
});

test("at 390×844 no page scrolls sideways, a menu button opens the navigation, and dialogs take the whole screen", async ({
  page,
}) => {
  await page.setViewportSize(PHONE);
  await signIn(page, ADMIN);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  for (const list of LISTS) {
    await test.step(list.path, async () => {
      await openList(page, list);
      expect((await overflow(page, []))["page"], `page overflow on ${list.path}`).toBe(0);
    });
  }

  await page.goto("/");
  await page.getByRole("button", { name: "Open navigation" }).click();
  await expect(nav).toBeVisible();
  await expectAccessible(page, "phone, navigation open");
  await nav.getByRole("link", { name: "Backups" }).click();
  await expect(page).toHaveURL(/\/backups$/);
  await expect(page.getByRole("heading", { name: "Backups", level: 1 })).toBeVisible();
  await expect(nav).toBeHidden();
  await expectAccessible(page, "phone, backups");

  // A form dialog and a wizard fill the screen.
  await page.getByRole("button", { name: "Open navigation" }).click();
  await nav.getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("button", { name: "Create credential" }).click();
  const form = page.getByRole("dialog", { name: "Create a credential" });
  await expect(form).toBeVisible();
  expect((await form.boundingBox())!.width).toBeGreaterThan(PHONE.width - 20);
  await expectAccessible(page, "phone, credential dialog");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(form).toBeHidden();

  await page.goto("/backups");
  await page.getByRole("button", { name: "Back up now" }).click();
  const wizard = page.getByRole("dialog", { name: "Back up now" });
  await expect(wizard).toBeVisible();
  expect((await wizard.boundingBox())!.width).toBeGreaterThan(PHONE.width - 20);
  await page.keyboard.press("Escape");
  await expect(wizard).toBeHidden();
});

test("detail pages are titled by the object's name", async ({ page }) => {
  await page.setViewportSize(LAPTOP);
  await signIn(page, ADMIN);
  await page.goto("/clusters");
  await page.getByRole("link", { name: "sandbox-1", exact: true }).click();
  await expect(page.getByRole("heading", { name: "sandbox-1", level: 1 })).toBeVisible();
  await expect(page).toHaveTitle("sandbox-1 · Clusters · Lifeboat");

  await page.goto("/backups");
  const first = page.getByRole("table", { name: "Backups", exact: true }).locator("tbody tr").first().getByRole("link");
  const name = (await first.textContent())!;
  await first.click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page).toHaveTitle(`${name} · Backups · Lifeboat`);
});

test("an unknown address and a missing cluster or backup show the branded not-found page with a way back", async ({
  page,
}) => {
  await page.setViewportSize(LAPTOP);
  await signIn(page, ADMIN);

  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found", level: 1 })).toBeVisible();
  await expect(page).toHaveTitle("Page not found · Lifeboat");
  // Inside the console's shell: its navigation is there.
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expectAccessible(page, "page not found");
  await page.getByRole("link", { name: "Go to Overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();

  await page.goto("/clusters/no-such-cluster");
  await expect(page.getByRole("heading", { name: "Cluster not found", level: 1 })).toBeVisible();
  await expect(page).toHaveTitle("Cluster not found · Lifeboat");
  await expectAccessible(page, "cluster not found");
  await page.getByRole("link", { name: "Back to Clusters" }).click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();

  // A backup that is not there, on a cluster that is.
  const href = await page.getByRole("link", { name: "sandbox-1", exact: true }).getAttribute("href");
  const clusterId = href!.split("/").pop();
  await page.goto(`/backups/${clusterId}/no-such-backup`);
  await expect(page.getByRole("heading", { name: "Backup “no-such-backup” not found", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "Back to Backups" }).click();
  await expect(page.getByRole("heading", { name: "Backups", level: 1 })).toBeVisible();
});
