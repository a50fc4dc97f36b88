import { describe, expect, it } from "vitest";
import { objectName } from "@/lib/schemas/protection";
import {
  buildDeleteBackupRequest,
  deleteRequestName,
  isDeletable,
  newestDeletion,
  type DeleteRequestRow,
} from "./deletion";

const request = (name: string, o: { at?: string; uid?: string; status?: unknown } = {}): DeleteRequestRow => ({
  name,
  labels: o.uid ? { "velero.io/backup-uid": o.uid } : {},
  spec: { backupName: "b1" },
  status: o.status ?? {},
  createdAt: o.at ? new Date(o.at) : null,
});

describe("deleteRequestName", () => {
  it("is the same for the same attempt and new after a processed request", () => {
    expect(deleteRequestName("b1", "u1", null)).toBe(deleteRequestName("b1", "u1", null));
    expect(deleteRequestName("b1", "u1", null)).toMatch(/^b1-[0-9a-f]{10}$/);
    const first = deleteRequestName("b1", "u1", null);
    expect(deleteRequestName("b1", "u1", first)).not.toBe(first);
    expect(deleteRequestName("b1", "u2", null)).not.toBe(first); // a backup of the same name made again
  });

  it.each([
    ["a 253-character name", `${"a".repeat(240)}.${"b".repeat(12)}`],
    ["a cut that would end in '.'", `${"a".repeat(241)}.${"b".repeat(11)}`],
    ["a cut that would end in '-'", `${"a".repeat(241)}-${"b".repeat(11)}`],
  ])("stays a valid object name for %s", (_what, backup) => {
    const name = deleteRequestName(backup, "u1", null);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(objectName.safeParse(name).success).toBe(true);
  });
});

describe("newestDeletion", () => {
  it.each<[string, DeleteRequestRow[], string | null, object | null]>([
    ["none", [], "u1", null],
    [
      "the newest request",
      [
        request("r1", { at: "2026-01-01T00:00:00Z", status: { phase: "Processed", errors: ["read-only"] } }),
        request("r2", { at: "2026-01-02T00:00:00Z", status: { phase: "InProgress" } }),
      ],
      "u1",
      { requestName: "r2", phase: "InProgress", errors: [] },
    ],
    [
      "an empty phase as New",
      [request("r1", { at: "2026-01-01T00:00:00Z" })],
      "u1",
      { requestName: "r1", phase: "New" },
    ],
    [
      "errors of a processed request",
      [request("r1", { status: { phase: "Processed", errors: ["read-only"] } })],
      "u1",
      { phase: "Processed", errors: ["read-only"] },
    ],
    [
      "not a request for an earlier backup of the same name",
      [request("r1", { uid: "u0", status: { phase: "Processed" } })],
      "u1",
      null,
    ],
    [
      "a request for this backup's UID",
      [request("r1", { uid: "u1", status: { phase: "Processed" } })],
      "u1",
      { requestName: "r1" },
    ],
  ])("%s", (_what, rows, uid, want) => {
    const got = newestDeletion(rows, uid);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatchObject(want);
  });
});

describe("isDeletable", () => {
  it.each([
    ["Completed", true],
    ["PartiallyFailed", true],
    ["Failed", true],
    ["FailedValidation", true],
    ["New", false],
    ["", false],
    [null, false],
    ["Queued", false],
    ["ReadyToStart", false],
    ["InProgress", false],
    ["WaitingForPluginOperations", false],
    ["Finalizing", false],
    ["FinalizingPartiallyFailed", false],
    ["Deleting", false],
  ])("%s → %s", (phase, want) => expect(isDeletable(phase)).toBe(want));
});

describe("buildDeleteBackupRequest", () => {
  it("labels the request as Velero's CLI does, plus Lifeboat's cluster label and author", () => {
    const long = "x".repeat(70); // label values stop at 63 characters: Velero's GetValidName
    expect(
      buildDeleteBackupRequest({
        backupName: long,
        backupUid: "u1",
        requestName: "r1",
        cluster: { name: "east" },
        createdBy: "ops@example.com",
      }),
    ).toEqual({
      apiVersion: "velero.io/v1",
      kind: "DeleteBackupRequest",
      metadata: {
        name: "r1",
        namespace: "velero",
        labels: {
          "lifeboat.io/cluster": "east",
          "velero.io/backup-name": expect.stringMatching(/^x{57}[0-9a-f]{6}$/),
          "velero.io/backup-uid": "u1",
        },
        annotations: { "lifeboat.io/created-by": "ops@example.com" },
      },
      spec: { backupName: long },
    });
    expect(
      buildDeleteBackupRequest({
        backupName: "b1",
        backupUid: null,
        requestName: "r1",
        cluster: { name: "east" },
        createdBy: "ops@example.com",
      }).metadata.labels,
    ).toEqual({ "lifeboat.io/cluster": "east", "velero.io/backup-name": "b1" });
  });
});
