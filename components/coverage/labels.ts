import type { CoverageMethodName } from "@/lib/schemas/coverage";

// How coverage methods read and look in the console (#13): one place for the Coverage page and the dashboard.
export const METHOD_LABELS: Record<CoverageMethodName, string> = {
  FSB: "File-system backup",
  CSI_SNAPSHOT: "CSI snapshot",
  CSI_DATA_MOVED: "CSI + data movement",
  NATIVE_SNAPSHOT: "Native snapshot",
  CUSTOM: "External plugin",
  SKIPPED: "Skipped",
  ERROR: "Error",
  NOT_COVERED: "Not covered",
};

export const METHOD_COLORS: Record<CoverageMethodName, "success" | "info" | "warning" | "error" | "default"> = {
  FSB: "success",
  CSI_SNAPSHOT: "info",
  CSI_DATA_MOVED: "success",
  NATIVE_SNAPSHOT: "info",
  CUSTOM: "default",
  SKIPPED: "warning",
  ERROR: "error",
  NOT_COVERED: "error",
};

export { formatBytes } from "@/lib/text/bytes";
