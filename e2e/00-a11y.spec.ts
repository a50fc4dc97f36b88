import { expect, test } from "@playwright/test";
import { blockingViolations } from "./a11y";

// The accessibility check every journey relies on finds what it must: a page with known serious violations is
// reported rule by rule, in the page, again in the same document, after a navigation and inside a frame; a clean
// page is not.
const BROKEN = `<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
  <h1>Broken</h1>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <button></button>
  <input type="text">
  <p style="color:#bbbbbb;background:#ffffff">Pale text</p>
</main></body></html>`;
const CLEAN = `<!doctype html><html lang="en"><head><title>Clean</title></head><body><main>
  <h1>Clean</h1>
  <label>Name <input type="text"></label>
  <button>Save</button>
</main></body></html>`;

const FRAMED = `<!doctype html><html lang="en"><head><title>Framed</title></head><body><main>
  <h1>Framed</h1>
  <iframe title="Inner" src="/broken"></iframe>
</main></body></html>`;
const rules = (found: string[]) => found.map((f) => f.split(" ")[0]).sort();
const FOUR = ["button-name", "color-contrast", "image-alt", "label"];

test("the accessibility check reports serious violations by rule and passes a clean page", async ({ page }) => {
  // Pages of an origin of their own, served by the browser's router (nothing leaves it).
  const pages: Record<string, string> = { "/broken": BROKEN, "/clean": CLEAN, "/framed": FRAMED };
  await page.route("http://a11y.test/**", (route) =>
    route.fulfill({ contentType: "text/html", body: pages[new URL(route.request().url()).pathname] ?? "" }),
  );
  await page.goto("http://a11y.test/broken");
  const first = await blockingViolations(page);
  expect(rules(first)).toEqual(FOUR);
  expect(first.join("\n")).toContain("https://dequeuniversity.com/rules/axe/");
  // Again in the same document, axe already there.
  expect(rules(await blockingViolations(page))).toEqual(FOUR);

  // A new document (axe gone with the old one), clean.
  await page.goto("http://a11y.test/clean");
  expect(await blockingViolations(page)).toEqual([]);

  // What is wrong inside a frame of the page's origin is found too.
  await page.goto("http://a11y.test/framed");
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "Broken" })).toBeVisible();
  expect(rules(await blockingViolations(page))).toEqual(FOUR);
});
