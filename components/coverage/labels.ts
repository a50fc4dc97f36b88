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

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i && n < 10 ? 1 : 0)} ${units[i]}`;
}
