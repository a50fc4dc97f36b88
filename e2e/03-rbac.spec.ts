import type { Page } from "@playwright/test";
import { ADMIN, VIEWER, rawMutation, signIn, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

async function dialog(page: Page, title: string) {
  const d = page.getByRole("dialog", { name: title });
  await expect(d).toBeVisible();
  return d;
}

test("an admin builds access; a viewer sees only their group, read-only; a forged mutation is refused; the audit log shows it all", async ({
  browser,
}) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, ADMIN);

  // A user, a team with that user, two cluster groups, and a VIEWER binding of the team on one of them.
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "Create user" }).click();
  let d = await dialog(admin, "Create user");
  await expectAccessible(admin, "create user dialog");
  await d.getByLabel("Name").fill(VIEWER.name);
  await d.getByLabel("Email").fill(VIEWER.email);
  await d.getByLabel("Initial password").fill(VIEWER.password);
  await d.getByRole("button", { name: "Create" }).click();
  await expect(admin.getByTestId(`user-row-${VIEWER.email}`)).toBeVisible();

  await admin.getByRole("link", { name: "Teams" }).click();
  await expect(admin.getByText("No teams yet")).toBeVisible();
  await expectAccessible(admin, "teams, none yet");
  await admin.getByRole("button", { name: "Create team" }).click();
  d = await dialog(admin, "Create team");
  await d.getByLabel("Name").fill("Platform Team");
  await d.getByRole("button", { name: "Create" }).click();
  await expect(d.getByRole("alert")).toContainText("Lowercase letters");
  await expectAccessible(admin, "create team dialog, with an error");
  await d.getByLabel("Name").fill("platform");
  await d.getByRole("button", { name: "Create" }).click();
  const row = admin.getByTestId("team-row-platform");
  await row.getByRole("button", { name: "Add member" }).click();
  d = await dialog(admin, "Add a member to platform");
  await d.getByLabel("User").click();
  await expect(admin.getByRole("option", { name: new RegExp(VIEWER.email) })).toBeVisible();
  await expectAccessible(admin, "add member dialog, users listed");
  await admin.getByRole("option", { name: new RegExp(VIEWER.email) }).click();
  await d.getByRole("button", { name: "Add" }).click();
  await expect(row.getByText(VIEWER.email)).toBeVisible();
  await expectAccessible(admin, "teams, one with a member");

  await admin.getByRole("link", { name: "Cluster groups" }).click();
  for (const name of ["prod", "dev"]) {
    await admin.getByRole("button", { name: "Create cluster group" }).click();
    d = await dialog(admin, "Create cluster group");
    if (name === "prod") await expectAccessible(admin, "create cluster group dialog");
    await d.getByLabel("Name").fill(name);
    await d.getByRole("button", { name: "Create" }).click();
    await expect(admin.getByTestId(`group-card-${name}`)).toBeVisible();
  }
  const prod = admin.getByTestId("group-card-prod");
  await prod.getByRole("button", { name: "Add binding" }).click();
  await expectAccessible(admin, "cluster groups");
  d = await dialog(admin, "Add a binding to prod");
  await expectAccessible(admin, "add binding dialog");
  await d.getByLabel("Team").click();
  await admin.getByRole("option", { name: "platform" }).click();
  await d.getByRole("button", { name: "Add binding" }).click();
  await expect(prod.getByText("team platform: Viewer")).toBeVisible();

  // The viewer: sees prod only, no admin navigation, no mutating controls.
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, VIEWER);
  await viewer.getByRole("link", { name: "Clusters" }).click();
  const rows = viewer.getByTestId("cluster-group-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("prod");
  await expect(rows.first()).toContainText("Viewer");
  await expectAccessible(viewer, "clusters, as a viewer of one group");
  await expect(viewer.getByText("dev", { exact: true })).toHaveCount(0);
  await expect(viewer.getByRole("navigation", { name: "Main" }).getByText("Admin")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: /create|add|delete/i })).toHaveCount(0);
  const adminPage = await viewer.goto("/admin/users");
  expect(adminPage?.status()).toBe(404);

  // A hand-made mutation from the viewer's session is refused.
  await viewer.goto("/clusters");
  const forged = await rawMutation(viewer, "clusterGroup.create", { name: "sneaky" });
  expect(forged.status).toBe(403);
  expect(forged.body.error.json.data.code).toBe("FORBIDDEN");

  // The audit log lists what the admin did and what the viewer was refused.
  await admin.getByRole("link", { name: "Audit log" }).click();
  const audit = admin.getByRole("table", { name: "Audit events" });
  for (const action of [
    "user.create",
    "team.create",
    "team.addMember",
    "clusterGroup.create",
    "binding.create",
    "auth.signIn",
  ]) {
    await expect(audit.getByText(action, { exact: true }).first()).toBeVisible();
  }
  await admin.getByLabel("Actor email").fill(VIEWER.email);
  await admin.getByLabel("Outcome").click();
  await admin.getByRole("option", { name: "Denied" }).click();
  await admin.getByRole("button", { name: "Apply" }).click();
  await expect(audit.getByTestId("audit-row").filter({ hasText: "clusterGroup.create" })).toHaveCount(1);
  await expectAccessible(admin, "audit log, filtered");

  // Disabling the viewer locks them out on their very next request.
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: `Actions for ${VIEWER.email}` }).click();
  await expect(admin.getByRole("menuitem", { name: "Disable" })).toBeVisible();
  await expectAccessible(admin, "users, a user's actions menu open");
  await admin.getByRole("menuitem", { name: "Disable" }).click();
  await expect(admin.getByRole("dialog")).toBeVisible();
  await expectAccessible(admin, "disable user confirmation");
  await admin.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
  await expect(admin.getByTestId(`user-row-${VIEWER.email}`).getByText("Disabled")).toBeVisible();
  await expect(admin.getByRole("dialog")).toHaveCount(0);
  await expectAccessible(admin, "users");
  await viewer.goto("/clusters");
  await expect(viewer).toHaveURL(/\/signin/);
  const again = await rawMutation(viewer, "me.changePassword", {
    current: VIEWER.password,
    next: "another-password-1",
  });
  expect(again.body.error.json.data.code).toBe("UNAUTHORIZED");
  await viewerContext.close();
});
