import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { VELERO_CRDS_DIR } from "@/sandbox/testing/paths";
import {
  isFailed,
  isPhase,
  isRestorable,
  isRunning,
  isTerminal,
  parsePhase,
  PHASES,
  phasesWhere,
  severity,
  wroteResults,
  type PhaseKind,
} from "./phases";

const CRD_FILE: Record<PhaseKind, string> = {
  Backup: "velero.io_backups.yaml",
  Restore: "velero.io_restores.yaml",
  Schedule: "velero.io_schedules.yaml",
  BackupStorageLocation: "velero.io_backupstoragelocations.yaml",
  DeleteBackupRequest: "velero.io_deletebackuprequests.yaml",
  PodVolumeBackup: "velero.io_podvolumebackups.yaml",
  DataUpload: "velero.io_datauploads.yaml",
  DownloadRequest: "velero.io_downloadrequests.yaml",
  ServerStatusRequest: "velero.io_serverstatusrequests.yaml",
};

/** status.phase's enum in the CRD's served version. */
function crdPhases(file: string): string[] {
  const crd = parse(fs.readFileSync(path.join(VELERO_CRDS_DIR, file), "utf8"));
  const version = crd.spec.versions.find((v: { served: boolean }) => v.served);
  return version.schema.openAPIV3Schema.properties.status.properties.phase.enum;
}

const KINDS = Object.keys(PHASES) as PhaseKind[];

describe("the unions are Velero's CRD enums", () => {
  it.each(KINDS)("%s", (kind) => expect([...PHASES[kind]]).toEqual(crdPhases(CRD_FILE[kind])));
});

describe("every phase has a meaning", () => {
  it.each(KINDS.flatMap((k) => PHASES[k].map((p) => [k, p] as const)))("%s %s", (kind, phase) => {
    expect(["success", "info", "warning", "error", "neutral"]).toContain(severity(kind, phase));
    // Nothing is both still running and finished.
    expect(isRunning(kind, phase) && isTerminal(kind, phase)).toBe(false);
  });
});

describe("backup phases", () => {
  it.each([
    // phase, running, terminal, failed, restorable, severity
    ["New", true, false, false, false, "neutral"],
    ["Queued", true, false, false, false, "neutral"],
    ["ReadyToStart", true, false, false, false, "info"],
    ["InProgress", true, false, false, false, "info"],
    ["WaitingForPluginOperations", true, false, false, false, "info"],
    ["WaitingForPluginOperationsPartiallyFailed", true, false, false, false, "warning"],
    ["Finalizing", true, false, false, false, "info"],
    ["FinalizingPartiallyFailed", true, false, false, false, "warning"],
    ["Completed", false, true, false, true, "success"],
    ["PartiallyFailed", false, true, true, true, "warning"],
    ["Failed", false, true, true, false, "error"],
    ["FailedValidation", false, true, true, false, "error"],
    ["Deleting", false, false, false, false, "warning"],
    ["", false, false, false, false, "neutral"],
    [null, false, false, false, false, "neutral"],
    ["SomethingNewer", false, false, false, false, "neutral"],
  ] as const)("%s", (phase, running, terminal, failed, restorable, sev) => {
    expect(isRunning("Backup", phase)).toBe(running);
    expect(isTerminal("Backup", phase)).toBe(terminal);
    expect(isFailed("Backup", phase)).toBe(failed);
    expect(isRestorable(phase)).toBe(restorable);
    expect(severity("Backup", phase)).toBe(sev);
  });
});

describe("restore phases", () => {
  it.each([
    ["New", true, false, "neutral"],
    ["InProgress", true, false, "info"],
    ["WaitingForPluginOperations", true, false, "info"],
    ["WaitingForPluginOperationsPartiallyFailed", true, false, "warning"],
    ["Finalizing", true, false, "info"],
    ["FinalizingPartiallyFailed", true, false, "warning"],
    ["Completed", false, true, "success"],
    ["PartiallyFailed", false, true, "warning"],
    ["Failed", false, true, "error"],
    ["FailedValidation", false, true, "error"],
    // Backup-only phases are not restore phases.
    ["Queued", false, false, "neutral"],
    ["Deleting", false, false, "neutral"],
  ] as const)("%s", (phase, running, terminal, sev) => {
    expect(isRunning("Restore", phase)).toBe(running);
    expect(isTerminal("Restore", phase)).toBe(terminal);
    expect(severity("Restore", phase)).toBe(sev);
  });
});

describe("the other kinds", () => {
  it.each([
    ["Schedule", "Enabled", false, false, "success"],
    ["Schedule", "FailedValidation", false, false, "error"],
    ["Schedule", "New", false, false, "neutral"],
    ["BackupStorageLocation", "Available", false, false, "success"],
    ["BackupStorageLocation", "Unavailable", false, false, "error"],
    ["DeleteBackupRequest", "New", true, false, "neutral"],
    ["DeleteBackupRequest", "InProgress", true, false, "info"],
    ["DeleteBackupRequest", "Processed", false, true, "neutral"],
    ["PodVolumeBackup", "Accepted", true, false, "info"],
    ["PodVolumeBackup", "Canceling", true, false, "warning"],
    ["PodVolumeBackup", "Canceled", false, true, "warning"],
    ["PodVolumeBackup", "Completed", false, true, "success"],
    ["DataUpload", "Prepared", true, false, "info"],
    ["DataUpload", "Failed", false, true, "error"],
    ["DownloadRequest", "New", true, false, "neutral"],
    ["DownloadRequest", "Processed", false, true, "success"],
    ["ServerStatusRequest", "Processed", false, true, "success"],
  ] as const)("%s %s", (kind, phase, running, terminal, sev) => {
    expect(isRunning(kind, phase)).toBe(running);
    expect(isTerminal(kind, phase)).toBe(terminal);
    expect(severity(kind, phase)).toBe(sev);
  });
});

describe("wroteResults", () => {
  it.each([
    ["Backup", "Completed", true],
    ["Backup", "PartiallyFailed", true],
    ["Backup", "Failed", true],
    ["Backup", "FailedValidation", false],
    ["Backup", "InProgress", false],
    ["Backup", "Deleting", false],
    ["Restore", "Completed", true],
    ["Restore", "Failed", true],
    ["Restore", "FailedValidation", false],
    ["Restore", "Finalizing", false],
    ["Restore", null, false],
  ] as const)("%s %s → %s", (kind, phase, want) => expect(wroteResults(kind, phase)).toBe(want));
});

describe("parsePhase", () => {
  it.each([
    ["Backup", "Completed", "Completed"],
    ["Backup", "", "New"],
    ["Backup", null, "New"],
    ["Backup", undefined, "New"],
    ["Backup", "completed", "New"],
    ["Backup", "SomethingNewer", "New"],
    ["Restore", "Deleting", "New"],
    ["Schedule", "Enabled", "Enabled"],
    ["BackupStorageLocation", "Available", "Available"],
    ["BackupStorageLocation", null, "Unavailable"],
    ["BackupStorageLocation", "New", "Unavailable"],
    ["DeleteBackupRequest", "Processed", "Processed"],
    ["DataUpload", "Bogus", "New"],
    ["ServerStatusRequest", "", "New"],
  ] as const)("%s %j → %s", (kind, raw, want) => {
    expect(parsePhase(kind, raw)).toBe(want);
    expect(isPhase(kind, parsePhase(kind, raw))).toBe(true);
  });
});

describe("phasesWhere", () => {
  it("lists the phases a rule picks, in the CRD's order", () => {
    expect(phasesWhere("Backup", (p) => isRunning("Backup", p))).toEqual([
      "New",
      "Queued",
      "ReadyToStart",
      "InProgress",
      "WaitingForPluginOperations",
      "WaitingForPluginOperationsPartiallyFailed",
      "Finalizing",
      "FinalizingPartiallyFailed",
    ]);
    expect(phasesWhere("Backup", (p) => isFailed("Backup", p))).toEqual([
      "FailedValidation",
      "PartiallyFailed",
      "Failed",
    ]);
    expect(phasesWhere("Restore", (p) => isTerminal("Restore", p))).toEqual([
      "FailedValidation",
      "Completed",
      "PartiallyFailed",
      "Failed",
    ]);
  });
});
