import { describe, expect, it } from "vitest";
import { CapExceededError } from "../kube/session";
import type { VeleroItem } from "../kube/watch";
import { admit, DEFAULT_SYNC_LIMITS } from "./admission";

// What the sync engine refuses to put into the read model (issue #9 §1): names and labels no real apiserver accepts,
// objects larger than the byte cap. Each refusal names the object and the cap.
const item = (o: Partial<VeleroItem> = {}): VeleroItem => ({
  kind: "backups",
  namespace: "velero",
  name: "b1",
  uid: "u1",
  resourceVersion: "1",
  labels: { "velero.io/schedule-name": "nightly" },
  spec: { includedNamespaces: ["payments"] },
  status: { phase: "Completed" },
  ...o,
});

describe("admit", () => {
  it("admits an ordinary object with its stored JSON", () => {
    const a = admit(item(), DEFAULT_SYNC_LIMITS);
    expect(a.labels).toBe('{"velero.io/schedule-name":"nightly"}');
    expect(a.spec).toBe('{"includedNamespaces":["payments"]}');
  });

  it.each([
    [
      "a name over 253 characters",
      item({ name: "n".repeat(254) }),
      /name n{40}… \(254 characters\) is longer than 253/,
    ],
    [
      "a namespace over 63 characters",
      item({ namespace: "v".repeat(64) }),
      /namespace v{40}… \(64 characters\) is longer than 63/,
    ],
    ["no name", item({ name: "" }), /a backups object without a name/],
    [
      "a label value over 63 characters",
      item({ labels: { app: "x".repeat(64) } }),
      /label app longer than 63 characters/,
    ],
    [
      "a label name over 63 characters",
      item({ labels: { ["k".repeat(64)]: "x" } }),
      /label key k{40}… \(64 characters\) longer/,
    ],
    ["a label prefix over 253 characters", item({ labels: { [`${"p".repeat(254)}/app`]: "x" } }), /label key p{40}…/],
    [
      "a label value that is not a string",
      item({ labels: { app: 5 as unknown as string } }),
      /label app longer than 63/,
    ],
    [
      "an object over 256 KiB",
      item({ spec: { x: "x".repeat(300 * 1024) } }),
      /is 300.1 KiB as JSON .*more than the 256 KiB/,
    ],
  ])("refuses %s", (_what, i, message) => {
    let err: unknown;
    try {
      admit(i, DEFAULT_SYNC_LIMITS);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CapExceededError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/sync of backups on this cluster stopped$/);
  });
});
