import { ADMIN, signIn, expect, test } from "./fixtures";

test("OIDC sign-in through a real provider maps the groups claim to a team", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole("link", { name: "Teams" }).click();
  await admin.getByRole("button", { name: "Create team" }).click();
  const d = admin.getByRole("dialog", { name: "Create team" });
  await d.getByLabel("Name").fill("platform-sso");
  await d.getByLabel("OIDC group (optional)").fill("platform-engineers");
  await d.getByRole("button", { name: "Create" }).click();
  await expect(admin.getByTestId("team-row-platform-sso")).toBeVisible();

  const user = await (await browser.newContext()).newPage();
  await user.goto("/signin");
  await user.getByRole("button", { name: "Sign in with Example SSO" }).click();
  // oidc-provider's development login and consent pages
  await user.locator("input[name=login]").fill("olivia");
  await user.locator("input[name=password]").fill("any");
  await user.locator("button[type=submit]").click();
  await user.locator("button[type=submit]", { hasText: /continue/i }).click();
  await expect(user.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(user.getByTestId("current-user")).toHaveText("Olivia Ops");

  await admin.reload();
  await expect(admin.getByTestId("team-row-platform-sso").getByText("olivia@example.com")).toBeVisible();
  await admin.getByRole("link", { name: "Users" }).click();
  await expect(admin.getByTestId("user-row-olivia@example.com")).toContainText("Single sign-on");
});

test("OIDC does not link an existing local account when the provider has not verified the email (#9 §3)", async ({
  browser,
}) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "Create user" }).click();
  const d = admin.getByRole("dialog", { name: "Create user" });
  await d.getByLabel("Name").fill("Una Local");
  await d.getByLabel("Email").fill("una@example.com");
  await d.getByLabel("Initial password").fill("e2e-una-password-1");
  await d.getByRole("button", { name: "Create" }).click();
  await expect(admin.getByTestId("user-row-una@example.com")).toBeVisible();

  const user = await (await browser.newContext()).newPage();
  await user.goto("/signin");
  await user.getByRole("button", { name: "Sign in with Example SSO" }).click();
  await user.locator("input[name=login]").fill("una");
  await user.locator("input[name=password]").fill("any");
  await user.locator("button[type=submit]").click();
  await user.locator("button[type=submit]", { hasText: /continue/i }).click();
  await expect(user.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(user.getByRole("form", { name: "Sign in" }).getByRole("alert")).toContainText(
    "your identity provider has not confirmed that the address is yours",
  );
  await admin.reload();
  await expect(admin.getByTestId("user-row-una@example.com")).not.toContainText("Single sign-on");
});
