import { ADMIN, signIn, signOut, expect, test } from "./fixtures";
import { expectAccessible } from "./a11y";

test("sign-in refuses a wrong password, then signs in and out", async ({ page }) => {
  await page.goto("/clusters");
  await expect(page).toHaveURL(/\/signin$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("form", { name: "Sign in" }).getByRole("alert")).toHaveText(
    "Email or password is incorrect",
  );
  await expectAccessible(page, "sign-in, after a wrong password");

  await signIn(page, ADMIN);
  for (const item of [
    "Overview",
    "Clusters",
    "Credentials",
    "Target locations",
    "Backups",
    "Schedules",
    "Restores",
    "Users",
    "Teams",
    "Cluster groups",
    "Audit log",
  ]) {
    await expect(
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: item, exact: true }),
    ).toBeVisible();
  }
  await page.getByRole("link", { name: "Backups" }).click();
  await expect(page.getByText("No backups yet")).toBeVisible();
  await expectAccessible(page, "backups, none yet");

  await signOut(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin$/);
});

test("responses carry security headers; API answers are not cacheable; mutations need our Origin", async ({
  page,
  request,
}) => {
  const res = await request.get("/signin");
  const h = res.headers();
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  const api = await request.get("/api/trpc/setup.status");
  expect(api.headers()["cache-control"]).toContain("no-store");

  await signIn(page, ADMIN);
  const foreign = await page.request.post("/api/trpc/team.create", {
    data: { json: { name: "csrf" } },
    headers: { origin: "https://evil.example", "content-type": "application/json" },
  });
  expect(foreign.status()).toBe(403);
  const viaGet = await page.request.get(
    `/api/trpc/team.create?input=${encodeURIComponent(JSON.stringify({ json: { name: "viaget" } }))}`,
  );
  expect(viaGet.ok()).toBe(false);
});

test("after sign-in, a callbackUrl that leads to another site ends at the root (#9 §3)", async ({ page, baseURL }) => {
  test.slow(); // four sign-ins and sign-outs
  for (const evil of ["/\\evil.example", "//evil.example", "https://evil.example", "/\t/evil.example"]) {
    await page.goto(`/signin?callbackUrl=${encodeURIComponent(evil)}`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    expect(page.url(), evil).toBe(new URL("/", baseURL).toString());
    await signOut(page);
  }
});

test("a malformed session cookie gives the sign-in page, not an error (#9 §3)", async ({ page, baseURL }) => {
  for (const value of ["%E0%A4%A", "not-a-jwt", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z"]) {
    await page.context().clearCookies();
    await page.context().addCookies([{ name: "next-auth.session-token", value, url: baseURL! }]);
    const res = await page.goto("/clusters");
    expect(res?.status(), value).toBeLessThan(500);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  }
});
