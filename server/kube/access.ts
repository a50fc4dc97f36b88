import { stringify } from "yaml";

// What Lifeboat needs on a cluster, one row per verb and resource, so probeCluster can ask one SelfSubjectAccessReview
// per row and the onboarding manifest grants exactly these rows and nothing more. A resource starting with "/" is a
// non-resource URL (group ""), e.g. "/version".
export interface AccessRequirement {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  why: string;
}

export const VELERO_NAMESPACE = "velero";

const VELERO_WRITE = ["create", "get", "list", "watch", "update", "patch", "delete"];
const READ_WATCH = ["get", "list", "watch"];
const READ = ["get", "list"];

// [verbs, group, resource, scope, why]; scope "velero" = the Velero namespace, undefined = cluster-wide.
type Row = [verbs: string[], group: string, resource: string, scope: "velero" | undefined, why: string];
const ROWS: Row[] = [
  [VELERO_WRITE, "velero.io", "backups", "velero", "needed to run, list and follow backups"],
  [VELERO_WRITE, "velero.io", "restores", "velero", "needed to run, list and follow restores"],
  [VELERO_WRITE, "velero.io", "schedules", "velero", "needed to manage backup schedules"],
  [VELERO_WRITE, "velero.io", "backupstoragelocations", "velero", "needed to manage backup locations"],
  [
    VELERO_WRITE,
    "velero.io",
    "deletebackuprequests",
    "velero",
    "needed to delete backups (Velero deletes through DeleteBackupRequests)",
  ],
  [VELERO_WRITE, "velero.io", "downloadrequests", "velero", "needed to fetch backup and restore logs and results"],
  [VELERO_WRITE, "velero.io", "serverstatusrequests", "velero", "needed to read Velero's version and plugins"],
  [READ_WATCH, "velero.io", "podvolumebackups", "velero", "needed to show file-system backup progress"],
  [READ_WATCH, "velero.io", "podvolumerestores", "velero", "needed to show file-system restore progress"],
  [READ_WATCH, "velero.io", "datauploads", "velero", "needed to show data-movement progress of backups"],
  [READ_WATCH, "velero.io", "datadownloads", "velero", "needed to show data-movement progress of restores"],
  [
    ["create", "get", "update", "delete"],
    "",
    "secrets",
    "velero",
    "needed to store the cloud credentials of backup locations",
  ],
  [
    ["create", "get", "update", "delete"],
    "",
    "configmaps",
    "velero",
    "needed to map storage classes on restore (Velero's change-storage-class ConfigMap)",
  ],
  [READ, "apps", "deployments", "velero", "needed to read Velero's server settings (features such as EnableCSI)"],
  [READ, "apps", "daemonsets", "velero", "needed to check the node-agent (file-system backup and data movement)"],
  [READ, "", "namespaces", undefined, "needed to choose namespaces to back up and restore"],
  [READ, "", "pods", undefined, "needed to show which pod volumes file-system backup covers"],
  [READ, "", "persistentvolumeclaims", undefined, "needed to show volume coverage"],
  [READ, "", "persistentvolumes", undefined, "needed to show volume coverage"],
  [
    READ,
    "storage.k8s.io",
    "storageclasses",
    undefined,
    "needed to tell CSI volumes from others and to map storage classes on restore",
  ],
  [
    READ,
    "snapshot.storage.k8s.io",
    "volumesnapshotclasses",
    undefined,
    "needed to find the CSI snapshot class Velero will use",
  ],
  [
    READ,
    "apiextensions.k8s.io",
    "customresourcedefinitions",
    undefined,
    "needed to check that Velero's CRDs are installed",
  ],
  [["get"], "", "/version", undefined, "needed to read the Kubernetes version"],
];

/** The rows for a Velero installed in another namespace than "velero". */
export function requiredAccess(veleroNamespace = VELERO_NAMESPACE): AccessRequirement[] {
  return ROWS.flatMap(([verbs, group, resource, scope, why]) =>
    verbs.map((verb) => ({ verb, group, resource, ...(scope ? { namespace: veleroNamespace } : {}), why })),
  );
}

export const REQUIRED_ACCESS: AccessRequirement[] = requiredAccess();

export const isNonResource = (a: Pick<AccessRequirement, "resource">) => a.resource.startsWith("/");

/** "list persistentvolumes (cluster-wide): needed to show volume coverage" */
export function describeAccess(a: AccessRequirement): string {
  const what = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${a.verb} ${what} (${a.namespace ? `namespace ${a.namespace}` : "cluster-wide"}): ${a.why}`;
}

// ---- the onboarding manifest ----------------------------------------------------------------------------------------

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** RBAC rules granting exactly `rows`: resources with the same group and verbs share a rule; no wildcards. */
export function rulesFor(rows: AccessRequirement[]): PolicyRule[] {
  const verbsOf = new Map<string, { group: string; resource: string; verbs: string[] }>();
  for (const r of rows) {
    const key = `${r.group}\u0000${r.resource}`;
    const entry = verbsOf.get(key) ?? { group: r.group, resource: r.resource, verbs: [] };
    if (!entry.verbs.includes(r.verb)) entry.verbs.push(r.verb);
    verbsOf.set(key, entry);
  }
  const rules = new Map<string, PolicyRule>();
  for (const { group, resource, verbs } of verbsOf.values()) {
    const nonResource = resource.startsWith("/");
    const key = `${nonResource ? "url" : group}\u0000${verbs.join(",")}`;
    const rule =
      rules.get(key) ?? (nonResource ? { nonResourceURLs: [], verbs } : { apiGroups: [group], resources: [], verbs });
    (nonResource ? rule.nonResourceURLs! : rule.resources!).push(resource);
    rules.set(key, rule);
  }
  return [...rules.values()];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface OnboardingOptions {
  namespace?: string;
  serviceAccount?: string;
  veleroNamespace?: string;
}

/**
 * The manifest a platform engineer applies once per cluster (`kubectl apply -f -`): a ServiceAccount with a long-lived
 * token Secret, a ClusterRole for the cluster-wide reads, a Role in the Velero namespace for the Velero writes and
 * secrets, and their bindings; and the one command that then prints the kubeconfig to paste into Lifeboat.
 */
export function onboardingManifest(opts: OnboardingOptions = {}): { yaml: string; command: string } {
  const ns = opts.namespace ?? "lifeboat-system";
  const sa = opts.serviceAccount ?? "lifeboat";
  const velero = opts.veleroNamespace ?? VELERO_NAMESPACE;
  // The names go into a shell command, so they must be plain DNS labels (which Kubernetes requires anyway).
  for (const [what, v] of [
    ["namespace", ns],
    ["serviceAccount", sa],
    ["veleroNamespace", velero],
  ]) {
    if (!DNS_LABEL.test(v))
      throw new Error(`${what} "${v}" is not a valid Kubernetes name (lowercase letters, digits and "-", at most 63)`);
  }
  const secret = `${sa}-token`;
  const rows = requiredAccess(velero);
  const labels = { "app.kubernetes.io/name": "lifeboat", "app.kubernetes.io/component": "cluster-access" };
  const subject = [{ kind: "ServiceAccount", name: sa, namespace: ns }];
  const rbac = "rbac.authorization.k8s.io/v1";
  const docs = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns, labels } },
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/service-account-token",
      metadata: { name: secret, namespace: ns, labels, annotations: { "kubernetes.io/service-account.name": sa } },
    },
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: { name: sa, labels },
      rules: rulesFor(rows.filter((r) => !r.namespace)),
    },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: sa, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: sa },
      subjects: subject,
    },
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: sa, namespace: velero, labels },
      rules: rulesFor(rows.filter((r) => r.namespace === velero)),
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: sa, namespace: velero, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: sa },
      subjects: subject,
    },
  ];
  const header = `# Lifeboat cluster access: apply with \`kubectl apply -f -\` (the namespace ${velero} must exist: install Velero first).\n`;
  const yaml = header + docs.map((d) => stringify(d)).join("---\n");
  return { yaml, command: kubeconfigCommand(ns, secret) };
}

/**
 * A POSIX shell command (kubectl with jsonpath, base64; no jq) for the current kubectl context: it prints a kubeconfig
 * with the service-account token, the server URL of the current context and its CA (from the kubeconfig, flattened;
 * else the token Secret's ca.crt).
 */
function kubeconfigCommand(ns: string, secret: string): string {
  const template =
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: lifeboat",
      "  cluster:",
      "    server: %s",
      "    certificate-authority-data: %s",
      "users:",
      "- name: lifeboat",
      "  user:",
      "    token: %s",
      "contexts:",
      "- name: lifeboat",
      "  context:",
      "    cluster: lifeboat",
      "    user: lifeboat",
      "current-context: lifeboat",
    ].join("\\n") + "\\n";
  return [
    `NS=${ns} SECRET=${secret}`,
    `SERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')`,
    `CA=$(kubectl config view --raw --minify --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')`,
    `{ [ -n "$CA" ] || CA=$(kubectl -n "$NS" get secret "$SECRET" -o jsonpath='{.data.ca\\.crt}'); }`,
    `TOKEN=$(kubectl -n "$NS" get secret "$SECRET" -o jsonpath='{.data.token}' | base64 --decode)`,
    `{ [ -n "$TOKEN" ] || { echo "the Secret $NS/$SECRET has no token yet: apply the manifest, wait a few seconds and run this again" >&2; false; }; }`,
    `printf '${template}' "$SERVER" "$CA" "$TOKEN"`,
  ].join(" && ");
}
