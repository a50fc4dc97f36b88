"use client";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import { Tooltip } from "@/components/common/Tooltip";
import { compatibility, type CompatibilityLevel } from "@/lib/velero/versions";

export type VeleroInfo = {
  installed: boolean;
  reason?: string;
  serverVersion?: string;
  plugins?: { name: string; kind: string }[];
  nodeAgent: boolean;
  csi: { enabled: boolean; snapshotClasses: { name: string; driver: string; default: boolean }[] };
} | null;

/** What data protection can use on a cluster: Velero, file-system backup (node-agent), CSI snapshots. */
export function VeleroSummary({ velero }: { velero: VeleroInfo }) {
  if (!velero) return <Chip size="small" label="Not checked" />;
  if (!velero.installed)
    return (
      <Tooltip title={velero.reason ?? ""}>
        <Chip size="small" color="warning" variant="outlined" label="Velero not found" />
      </Tooltip>
    );
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: "wrap" }}>
      <Chip size="small" color="success" variant="outlined" label={`Velero ${velero.serverVersion ?? ""}`.trim()} />
      <Tooltip
        title={
          velero.nodeAgent
            ? "node-agent is running: file-system backup (kopia) is available"
            : "No node-agent: file-system backup is not available"
        }
      >
        <Chip
          size="small"
          variant="outlined"
          color={velero.nodeAgent ? "default" : "warning"}
          label={velero.nodeAgent ? "File-system backup" : "No file-system backup"}
        />
      </Tooltip>
      <Tooltip
        title={
          velero.csi.enabled
            ? `EnableCSI is on; snapshot classes: ${velero.csi.snapshotClasses.map((c) => `${c.name} (${c.driver})`).join(", ") || "none"}`
            : "Velero runs without --features=EnableCSI"
        }
      >
        <Chip
          size="small"
          variant="outlined"
          color={velero.csi.enabled && velero.csi.snapshotClasses.length ? "default" : "warning"}
          label={
            velero.csi.enabled
              ? velero.csi.snapshotClasses.length
                ? "CSI snapshots"
                : "CSI on, no snapshot class"
              : "No CSI snapshots"
          }
        />
      </Tooltip>
    </Stack>
  );
}

const COMPATIBILITY: Record<CompatibilityLevel, { label: string; color: "success" | "default" | "error" }> = {
  tested: { label: "Tested together", color: "success" },
  supported: { label: "Supported", color: "default" },
  unsupported: { label: "Not supported", color: "error" },
  unknown: { label: "Unknown", color: "default" },
};

/** Whether the cluster's Velero goes with its Kubernetes version, by Velero's compatibility matrix, in words. */
export function VeleroCompatibility({ kubernetes, velero }: { kubernetes: string | null; velero: VeleroInfo }) {
  if (!kubernetes || !velero?.installed || !velero.serverVersion) return <>—</>;
  const c = compatibility(kubernetes, velero.serverVersion);
  const shown = COMPATIBILITY[c.level];
  return (
    <Stack
      direction="row"
      spacing={1}
      sx={{ alignItems: "center", flexWrap: "wrap" }}
      data-testid="velero-compatibility"
    >
      <Chip size="small" variant="outlined" color={shown.color} label={shown.label} />
      <span>{c.why}</span>
    </Stack>
  );
}
