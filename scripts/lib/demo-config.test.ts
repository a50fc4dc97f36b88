import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { DEMO_PORT_VARIABLES, DEMO_RESTART_NOTE, demoPorts } from "./demo-config.mjs";

// #10 §7: every port of the demo is configurable and documented, so two demos can run on one host; the restart
// behaviour is stated where the user looks (the banner and the README).
const readme = fs.readFileSync("README.md", "utf8");

describe("the demo's ports", () => {
  it("default to the documented ports", () => {
    expect(demoPorts({})).toEqual({
      console: 3000,
      postgres: 54329,
      sandboxBase: 16443,
      s3: 4569,
      azure: 10000,
      entra: 10003,
      aws: 4566,
    });
  });

  it("each moves with its variable, so a second demo can take other ports", () => {
    const second = demoPorts({
      PORT: "3001",
      LIFEBOAT_PG_PORT: "54330",
      LIFEBOAT_SANDBOX_BASE_PORT: "16453",
      LIFEBOAT_SANDBOX_S3_PORT: "4570",
      LIFEBOAT_SANDBOX_AZURE_PORT: "10001",
      LIFEBOAT_SANDBOX_ENTRA_PORT: "10004",
      LIFEBOAT_SANDBOX_AWS_PORT: "4567",
    });
    const first = demoPorts({});
    const all = (p: Record<string, number>) => [...Object.values(p), p.sandboxBase + 1];
    expect(all(second).filter((p) => all(first).includes(p))).toEqual([]);
  });

  it("refuses a value that is not a port, or a port a sandbox cluster takes, naming the variable", () => {
    expect(() => demoPorts({ LIFEBOAT_SANDBOX_S3_PORT: "http" })).toThrow(
      /LIFEBOAT_SANDBOX_S3_PORT=http is not a port/,
    );
    expect(() => demoPorts({ PORT: "16444" })).toThrow(/PORT=16444 collides with sandbox cluster 2/);
  });

  it("are all listed in the README, with the restart behaviour", () => {
    for (const [name, dflt] of Object.values(DEMO_PORT_VARIABLES))
      expect(readme).toMatch(new RegExp(`\`${name}\`[^\\n]*${dflt}`));
    expect(readme).toContain("start afresh on every `npm run demo`");
    expect(DEMO_RESTART_NOTE.join(" ")).toContain("start afresh on every `npm run demo`");
  });
});
