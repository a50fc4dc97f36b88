import { wantsNodeAgent, type PodResources, type Toleration, type VeleroSettings } from "@/lib/schemas/velero";
import { compareVersions, VELERO_RELEASES, type VeleroRelease } from "@/lib/velero/versions";

// The settings of a Velero as the Data protection section lists them, and the choices of the settings dialog in each
// of its modes (enable, change or upgrade, take over). Pure.

export type SettingsMode = "install" | "change" | "takeOver";

/**
 * The versions the dialog offers: any release to install; to change or take over, the version it starts from and the
 * newer releases (Lifeboat never downgrades Velero: its CRDs and data formats only move forward). Newest first.
 */
export function versionChoices(mode: SettingsMode, from: string | null): VeleroRelease[] {
  if (mode === "install" || !from) return [...VELERO_RELEASES];
  return VELERO_RELEASES.filter((r) => (compareVersions(r.version, from) ?? -1) >= 0);
}

/** The dialog's submit button: it starts the installer (enable), or renders a preview of the changes to review. */
export function submitLabel(mode: SettingsMode, running: string | null, chosen: string): string {
  if (mode === "install") return "Run Velero's installer";
  if (mode === "change" && running && chosen !== running) return `Preview upgrade to ${chosen}`;
  return "Preview changes";
}

const amount = (cpu: string, mem: string) => {
  const parts = [cpu !== "0" ? `${cpu} CPU` : null, mem !== "0" ? `${mem} memory` : null].filter(Boolean);
  return parts.length ? parts.join(", ") : "none";
};

/** "requests 500m CPU, 128Mi memory; limits 1 CPU, 512Mi memory" ("no requests or limits" when all are 0). */
export function resourcesText(r: PodResources): string {
  const requests = amount(r.cpuRequest, r.memRequest);
  const limits = amount(r.cpuLimit, r.memLimit);
  if (requests === "none" && limits === "none") return "no requests or limits";
  return `requests ${requests}; limits ${limits}`;
}

/** "dedicated=backup:NoSchedule", "gpu (any value)", "every taint". */
export function tolerationText(t: Toleration): string {
  const what = t.operator === "Exists" ? (t.key ? `${t.key} (any value)` : "every taint") : `${t.key}=${t.value ?? ""}`;
  return t.effect ? `${what}:${t.effect}` : what;
}

/** Where the node-agent runs: nowhere when nothing needs it, else its nodes and tolerations. */
export function nodeAgentText(s: VeleroSettings): string {
  if (!wantsNodeAgent(s)) return "Not running (neither file-system backup nor data movement needs it)";
  const selector = Object.entries(s.nodeAgent.nodeSelector).map(([k, v]) => `${k}=${v}`);
  const where = selector.length ? `on nodes labelled ${selector.join(", ")}` : "on every node";
  const tolerates = s.nodeAgent.tolerations.length
    ? `, tolerating ${s.nodeAgent.tolerations.map(tolerationText).join(", ")}`
    : "";
  return `${s.privilegedNodeAgent ? "Privileged, " : ""}${where}${tolerates}`;
}

export interface SettingsRow {
  /** velero-settings-<id> is its test id. */
  id: string;
  term: string;
  value: string;
}

/**
 * The settings as a definition list: version, file-system backup, CSI, data movement, registry and its pull secrets,
 * resources, placement.
 */
export function settingsRows(s: VeleroSettings): SettingsRow[] {
  const agent = wantsNodeAgent(s);
  return [
    { id: "version", term: "Version", value: s.version },
    {
      id: "fsb",
      term: "File-system backup",
      value: !s.fsBackup.enabled
        ? "Off"
        : s.fsBackup.default === "optOut"
          ? "On: every pod volume, except those a pod excludes (opt-out)"
          : "On: only the volumes a pod names (opt-in)",
    },
    { id: "csi", term: "CSI snapshots", value: s.csi.enabled ? "On" : "Off" },
    {
      id: "data-movement",
      term: "Data movement",
      value: s.csi.enabled && s.csi.moveDataByDefault ? "On: snapshot data is moved to the backup location" : "Off",
    },
    { id: "registry", term: "Image registry", value: s.registry ?? "Docker Hub (docker.io)" },
    {
      id: "pull-secrets",
      term: "Image pull secrets",
      value: s.imagePullSecrets.length ? s.imagePullSecrets.join(", ") : "None",
    },
    {
      id: "resources",
      term: "Resources",
      value:
        `Velero's server: ${resourcesText(s.resources.velero)}` +
        (agent ? `. Node-agent: ${resourcesText(s.resources.nodeAgent)}` : ""),
    },
    { id: "node-agent", term: "Node-agent", value: nodeAgentText(s) },
  ];
}

/** The settings in one sentence ("file-system backup of annotated volumes (opt-in); CSI snapshots; images from …"). */
export function settingsText(s: VeleroSettings): string {
  const fsb = s.fsBackup.enabled
    ? `file-system backup ${s.fsBackup.default === "optOut" ? "of every volume (opt-out)" : "of annotated volumes (opt-in)"}`
    : "no file-system backup";
  const csi = s.csi.enabled
    ? `CSI snapshots${s.csi.moveDataByDefault ? " with data movement" : ""}`
    : "no CSI snapshots";
  const secrets = s.imagePullSecrets.length ? ` with the pull secrets ${s.imagePullSecrets.join(", ")}` : "";
  return `${fsb}; ${csi}; images from ${s.registry ?? "Docker Hub"}${secrets}`;
}
