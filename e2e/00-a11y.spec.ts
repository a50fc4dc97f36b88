import { expect, test } from "@playwright/test";
import { blockingViolations } from "./a11y";

// The accessibility check every journey relies on finds what it must: a page with known serious violations is
// reported rule by rule, a clean one is not, and a second check of the same document (axe already there) and a check
// after a navigation (axe gone with the old document) both run.
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

test("the accessibility check reports serious violations by rule and passes a clean page", async ({ page }) => {
  await page.setContent(BROKEN);
  const rules = (found: string[]) => found.map((f) => f.split(" ")[0]).sort();
  const first = await blockingViolations(page);
  expect(rules(first)).toEqual(["button-name", "color-contrast", "image-alt", "label"]);
  expect(first.join("\n")).toContain("https://dequeuniversity.com/rules/axe/");
  expect(rules(await blockingViolations(page))).toEqual(rules(first));

  await page.goto(`data:text/html,${encodeURIComponent(CLEAN)}`);
  expect(await blockingViolations(page)).toEqual([]);
});
