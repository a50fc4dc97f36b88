import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { expect, test, type Page } from "@playwright/test";
import type { AxeResults, RunOptions } from "axe-core";

// WCAG 2.0 and 2.1, levels A and AA: what axe checks on every page state a journey reaches.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);
const NODES_SHOWN = 5;
const CHECK_MS = 10_000;

// The axe-core that @axe-core/playwright brings, run the way its legacy mode runs it (axe.run in the page, which asks
// each frame's axe for its part), but put in each document once rather than at every check, and without the blank
// page its default mode opens per check to join the frames' results: a check took 1.5-2 s either way on pages where
// axe itself needs a few hundred milliseconds.
const requireHere = createRequire(import.meta.url);
const axeDir = path.dirname(
  createRequire(requireHere.resolve("@axe-core/playwright")).resolve("axe-core/package.json"),
);
const AXE_SOURCE = fs.readFileSync(path.join(axeDir, "axe.min.js"), "utf8");
const RUN_OPTIONS: RunOptions = { runOnly: { type: "tag", values: TAGS }, resultTypes: ["violations"] };

type AxeWindow = { axe?: { run(context: Document, options: RunOptions): Promise<AxeResults> } };

async function runAxe(page: Page) {
  // Every frame, as AxeBuilder does: axe.run skips a frame without axe after a wait, without a word.
  for (const frame of page.frames()) {
    const present = await frame.evaluate(() => typeof (window as AxeWindow).axe?.run === "function");
    if (!present) await frame.evaluate(AXE_SOURCE);
  }
  return page.evaluate((options) => (window as AxeWindow).axe!.run(document, options), RUN_OPTIONS);
}

/**
 * Waits for the transitions that are running to end: axe judges contrast as it is drawn. (The e2e browser asks for
 * reduced motion, so the console's own dialogs do not fade; this still holds for anything that animates regardless.)
 */
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

/** The serious and critical violations on the page as it stands, each named by rule, help and the elements' selectors. */
export async function blockingViolations(page: Page): Promise<string[]> {
  await settled(page);
  const { violations } = await runAxe(page);
  return violations
    .filter((v) => v.impact && BLOCKING.has(v.impact))
    .map((v) => {
      const nodes = v.nodes.slice(0, NODES_SHOWN).map((n) => {
        const why = [...n.any, ...n.all, ...n.none].find((c) => c.message)?.message;
        return `    ${n.target.join(" ")}${why ? `: ${why}` : ""}`;
      });
      const more = v.nodes.length > NODES_SHOWN ? [`    … and ${v.nodes.length - NODES_SHOWN} more`] : [];
      return [`${v.id} (${v.impact}): ${v.help} (${v.helpUrl})`, ...nodes, ...more].join("\n");
    });
}

/**
 * Runs axe on the page as it stands and fails the test (softly: the journey goes on, so one run reports every page)
 * on each serious or critical violation.
 */
export async function expectAccessible(page: Page, label: string) {
  // Each check brings its own time (axe takes a few seconds a page on a busy machine), so the journey keeps its own.
  test.info().setTimeout(test.info().timeout + CHECK_MS);
  await test.step(`accessibility: ${label}`, async () => {
    const found = await blockingViolations(page);
    expect.soft(found.join("\n"), `axe found serious accessibility violations on ${label}`).toBe("");
  });
}
