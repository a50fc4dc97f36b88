// Velero's compatibility with Kubernetes, by Velero minor release, as Velero's README matrix states it
// (../shared/reference/velero-api.md §11): every release from 1.14 on expects Kubernetes 1.18 or later, each was tested
// on a few Kubernetes versions, and each goes with one minor line of the AWS and Azure plugins. CSI snapshots need
// Kubernetes 1.20 or later (snapshot.storage.k8s.io/v1). Pure, for the server's pre-checks and the console's views
// (#12: enable, upgrade, the fleet's versions).

export interface VeleroMinor {
  /** "1.18" */
  minor: string;
  /** The oldest Kubernetes minor it expects. */
  kubernetesMin: string;
  /** The Kubernetes versions Velero's own tests ran on. */
  tested: readonly string[];
  /** The AWS and Azure plugins' minor line for it, e.g. "v1.14" (any v1.14.x). */
  pluginLine: string;
}

/** Newest first. */
export const VELERO_MINORS: readonly VeleroMinor[] = [
  { minor: "1.18", kubernetesMin: "1.18", tested: ["1.33.7", "1.34.1", "1.35.0"], pluginLine: "v1.14" },
  { minor: "1.17", kubernetesMin: "1.18", tested: ["1.31.7", "1.32.3", "1.33.1", "1.34.0"], pluginLine: "v1.13" },
  { minor: "1.16", kubernetesMin: "1.18", tested: ["1.31.4", "1.32.3", "1.33.0"], pluginLine: "v1.12" },
  { minor: "1.15", kubernetesMin: "1.18", tested: ["1.28.8", "1.29.8", "1.30.4", "1.31.1"], pluginLine: "v1.11" },
  { minor: "1.14", kubernetesMin: "1.18", tested: ["1.27.9", "1.28.9", "1.29.4"], pluginLine: "v1.10" },
];

/** Kubernetes for CSI snapshots (the v1 snapshot API). */
export const CSI_MIN_KUBERNETES = "1.20";

/** "v1.18.1", "1.18", "v1.31.4+k3s1" → [1, 18, 1] / [1, 18] / [1, 31, 4]; null when it is not a version. */
export function versionParts(v: string): number[] | null {
  const m = /^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:[-+].*)?$/.exec(v.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), ...(m[3] !== undefined ? [Number(m[3])] : [])];
}

/** Compares two versions by their parts (missing parts count as 0); null when either is not a version. */
export function compareVersions(a: string, b: string): number | null {
  const x = versionParts(a);
  const y = versionParts(b);
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The Velero minor a version belongs to ("v1.18.1" → the 1.18 entry), or undefined for one this table does not know. */
export function veleroMinorOf(version: string): VeleroMinor | undefined {
  const p = versionParts(version);
  return p ? VELERO_MINORS.find((m) => m.minor === `${p[0]}.${p[1]}`) : undefined;
}

export type CompatibilityLevel = "tested" | "supported" | "unsupported" | "unknown";

/**
 * How a Velero version goes with a cluster's Kubernetes version: "tested" (its minor is in Velero's tested list),
 * "supported" (at or above the minimum, not tested by Velero), "unsupported" (below the minimum), or "unknown" (a
 * version this table does not know, or not a version); with the reason in words.
 */
export function compatibility(kubernetes: string, velero: string): { level: CompatibilityLevel; why: string } {
  const k = versionParts(kubernetes);
  const minor = veleroMinorOf(velero);
  if (!k) return { level: "unknown", why: `"${kubernetes}" is not a Kubernetes version` };
  if (!minor) return { level: "unknown", why: `Lifeboat does not know Velero ${velero}'s compatibility` };
  const kMinor = `${k[0]}.${k[1]}`;
  if (compareVersions(kMinor, minor.kubernetesMin)! < 0)
    return {
      level: "unsupported",
      why: `Velero ${minor.minor} needs Kubernetes ${minor.kubernetesMin} or later; this cluster runs ${kMinor}`,
    };
  const tested = minor.tested.filter((t) => t.startsWith(`${kMinor}.`));
  if (tested.length)
    return { level: "tested", why: `Velero ${minor.minor} was tested on Kubernetes ${tested.join(", ")}` };
  return {
    level: "supported",
    why:
      `Velero ${minor.minor} supports Kubernetes ${minor.kubernetesMin} and later; ${kMinor} is not among the versions ` +
      `it was tested on (${minor.tested.join(", ")})`,
  };
}

/** Whether CSI snapshots can work on this Kubernetes version (the API itself is checked on the cluster). */
export function csiPossible(kubernetes: string): boolean {
  const c = compareVersions(kubernetes, CSI_MIN_KUBERNETES);
  return c !== null && c >= 0;
}

/** A Velero release Lifeboat installs: the server image's tag and the tags of the plugins that go with it. */
export interface VeleroRelease {
  version: string;
  plugins: { aws: string; azure: string };
}

/** What Lifeboat offers to install and upgrade to, newest first. */
export const VELERO_RELEASES: readonly VeleroRelease[] = [
  { version: "v1.18.1", plugins: { aws: "v1.14.0", azure: "v1.14.0" } },
  { version: "v1.17.0", plugins: { aws: "v1.13.0", azure: "v1.13.0" } },
];

export const releaseOf = (version: string): VeleroRelease | undefined =>
  VELERO_RELEASES.find((r) => r.version === version);

/** Releases newer than `version` (the upgrade targets), newest first. */
export const newerReleases = (version: string): VeleroRelease[] =>
  VELERO_RELEASES.filter((r) => (compareVersions(r.version, version) ?? 0) > 0);

/** The ObjectStore provider names Velero's plugins register, by image repository. */
export const PLUGIN_REPOSITORIES = {
  "velero.io/aws": "velero/velero-plugin-for-aws",
  "velero.io/azure": "velero/velero-plugin-for-microsoft-azure",
} as const;
export type ObjectStoreProvider = keyof typeof PLUGIN_REPOSITORIES;

/** "registry.example:5000/velero/velero-plugin-for-aws:v1.14.0" → "velero.io/aws"; undefined for other images. */
export function pluginProviderOf(image: string): ObjectStoreProvider | undefined {
  const repo = image.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
  return (Object.keys(PLUGIN_REPOSITORIES) as ObjectStoreProvider[]).find(
    (p) => repo === PLUGIN_REPOSITORIES[p] || repo.endsWith(`/${PLUGIN_REPOSITORIES[p]}`),
  );
}
