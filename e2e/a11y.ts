import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

// WCAG 2.0 and 2.1, levels A and AA: what axe checks on every page state a journey reaches.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);
const NODES_SHOWN = 5;
const CHECK_MS = 10_000;

/** Waits for the transitions that are running (a dialog fading in) to end: axe judges contrast as it is drawn. */
async function settled(page: Page) {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity) // spinners never end
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/**
 * Runs axe on the page as it stands and fails the test (softly: the journey goes on, so one run reports every page)
 * on each serious or critical violation, named by rule, help and the elements' selectors.
 */
export async function expectAccessible(page: Page, label: string) {
  // Each check brings its own time (axe takes a few seconds a page on a busy machine), so the journey keeps its own.
  test.info().setTimeout(test.info().timeout + CHECK_MS);
  await test.step(`accessibility: ${label}`, async () => {
    await settled(page);
    const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    const found = violations
      .filter((v) => v.impact && BLOCKING.has(v.impact))
      .map((v) => {
        const nodes = v.nodes.slice(0, NODES_SHOWN).map((n) => {
          const why = [...n.any, ...n.all, ...n.none].find((c) => c.message)?.message;
          return `    ${n.target.join(" ")}${why ? `: ${why}` : ""}`;
        });
        const more = v.nodes.length > NODES_SHOWN ? [`    … and ${v.nodes.length - NODES_SHOWN} more`] : [];
        return [`${v.id} (${v.impact}): ${v.help} (${v.helpUrl})`, ...nodes, ...more].join("\n");
      });
    expect.soft(found.join("\n"), `axe found serious accessibility violations on ${label}`).toBe("");
  });
}
