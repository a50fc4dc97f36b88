import { z } from "zod";
import { CronError, neverRuns, parseStandard } from "../cron/robfig";
import { TTL_MAX, TTL_UNITS } from "../velero/duration";
import { isDnsLabel, isLabelValue } from "../velero/names";

// Shapes shared by the protection forms (backup, schedule, restore) and their tRPC routers. lib/velero/backup-spec.ts
// and restore-spec.ts turn a parsed input into Velero objects; every rule that would make Velero refuse the object
// (FailedValidation) or silently do something else is checked here, so a form can show it next to the field.

/**
 * Namespaces no Lifeboat backup ever contains: they are added to every Backup's excludedNamespaces whatever the
 * scope (the control plane, Velero itself, and the Tanzu/TMC agents, which are reinstalled rather than restored).
 * Velero refuses a backup whose included and excluded namespaces share an entry, so these can't be included either.
 * Re-exported by lib/velero/backup-spec.ts.
 */
export const PROTECTED_NAMESPACES = ["kube-system", "velero", "tkg-system", "vmware-system-tmc"] as const;

/**
 * Resources Velero never restores; naming one in a Restore's includedResources is FailedValidation
 * (restore_controller.go nonRestorableResources; velero-api.md §2.2). backuprepositories.velero.io is on the list in
 * recent Velero sources too, and is managed by Velero in any case. Re-exported by lib/velero/restore-spec.ts.
 */
export const NON_RESTORABLE_RESOURCES = [
  "nodes",
  "events",
  "events.events.k8s.io",
  "backups.velero.io",
  "restores.velero.io",
  "resticrepositories.velero.io",
  "csinodes.storage.k8s.io",
  "volumeattachments.storage.k8s.io",
  "backuprepositories.velero.io",
] as const;

// ---------------------------------------------------------------------------------------------------------------
// Names, patterns, labels
// ---------------------------------------------------------------------------------------------------------------

const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const isDnsSubdomain = (s: string) => s.length <= 253 && DNS_SUBDOMAIN_RE.test(s);

/** A Kubernetes object name (DNS-1123 subdomain): Backups, Restores, Schedules, BSLs, StorageClasses. */
export const objectName = z
  .string()
  .trim()
  .min(1, { message: "Enter a name", abort: true })
  .max(253, { message: "At most 253 characters", abort: true })
  .refine(isDnsSubdomain, "Lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");

export const namespaceName = z
  .string()
  .trim()
  .min(1, { message: "Enter a namespace", abort: true })
  .max(63, { message: "At most 63 characters", abort: true })
  .refine(isDnsLabel, "Lowercase letters, digits and '-', starting and ending with a letter or digit");

const GLOB_CHARS = /[*?[\]]/;
export const isNamespaceGlob = (p: string) => GLOB_CHARS.test(p);

/**
 * Why a namespace filter entry would be refused, or null. Velero 1.18 accepts a namespace name or a glob with
 * `*`, `?`, `[abc]`, `[a-z]` (Velero's namespace-glob-patterns.md) and rejects `**`, `|`, `()`, `!`, `{}`, `,`, empty or
 * unclosed brackets. We are stricter: a glob, with every wildcard or bracket read as one letter, must still look like
 * a namespace name, so it can match something.
 */
export function namespacePatternProblem(p: string): string | null {
  if (p === "") return "Enter a namespace";
  if (/[^a-z0-9\-*?[\]]/.test(p)) return `"${p}": use lowercase letters, digits, '-' and the wildcards * ? [ ] only`;
  if (!isNamespaceGlob(p))
    return isDnsLabel(p)
      ? null
      : `"${p}" is not a namespace name: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit`;
  if (p.includes("**")) return `"${p}": consecutive asterisks are not supported`;
  let shape = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "]") return `"${p}": unmatched ']'`;
    if (c === "[") {
      const end = p.indexOf("]", i + 1);
      if (end < 0) return `"${p}": unclosed '['`;
      const body = p.slice(i + 1, end);
      if (body === "") return `"${p}": empty brackets []`;
      if (body.includes("[") || /[*?]/.test(body))
        return `"${p}": brackets may contain letters, digits, '-' and ranges only`;
      shape += "x";
      i = end;
    } else shape += c === "*" || c === "?" ? "x" : c;
  }
  return isDnsLabel(shape) ? null : `"${p}" can never match a namespace name`;
}

export const namespacePattern = z
  .string()
  .trim()
  .superRefine((p, ctx) => {
    const problem = namespacePatternProblem(p);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** The glob match Velero uses for namespace patterns (*, ?, [abc], [a-z]); plain names match themselves. */
export function namespaceGlobMatch(pattern: string, ns: string): boolean {
  if (!isNamespaceGlob(pattern)) return pattern === ns;
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[^]*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      re += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else re += c === "-" ? "\\-" : c;
  }
  return new RegExp(`${re}$`).test(ns);
}

const RESOURCE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A resource filter entry in Velero's `resource.group` form: "pods", "deployments.apps", "*". */
export const resourceName = z
  .string()
  .trim()
  .min(1, { message: "Enter a resource", abort: true })
  .refine(
    (r) => r === "*" || (r.length <= 253 && RESOURCE_RE.test(r)),
    'A resource like "pods" or "deployments.apps" (plural, lowercase, resource.group)',
  );

const LABEL_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 characters. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf("/");
  const [prefix, name] = slash < 0 ? [null, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== null && (prefix === "" || !isDnsSubdomain(prefix)))
    return `"${key}": the prefix before "/" must be a DNS subdomain like "example.com"`;
  if (name === "" || name.length > 63 || !LABEL_NAME_RE.test(name))
    return `"${key}": the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  return null;
}

export const labelKey = z
  .string()
  .trim()
  .superRefine((k, ctx) => {
    const problem = labelKeyProblem(k);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const labelValueSchema = z
  .string()
  .refine(isLabelValue, "At most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");

const stringMap = (key: z.ZodType<string>, value: z.ZodType<string>) =>
  z.record(z.string(), z.string()).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      for (const issue of key.safeParse(k).error?.issues ?? [])
        ctx.addIssue({ code: "custom", path: [k], message: issue.message });
      for (const issue of value.safeParse(v).error?.issues ?? [])
        ctx.addIssue({ code: "custom", path: [k], message: issue.message });
    }
  });

const RESERVED_LABEL_PREFIXES = ["velero.io/", "lifeboat.io/"];

/** Labels an operator adds to a Backup/Schedule/Restore. velero.io/ and lifeboat.io/ keys are written by Velero and Lifeboat only. */
export const userLabels = stringMap(labelKey, labelValueSchema).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) {
    if (RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p)))
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `"${k}": velero.io/ and lifeboat.io/ labels are set by Velero and Lifeboat`,
      });
  }
});

/** Annotations an operator adds. velero.io/ ones are allowed (they are options, e.g. velero.io/csi-volumesnapshot-class_<driver>). */
export const userAnnotations = stringMap(labelKey, z.string().max(64 * 1024)).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) {
    if (k.startsWith("lifeboat.io/"))
      ctx.addIssue({ code: "custom", path: [k], message: `"${k}": lifeboat.io/ annotations are set by Lifeboat` });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------------------------

export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

export const labelSelectorRequirement = z
  .object({
    key: labelKey,
    operator: z.enum(SELECTOR_OPERATORS),
    values: z.array(labelValueSchema).optional(),
  })
  .superRefine((r, ctx) => {
    const n = r.values?.length ?? 0;
    if ((r.operator === "In" || r.operator === "NotIn") && n === 0)
      ctx.addIssue({ code: "custom", path: ["values"], message: `${r.operator} needs at least one value` });
    if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0)
      ctx.addIssue({ code: "custom", path: ["values"], message: `${r.operator} takes no values` });
  });

/** metav1.LabelSelector as the form edits it: its requirements are ANDed. */
export const labelSelectorInput = z
  .object({
    matchLabels: stringMap(labelKey, labelValueSchema).optional(),
    matchExpressions: z.array(labelSelectorRequirement).optional(),
  })
  .refine(
    (s) => requirementCount(s) > 0,
    "Add at least one label or expression (an empty selector matches everything)",
  );
export type LabelSelectorInput = z.infer<typeof labelSelectorInput>;

/** How many requirements (matchLabels entries + expressions) a selector ANDs. */
export const requirementCount = (s: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }) =>
  Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions?.length ?? 0);

// ---------------------------------------------------------------------------------------------------------------
// Backup input
// ---------------------------------------------------------------------------------------------------------------

export const resourceFilter = z
  .object({
    include: z.array(resourceName).optional(),
    exclude: z.array(resourceName).optional(),
  })
  .superRefine((f, ctx) => {
    const inc = f.include ?? [];
    const exc = f.exclude ?? [];
    // collections.ValidateIncludesExcludes
    if (inc.includes("*") && new Set(inc).size > 1)
      ctx.addIssue({ code: "custom", path: ["include"], message: '"*" (all resources) must be the only entry' });
    if (exc.includes("*"))
      ctx.addIssue({ code: "custom", path: ["exclude"], message: '"*" can\'t be excluded: that leaves nothing' });
    for (const r of exc) {
      if (inc.includes(r))
        ctx.addIssue({ code: "custom", path: ["exclude"], message: `"${r}" is both included and excluded` });
    }
  });
export type ResourceFilter = z.infer<typeof resourceFilter>;

/** Namespace includes: no "*" (that is the whole-cluster scope), at least one entry. */
const namespaceIncludes = z
  .array(namespacePattern)
  .min(1, "Add at least one namespace")
  .superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (p === "*")
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: '"*" alone means every namespace: choose the whole-cluster scope instead',
        });
    });
  });

const namespaceExcludes = z
  .array(namespacePattern)
  .min(1, "Add at least one namespace")
  .superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (p === "*") ctx.addIssue({ code: "custom", path: [i], message: '"*" would exclude every namespace' });
    });
  });

export const backupScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cluster") }),
  z.object({
    kind: z.literal("namespaces"),
    include: namespaceIncludes.superRefine((list, ctx) => {
      list.forEach((p, i) => {
        if ((PROTECTED_NAMESPACES as readonly string[]).includes(p))
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `"${p}" is never backed up by Lifeboat (protected namespaces: ${PROTECTED_NAMESPACES.join(", ")})`,
          });
      });
    }),
  }),
  z.object({ kind: z.literal("excludeNamespaces"), exclude: namespaceExcludes }),
  z.object({
    kind: z.literal("labels"),
    /** ORed: an object matching any selector is selected. */
    selectors: z.array(labelSelectorInput).min(1, "Add at least one selector"),
    mode: z.enum(["include", "exclude"]),
  }),
]);
export type BackupScope = z.infer<typeof backupScope>;

export const FS_BACKUP_MODES = ["off", "optIn", "optOut"] as const;

export const volumeOptions = z
  .object({
    fsBackup: z.enum(FS_BACKUP_MODES),
    csiSnapshots: z.boolean(),
    dataMovement: z.boolean(),
  })
  .refine((v) => !v.dataMovement || v.csiSnapshots, {
    path: ["dataMovement"],
    message: "Data movement uploads CSI snapshots: turn on CSI snapshots to use it",
  });
export type VolumeOptions = z.infer<typeof volumeOptions>;

export const ttlInput = z
  .object({
    value: z.number().int("A whole number").min(1, "At least 1"),
    unit: z.enum(TTL_UNITS),
  })
  .refine((t) => t.value <= TTL_MAX[t.unit], { path: ["value"], message: "Longer than Velero can store" });

const backupInputFields = z.object({
  scope: backupScope,
  resources: resourceFilter.optional(),
  /** true: every cluster-scoped resource; false: none; null/absent: Velero decides (all of them for a whole-cluster backup, related ones otherwise). */
  includeClusterResources: z.boolean().nullable().optional(),
  volumes: volumeOptions,
  /** BackupStorageLocation name; always explicit, never the server default. */
  location: objectName,
  ttl: ttlInput,
});

function refineBackupInput(input: { scope: z.infer<typeof backupScope> }, ctx: z.RefinementCtx) {
  const s = input.scope;
  if (
    s.kind === "labels" &&
    s.mode === "exclude" &&
    s.selectors.length > 1 &&
    s.selectors.some((sel) => requirementCount(sel) > 1)
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["scope", "selectors"],
      message:
        "Velero can't express this exclusion: excluding several selectors means matching none of them, and a selector with several " +
        "labels is matched only when all match, so the result is an AND of ORs; Velero has one selector (an AND) or a list of " +
        "selectors (an OR), never both. Use one exclude selector, or several that each have a single label or expression.",
    });
  }
}

export const backupInput = backupInputFields.superRefine(refineBackupInput);
/**
 * A backup of every cluster of a group (one action): the same spec on each, at a location named here or, when null,
 * at the location Lifeboat made writable on each cluster.
 */
export const groupBackupSpec = backupInputFields
  .extend({ location: objectName.nullable() })
  .superRefine(refineBackupInput);
export type BackupInput = z.infer<typeof backupInput>;

export const scheduleOptions = z.object({
  /** robfig/cron ParseStandard: 5 fields or a descriptor (@daily, @every 6h), optional CRON_TZ= prefix; UTC otherwise. */
  cron: z
    .string()
    .trim()
    .min(1, "Enter a schedule")
    .superRefine((spec, ctx) => {
      try {
        if (neverRuns(parseStandard(spec)))
          ctx.addIssue({
            code: "custom",
            message: "This schedule never runs: no date matches it in the next five years (Velero would never back up)",
          });
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof CronError ? err.message : String(err) });
      }
    }),
  paused: z.boolean().default(false),
  /** true: the first backup waits for the next cron time instead of running when the Schedule is created or unpaused. */
  skipImmediately: z.boolean().optional(),
  /** true: the Schedule owns its Backup objects, so deleting it deletes them (and their data, via GC). */
  useOwnerReferencesInBackup: z.boolean().optional(),
});
export type ScheduleOptions = z.infer<typeof scheduleOptions>;

// ---------------------------------------------------------------------------------------------------------------
// Restore input
// ---------------------------------------------------------------------------------------------------------------

export const restoreScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }),
  z.object({ kind: z.literal("namespaces"), include: namespaceIncludes }),
  z.object({ kind: z.literal("excludeNamespaces"), exclude: namespaceExcludes }),
  /** ORed, like the backup scope. */
  z.object({ kind: z.literal("labels"), selectors: z.array(labelSelectorInput).min(1, "Add at least one selector") }),
]);
export type RestoreScope = z.infer<typeof restoreScope>;

/** Singular or group-less spellings of the non-restorable resources, refused too so the form explains them. */
const NON_RESTORABLE_ALIASES: Record<string, string> = {
  node: "nodes",
  event: "events",
  "events.events": "events.events.k8s.io",
  "backups.velero": "backups.velero.io",
  "restores.velero": "restores.velero.io",
  csinodes: "csinodes.storage.k8s.io",
  volumeattachments: "volumeattachments.storage.k8s.io",
  backuprepositories: "backuprepositories.velero.io",
  resticrepositories: "resticrepositories.velero.io",
};

export function nonRestorable(resource: string): string | null {
  const r = resource.toLowerCase();
  if ((NON_RESTORABLE_RESOURCES as readonly string[]).includes(r)) return r;
  return NON_RESTORABLE_ALIASES[r] ?? null;
}

export const restoreInput = z
  .object({
    scope: restoreScope,
    resources: resourceFilter.optional(),
    /** source namespace (in the backup) → namespace to restore into. */
    namespaceMapping: z.record(z.string(), z.string()).optional(),
    /** old StorageClass → new; applied through the cluster-wide change-storage-class ConfigMap, not the Restore. */
    storageClassMapping: z.record(z.string(), z.string()).optional(),
    /** false: don't restore volume data (snapshots, file-system backups, data movement). */
    restorePVs: z.boolean(),
    /** none: objects that already exist are left alone (a warning each); update: Velero patches them to the backed-up state. */
    existingResourcePolicy: z.enum(["none", "update"]),
    includeClusterResources: z.boolean().nullable().optional(),
  })
  .superRefine((input, ctx) => {
    (input.resources?.include ?? []).forEach((r, i) => {
      const nr = nonRestorable(r);
      if (nr)
        ctx.addIssue({ code: "custom", path: ["resources", "include", i], message: `Velero never restores ${nr}` });
    });

    // Never restored from, nor into: the protected namespaces (restoreSpec excludes them from every Restore too).
    const protectedNs = (ns: string) => (PROTECTED_NAMESPACES as readonly string[]).includes(ns);
    const PROTECTED_LIST = PROTECTED_NAMESPACES.join(", ");
    if (input.scope.kind === "namespaces")
      input.scope.include.forEach((ns, i) => {
        if (protectedNs(ns))
          ctx.addIssue({
            code: "custom",
            path: ["scope", "include", i],
            message: `"${ns}" is never restored (protected namespaces: ${PROTECTED_LIST})`,
          });
      });
    for (const [from, to] of Object.entries(input.namespaceMapping ?? {})) {
      if (protectedNs(to))
        ctx.addIssue({
          code: "custom",
          path: ["namespaceMapping", from],
          message: `Nothing is restored into "${to}" (protected namespaces: ${PROTECTED_LIST})`,
        });
      else if (protectedNs(from))
        ctx.addIssue({
          code: "custom",
          path: ["namespaceMapping", from],
          message: `"${from}" is never restored (protected namespaces: ${PROTECTED_LIST})`,
        });
    }

    const mapping = input.namespaceMapping ?? {};
    const targets = new Map<string, string>();
    for (const [from, to] of Object.entries(mapping)) {
      const path = ["namespaceMapping", from];
      if (!isDnsLabel(from)) ctx.addIssue({ code: "custom", path, message: `"${from}" is not a namespace name` });
      if (!isDnsLabel(to))
        ctx.addIssue({
          code: "custom",
          path,
          message: `"${to}" is not a valid namespace name: lowercase letters, digits and '-', at most 63 characters`,
        });
      const other = targets.get(to);
      if (other !== undefined)
        ctx.addIssue({ code: "custom", path, message: `"${from}" and "${other}" would both be restored into "${to}"` });
      targets.set(to, from);
      const s = input.scope;
      if (s.kind === "namespaces" && !s.include.some((p) => namespaceGlobMatch(p, from)))
        ctx.addIssue({
          code: "custom",
          path,
          message: `"${from}" is not among the namespaces being restored, so its mapping has no effect`,
        });
      if (s.kind === "excludeNamespaces" && s.exclude.some((p) => namespaceGlobMatch(p, from)))
        ctx.addIssue({
          code: "custom",
          path,
          message: `"${from}" is excluded from the restore, so its mapping has no effect`,
        });
    }
    // A target that is also restored under its own name would merge two namespaces.
    const s = input.scope;
    if (s.kind === "namespaces") {
      for (const [to, from] of targets) {
        if (from !== to && s.include.includes(to) && !(to in mapping))
          ctx.addIssue({
            code: "custom",
            path: ["namespaceMapping", from],
            message: `"${to}" is also restored under its own name: "${from}" would be merged into it`,
          });
      }
    }

    for (const [from, to] of Object.entries(input.storageClassMapping ?? {})) {
      const path = ["storageClassMapping", from];
      if (!isDnsSubdomain(from))
        ctx.addIssue({ code: "custom", path, message: `"${from}" is not a StorageClass name` });
      if (!isDnsSubdomain(to)) ctx.addIssue({ code: "custom", path, message: `"${to}" is not a StorageClass name` });
    }
  });
export type RestoreInput = z.infer<typeof restoreInput>;
