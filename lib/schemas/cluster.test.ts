import { describe, expect, it } from "vitest";
import { clusterPreviewInput, mentionsInsecureTls } from "./cluster";

// #9 §2: the attach dialog asks for the confirmation only when the kubeconfig turns verification off.
describe("mentionsInsecureTls", () => {
  it.each([
    ["clusters:\n- cluster:\n    insecure-skip-tls-verify: true\n    server: https://x", true],
    ['{"clusters":[{"cluster":{"insecure-skip-tls-verify": true}}]}', true],
    ["    insecure-skip-tls-verify: 'true'", true],
    ["    insecure-skip-tls-verify: false", false],
    ["    certificate-authority-data: LS0t", false],
  ])("%j → %s", (text, want) => expect(mentionsInsecureTls(text)).toBe(want));
});

describe("clusterPreviewInput", () => {
  it("names the group the cluster would join, and confirms an unverified server only explicitly", () => {
    expect(clusterPreviewInput.safeParse({ kubeconfig: "x" }).success).toBe(false);
    expect(clusterPreviewInput.parse({ kubeconfig: "x", groupId: "g1" }).allowInsecureTls).toBe(false);
  });
});
