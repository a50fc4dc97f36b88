import { stringify } from "yaml";

// What Lifeboat needs on a cluster, one row per verb and resource, so probeCluster can ask one SelfSubjectAccessReview
// per row and the onboarding manifest grants exactly these rows and nothing more. A resource starting with "/" is a
// non-resource URL (group ""), e.g. "/version". Two levels (#12 plan §5): "operate" (run backups and restores against a
// Velero someone else installed) and "manage" (install, upgrade and remove Velero itself with Velero's own installer
// Job), which is granted on top of "operate".
export type AccessLevel = "operate" | "manage";

export interface AccessRequirement {
  level: AccessLevel;
  verb: string;
  group: string;
  resource: string;
  /** Only this object (RBAC resourceNames; SelfSubjectAccessReview resourceAttributes.name). */
  resourceName?: string;
  /** The Velero namespace, or Lifeboat's own namespace (manage rows); undefined = cluster-wide. */
  namespace?: string;
  why: string;
  /**
   * Granted by the manifest, but not needed to operate: without it only volume coverage (#13) is missing, and its page
   * says so. Clusters attached before coverage existed keep their access level until the manifest is applied again.
   */
  optional?: boolean;
}

export const VELERO_NAMESPACE = "velero";

const VELERO_WRITE = ["create", "get", "list", "watch", "update", "patch", "delete"];
const READ_WATCH = ["get", "list", "watch"];
const READ = ["get", "list"];

// [verbs, group, resource, scope, why, optional]; scope "velero" = the Velero namespace, undefined = cluster-wide.
type Row = [
  verbs: string[],
  group: string,
  resource: string,
  scope: "velero" | undefined,
  why: string,
  optional?: "optional",
];
const COVERAGE = "needed to show volume coverage live (watched)";
const PREDICTION = "needed to predict which objects a restore would find already there (names only)";
const PREDICTED: [group: string, resource: string][] = [
  ["", "serviceaccounts"],
  ["", "services"],
  ["apps", "deployments"],
  ["apps", "statefulsets"],
  ["apps", "daemonsets"],
  ["apps", "replicasets"],
  ["batch", "jobs"],
  ["batch", "cronjobs"],
  ["networking.k8s.io", "ingresses"],
  ["networking.k8s.io", "networkpolicies"],
  ["policy", "poddisruptionbudgets"],
  ["autoscaling", "horizontalpodautoscalers"],
  ["rbac.authorization.k8s.io", "roles"],
  ["rbac.authorization.k8s.io", "rolebindings"],
];
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
  // Volume coverage (#13) follows these with watches; optional, see AccessRequirement.optional.
  [["watch"], "", "namespaces", undefined, COVERAGE, "optional"],
  [["watch"], "", "pods", undefined, COVERAGE, "optional"],
  [["watch"], "", "persistentvolumeclaims", undefined, COVERAGE, "optional"],
  [["watch"], "", "persistentvolumes", undefined, COVERAGE, "optional"],
  [["watch"], "snapshot.storage.k8s.io", "volumesnapshotclasses", undefined, COVERAGE, "optional"],
  [READ_WATCH, "velero.io", "volumesnapshotlocations", "velero", "needed to predict native snapshots", "optional"],
  // The restore pre-flight check (#14 §2) lists the kinds a restore writes most, to predict which objects it would
  // find already there (only names are kept); optional like the coverage rows. Secrets and ConfigMaps are not listed
  // (a list returns their data): the prediction says it could not read them.
  ...PREDICTED.map(([group, resource]): Row => [["list"], group, resource, undefined, PREDICTION, "optional"]),
];

/** The rows for a Velero installed in another namespace than "velero". */
export function requiredAccess(veleroNamespace = VELERO_NAMESPACE): AccessRequirement[] {
  return ROWS.flatMap(([verbs, group, resource, scope, why, optional]) =>
    verbs.map((verb) => ({
      level: "operate" as const,
      verb,
      group,
      resource,
      ...(scope ? { namespace: veleroNamespace } : {}),
      why,
      ...(optional ? { optional: true } : {}),
    })),
  );
}

export const REQUIRED_ACCESS: AccessRequirement[] = requiredAccess();

// ---- "manage Velero" (plan §5.1) -------------------------------------------------------------------------------------

/** Where a manage row applies: cluster-wide, in Velero's namespace, or in Lifeboat's own (where the installer Job runs). */
export type AccessScope = "cluster" | "velero" | "lifeboat";

/** One line of the "what manage adds" table: verbs on resources of one group in one scope, with the reason. */
export interface AccessRow {
  scope: AccessScope;
  group: string;
  resources: string[];
  verbs: string[];
  resourceName?: string;
  why: string;
  /** Granted, but the level does not depend on it (see AccessRequirement.optional): added after clusters were attached. */
  optional?: boolean;
}

export const VELERO_MANAGER_ROLE = "lifeboat-velero-manager";
export const INSTALLER_ROLE = "lifeboat-installer";
/** The ServiceAccount Velero's installer Job runs as, in Lifeboat's namespace: bound to nothing (the installer only needs
 * a mounted token, because `velero install` builds a client before it renders; it makes no API call with our flags). */
export const INSTALLER_SERVICE_ACCOUNT = "lifeboat-velero-installer";
export const DEFAULT_LIFEBOAT_NAMESPACE = "lifeboat-system";

const RBAC_GROUP = "rbac.authorization.k8s.io";

/**
 * What "manage Velero" adds to "operate", as the onboarding dialog's table shows it. An apply that creates is authorized
 * as `create` too, and RBAC cannot restrict `create` by name, so the create rules name no resources; the escalation
 * check on bindings is why `bind` on the ClusterRole cluster-admin is needed.
 */
export const MANAGE_ROWS: readonly AccessRow[] = [
  {
    scope: "cluster",
    group: "apiextensions.k8s.io",
    resources: ["customresourcedefinitions"],
    verbs: ["create", "patch", "update", "delete"],
    why: "install and upgrade Velero's CRDs (create cannot be limited by name; Lifeboat refuses non-velero.io CRDs itself)",
  },
  {
    scope: "cluster",
    group: RBAC_GROUP,
    resources: ["clusterrolebindings"],
    verbs: ["create"],
    why: "create Velero's binding",
  },
  {
    scope: "cluster",
    group: RBAC_GROUP,
    resources: ["clusterrolebindings"],
    verbs: ["get", "patch", "update", "delete"],
    resourceName: "velero",
    why: "keep and remove Velero's binding",
  },
  {
    scope: "cluster",
    group: RBAC_GROUP,
    resources: ["clusterroles"],
    verbs: ["bind"],
    resourceName: "cluster-admin",
    why: "the installer binds Velero to cluster-admin (RBAC escalation check)",
  },
  {
    scope: "cluster",
    group: "",
    resources: ["namespaces"],
    verbs: ["patch", "update"],
    resourceName: VELERO_NAMESPACE,
    why: "Velero's namespace labels (Pod Security: privileged)",
  },
  {
    scope: "cluster",
    group: "",
    resources: ["namespaces"],
    verbs: ["patch", "delete"],
    why: "restore drills: label the namespaces a drill restored, and remove them afterwards (only those labelled as its)",
    optional: true,
  },
  {
    scope: "cluster",
    group: "storage.k8s.io",
    resources: ["csidrivers"],
    verbs: ["get", "list"],
    why: "pre-check: which provisioners are CSI drivers",
  },
  {
    scope: "velero",
    group: "",
    resources: ["serviceaccounts"],
    verbs: ["get", "create", "patch", "update", "delete"],
    why: "Velero's ServiceAccount",
  },
  {
    scope: "velero",
    group: "apps",
    resources: ["deployments", "daemonsets"],
    verbs: ["create", "patch", "update", "delete", "watch"],
    why: "Velero's server and node-agent (get, list exist)",
  },
  { scope: "velero", group: "", resources: ["pods"], verbs: ["get", "list"], why: "why a rollout is stuck" },
  { scope: "velero", group: "", resources: ["events"], verbs: ["list"], why: "FailedCreate (Pod Security, quotas)" },
  {
    scope: "velero",
    group: "",
    resources: ["secrets"],
    verbs: ["patch", "list"],
    why: "the registry pull Secret (SSA)",
  },
  {
    scope: "lifeboat",
    group: "batch",
    resources: ["jobs"],
    verbs: ["create", "get", "list", "delete"],
    why: "run Velero's installer",
  },
  { scope: "lifeboat", group: "", resources: ["pods"], verbs: ["get", "list"], why: "follow the installer's pod" },
  { scope: "lifeboat", group: "", resources: ["pods/log"], verbs: ["get"], why: "read what the installer rendered" },
  {
    scope: "lifeboat",
    group: "",
    resources: ["secrets"],
    verbs: ["create", "get", "update", "delete"],
    why: "the installer's pull Secret",
  },
  {
    scope: "cluster",
    group: "",
    resources: ["/apis/snapshot.storage.k8s.io"],
    verbs: ["get"],
    why: "pre-check: is the CSI snapshot API served (discovery is open anyway)",
  },
];

/** The object a manage row names: the namespaces row names Velero's namespace, wherever that is. */
const nameIn = (row: AccessRow, veleroNamespace: string) =>
  row.group === "" && row.resources[0] === "namespaces" && row.resourceName ? veleroNamespace : row.resourceName;

/** One line of the "What manage Velero adds" table, worded for the operator, with the namespaces the manifest uses. */
export interface AccessAdd {
  /** "cluster-wide" or "namespace velero". */
  scope: string;
  /** "clusterroles.rbac.authorization.k8s.io/cluster-admin"; several resources are comma-separated; a URL as is. */
  resource: string;
  verbs: string[];
  why: string;
}

/** MANAGE_ROWS as the onboarding dialogs show them (one line per row, in the order of the plan's table). */
export function manageAdds(
  veleroNamespace = VELERO_NAMESPACE,
  lifeboatNamespace = DEFAULT_LIFEBOAT_NAMESPACE,
): AccessAdd[] {
  return MANAGE_ROWS.map((row) => {
    const name = nameIn(row, veleroNamespace);
    const scope =
      row.scope === "velero"
        ? `namespace ${veleroNamespace}`
        : row.scope === "lifeboat"
          ? `namespace ${lifeboatNamespace}`
          : "cluster-wide";
    const resource = row.resources
      .map((r) => (row.group ? `${r}.${row.group}` : r) + (name ? `/${name}` : ""))
      .join(", ");
    return { scope, resource, verbs: [...row.verbs], why: row.why };
  });
}

/**
 * The "manage Velero" rows (on top of requiredAccess), one per verb and resource. Velero's namespace also replaces the
 * name of the namespaces row. With `lifeboatNamespace` null (Lifeboat's identity is not a service account, so its
 * namespace is unknown) the rows in Lifeboat's namespace are left out.
 */
export function manageAccess(
  veleroNamespace = VELERO_NAMESPACE,
  lifeboatNamespace: string | null = DEFAULT_LIFEBOAT_NAMESPACE,
): AccessRequirement[] {
  return MANAGE_ROWS.flatMap((row) => {
    if (row.scope === "lifeboat" && lifeboatNamespace === null) return [];
    const namespace =
      row.scope === "velero" ? veleroNamespace : row.scope === "lifeboat" ? lifeboatNamespace! : undefined;
    const resourceName = nameIn(row, veleroNamespace);
    return row.resources.flatMap((resource) =>
      row.verbs.map((verb): AccessRequirement => ({
        level: "manage",
        verb,
        group: row.group,
        resource,
        ...(resourceName ? { resourceName } : {}),
        ...(namespace ? { namespace } : {}),
        why: row.why,
        ...(row.optional ? { optional: true } : {}),
      })),
    );
  });
}

export const isNonResource = (a: Pick<AccessRequirement, "resource">) => a.resource.startsWith("/");

/** "list persistentvolumes (cluster-wide): needed to show volume coverage"; a named row: "bind clusterroles.rbac…/cluster-admin". */
export function describeAccess(a: AccessRequirement): string {
  const what = (a.group ? `${a.resource}.${a.group}` : a.resource) + (a.resourceName ? `/${a.resourceName}` : "");
  return `${a.verb} ${what} (${a.namespace ? `namespace ${a.namespace}` : "cluster-wide"}): ${a.why}`;
}

// ---- the onboarding manifest ----------------------------------------------------------------------------------------

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/**
 * RBAC rules granting exactly `rows`: resources with the same group, verbs and resource name share a rule; no
 * wildcards. A rule carries `resourceNames` only where its rows name their object.
 */
export function rulesFor(rows: AccessRequirement[]): PolicyRule[] {
  const verbsOf = new Map<string, { group: string; resource: string; name?: string; verbs: string[] }>();
  for (const r of rows) {
    const key = `${r.group}\u0000${r.resource}\u0000${r.resourceName ?? ""}`;
    const entry = verbsOf.get(key) ?? { group: r.group, resource: r.resource, name: r.resourceName, verbs: [] };
    if (!entry.verbs.includes(r.verb)) entry.verbs.push(r.verb);
    verbsOf.set(key, entry);
  }
  const rules = new Map<string, PolicyRule>();
  for (const { group, resource, name, verbs } of verbsOf.values()) {
    const nonResource = resource.startsWith("/");
    const key = `${nonResource ? "url" : group}\u0000${verbs.join(",")}\u0000${name ?? ""}`;
    const rule =
      rules.get(key) ??
      (nonResource
        ? { nonResourceURLs: [], verbs }
        : { apiGroups: [group], resources: [], ...(name ? { resourceNames: [name] } : {}), verbs });
    (nonResource ? rule.nonResourceURLs! : rule.resources!).push(resource);
    rules.set(key, rule);
  }
  return [...rules.values()];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface OnboardingOptions {
  /** "operate" (the default) or "manage": see the manifests' headers. */
  level?: AccessLevel;
  namespace?: string;
  serviceAccount?: string;
  veleroNamespace?: string;
}

const OPERATE_HEADER = (velero: string) =>
  `# Lifeboat cluster access: apply with \`kubectl apply -f -\` (the namespace ${velero} must exist: install Velero first).\n`;

const MANAGE_HEADER = (velero: string, ns: string) =>
  [
    `# Lifeboat cluster access, level "manage Velero": apply with \`kubectl apply -f -\`.`,
    `# It lets Lifeboat install, upgrade and remove Velero itself, with Velero's own installer Job in ${ns}.`,
    "# This level is CLUSTER-ADMIN-EQUIVALENT: the Velero it installs runs as cluster-admin (its ServiceAccount is bound",
    "# to the ClusterRole cluster-admin, which is why this manifest grants `bind` on it), and whoever can change Velero's",
    "# Deployment can run any image as cluster-admin. When another tool installs Velero (Helm, GitOps, `velero install`),",
    '# prefer the "operate" level.',
    `# It creates the namespace ${velero} (Pod Security: privileged, as Velero's installer labels it) so that its Role`,
    "# can exist before Velero does.",
    "",
  ].join("\n");

/**
 * The manifest a platform engineer applies once per cluster (`kubectl apply -f -`): a ServiceAccount with a long-lived
 * token Secret, a ClusterRole for the cluster-wide reads, a Role in the Velero namespace for the Velero writes and
 * secrets, and their bindings; the one command that then prints the kubeconfig to paste into Lifeboat; and what the
 * level adds to "operate" as the dialogs' table shows it (`adds`: none for "operate", manageAdds for "manage").
 * Level "manage" adds (plan §5.1) the Velero namespace, the installer's ServiceAccount (bound to nothing), and the
 * ClusterRole, Role (in Velero's namespace) and Role (in Lifeboat's) of MANAGE_ROWS with their bindings to the same
 * ServiceAccount.
 */
export function onboardingManifest(opts: OnboardingOptions = {}): { yaml: string; command: string; adds: AccessAdd[] } {
  const level = opts.level ?? "operate";
  const ns = opts.namespace ?? DEFAULT_LIFEBOAT_NAMESPACE;
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
  if (level !== "operate" && level !== "manage") throw new Error(`level "${String(level)}" is not operate or manage`);
  if (level === "manage" && ns === velero)
    throw new Error(`Lifeboat's namespace and Velero's must differ (both are "${ns}")`);
  const secret = `${sa}-token`;
  const rows = requiredAccess(velero);
  const labels = { "app.kubernetes.io/name": "lifeboat", "app.kubernetes.io/component": "cluster-access" };
  const subject = [{ kind: "ServiceAccount", name: sa, namespace: ns }];
  const rbac = "rbac.authorization.k8s.io/v1";
  const role = (kind: "ClusterRole" | "Role", name: string, namespace: string | undefined, rules: PolicyRule[]) => ({
    apiVersion: rbac,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels },
    rules,
  });
  const binding = (kind: "ClusterRole" | "Role", name: string, namespace?: string) => ({
    apiVersion: rbac,
    kind: `${kind}Binding`,
    metadata: { name, ...(namespace ? { namespace } : {}), labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name },
    subjects: subject,
  });
  const docs: object[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns, labels } },
    {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/service-account-token",
      metadata: { name: secret, namespace: ns, labels, annotations: { "kubernetes.io/service-account.name": sa } },
    },
    role("ClusterRole", sa, undefined, rulesFor(rows.filter((r) => !r.namespace))),
    binding("ClusterRole", sa),
    role("Role", sa, velero, rulesFor(rows.filter((r) => r.namespace === velero))),
    binding("Role", sa, velero),
  ];
  if (level === "operate") {
    const yaml = OPERATE_HEADER(velero) + docs.map((d) => stringify(d)).join("---\n");
    return { yaml, command: kubeconfigCommand(ns, secret), adds: [] };
  }
  const manage = manageAccess(velero, ns);
  const veleroNs = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: velero,
      labels: {
        component: "velero",
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    },
  };
  const installerSa = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: INSTALLER_SERVICE_ACCOUNT, namespace: ns, labels },
  };
  // Velero's namespace first: the operate Role and the manage Role live in it.
  const all = [
    docs[0],
    veleroNs,
    ...docs.slice(1),
    installerSa,
    role("ClusterRole", VELERO_MANAGER_ROLE, undefined, rulesFor(manage.filter((r) => !r.namespace))),
    binding("ClusterRole", VELERO_MANAGER_ROLE),
    role("Role", VELERO_MANAGER_ROLE, velero, rulesFor(manage.filter((r) => r.namespace === velero))),
    binding("Role", VELERO_MANAGER_ROLE, velero),
    role("Role", INSTALLER_ROLE, ns, rulesFor(manage.filter((r) => r.namespace === ns))),
    binding("Role", INSTALLER_ROLE, ns),
  ];
  const yaml = MANAGE_HEADER(velero, ns) + all.map((d) => stringify(d)).join("---\n");
  return { yaml, command: kubeconfigCommand(ns, secret), adds: manageAdds(velero, ns) };
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
