import { ADMIN, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

test("first run: the setup page creates the first organization admin and signs them in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Lifeboat" })).toBeVisible();
  await expectAccessible(page, "setup");

  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("different");
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByText("At least 12 characters")).toBeVisible();
  await expect(page.getByText("The passwords do not match")).toBeVisible();
  await expectAccessible(page, "setup, with field errors");

  await page.getByRole("textbox", { name: "Password", exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-user")).toHaveText(ADMIN.name);
  await expectAccessible(page, "overview, no clusters");

  // Setup happens once: afterwards the page sends people on (to sign in, or here, signed in, to the console).
  await page.goto("/setup");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page).not.toHaveURL(/\/setup/);
});
