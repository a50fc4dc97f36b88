import { z } from "zod";
import { description, id, resourceName } from "./admin";

// Shapes for attaching clusters, shared by the attach dialog and the router.
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const clusterLabels = z
  .record(
    z.string().regex(LABEL_KEY, "Label keys are Kubernetes label keys, e.g. env or example.com/tier"),
    z.string().max(63).regex(LABEL_VALUE, "Label values are up to 63 letters, digits, '-', '_' or '.'"),
  )
  .default({});

export const kubeconfigText = z
  .string()
  .min(1, "Paste or upload a kubeconfig")
  .max(256 * 1024, "A kubeconfig larger than 256 KiB is not accepted");

/**
 * A kubeconfig that sets insecure-skip-tls-verify is accepted only with allowInsecureTls: true, the operator's explicit
 * confirmation that the console may talk to a server it cannot verify.
 */
export const clusterPreviewInput = z.object({
  kubeconfig: kubeconfigText,
  context: z.string().max(253).optional(),
  groupId: id,
  allowInsecureTls: z.boolean().default(false),
});
export const clusterAttachInput = clusterPreviewInput.extend({
  name: resourceName,
  description,
  labels: clusterLabels,
});

/** Renaming, describing and relabelling an attached cluster (Lifeboat's own record; nothing on the cluster changes). */
export const clusterUpdateInput = z.object({ id, name: resourceName, description, labels: clusterLabels });
export type ClusterUpdateInput = z.infer<typeof clusterUpdateInput>;

/** Moving an attached cluster to another cluster group (previewed with the same input). */
export const clusterMoveInput = z.object({ id, groupId: id });
export type ClusterMoveInput = z.infer<typeof clusterMoveInput>;

/**
 * Replacing an attached cluster's kubeconfig (a rotated token, a new CA, a moved API server), previewed with the same
 * input. A server URL other than the stored one is accepted only with confirmServerChange: true, the admin's word that
 * it is the same cluster; insecure-skip-tls-verify only with allowInsecureTls: true, as when attaching.
 */
export const clusterReplaceKubeconfigInput = z.object({
  id,
  kubeconfig: kubeconfigText,
  context: z.string().max(253).optional(),
  allowInsecureTls: z.boolean().default(false),
  confirmServerChange: z.boolean().default(false),
});
export type ClusterReplaceKubeconfigInput = z.infer<typeof clusterReplaceKubeconfigInput>;

/** What Velero detection found on a cluster (kept on the cluster's record, shown by the attach and replace dialogs). */
export const veleroInfo = z.object({
  installed: z.boolean(),
  reason: z.string().optional(),
  serverVersion: z.string().optional(),
  plugins: z.array(z.object({ name: z.string(), kind: z.string() })).optional(),
  nodeAgent: z.boolean(),
  csi: z.object({
    enabled: z.boolean(),
    snapshotClasses: z.array(z.object({ name: z.string(), driver: z.string(), default: z.boolean() })),
  }),
  /**
   * The server's defaults for a backup that does not say (its --default-volumes-to-fs-backup and
   * --default-snapshot-move-data flags); absent on records detected before Lifeboat read them.
   */
  fsBackupDefault: z.enum(["optIn", "optOut"]).optional(),
  moveDataByDefault: z.boolean().optional(),
  /** The images that run: Velero's server, the node-agent, and each plugin (an init container of the Deployment). */
  images: z
    .object({
      server: z.string().nullable(),
      nodeAgent: z.string().nullable(),
      plugins: z.array(z.object({ name: z.string(), image: z.string() })),
    })
    .optional(),
});
export type VeleroInfo = z.infer<typeof veleroInfo>;

/**
 * What the probe found Lifeboat may do on a cluster (#12 plan §5): NONE (some "operate" row is missing), OPERATE (run
 * backups and restores against a Velero someone else installed), MANAGE (also install, upgrade and remove Velero).
 */
export const clusterAccessLevel = z.enum(["NONE", "OPERATE", "MANAGE"]);
export type ClusterAccessLevel = z.infer<typeof clusterAccessLevel>;

/** The onboarding manifest's level: "operate" (least privilege) or "manage" (cluster-admin-equivalent). */
export const onboardingLevel = z.enum(["operate", "manage"]);
export const clusterOnboardingInput = z.object({ level: onboardingLevel.default("operate") }).optional();
export type OnboardingLevel = z.infer<typeof onboardingLevel>;

/**
 * The onboarding manifest at a level, the command that then prints the kubeconfig, and what the level adds to
 * "operate", one line per rule with its reason (none for "operate"; the "What manage Velero adds" table for "manage").
 */
export const clusterOnboardingOutput = z.object({
  yaml: z.string(),
  command: z.string(),
  adds: z.array(z.object({ scope: z.string(), resource: z.string(), verbs: z.array(z.string()), why: z.string() })),
});
export type ClusterOnboarding = z.infer<typeof clusterOnboardingOutput>;

/** What the live check of a kubeconfig found about access, as the attach and replace previews show it. */
export const accessFound = {
  missingAccess: z.array(z.string()),
  accessLevel: clusterAccessLevel,
  missingManageAccess: z.array(z.string()),
  lifeboatNamespace: z.string().nullable(),
};

/** The live check of a replacement kubeconfig: what it reaches, and whether its server is the stored one. */
export const clusterReplaceKubeconfigPreview = z.object({
  contexts: z.array(z.object({ name: z.string(), server: z.string() })),
  context: z.object({ name: z.string(), server: z.string() }),
  storedServer: z.string(),
  serverChanged: z.boolean(),
  kubernetesVersion: z.string(),
  ...accessFound,
  insecureTls: z.boolean(),
  velero: veleroInfo,
});
export type ClusterReplaceKubeconfigPreview = z.infer<typeof clusterReplaceKubeconfigPreview>;

/** Does this kubeconfig text turn off TLS verification anywhere? The attach dialog then asks for the confirmation. */
export const mentionsInsecureTls = (kubeconfig: string) =>
  /["']?insecure-skip-tls-verify["']?\s*:\s*["']?true\b/i.test(kubeconfig);

/** "env=prod, team=payments" → { env: "prod", team: "payments" }; a malformed pair is reported, not dropped. */
export function parseLabelText(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf("=");
    if (i <= 0) return { labels, error: `"${part}" is not key=value` };
    labels[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  const parsed = clusterLabels.safeParse(labels);
  return parsed.success ? { labels: parsed.data } : { labels, error: parsed.error.issues[0]?.message };
}

export { id as clusterId };
