"use client";
import { useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import FormControlLabel from "@mui/material/FormControlLabel";
import IconButton from "@mui/material/IconButton";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import Delete from "@mui/icons-material/Delete";
import { useTRPC } from "@/lib/trpc/client";
import { restoreName } from "@/lib/velero/names";
import { tryParseLabelSelectors } from "@/lib/velero/label-selector";
import { isRestorable } from "@/lib/velero/phases";
import { ErrorAlert } from "../common/ErrorAlert";
import { WizardDialog, type WizardStep } from "../common/WizardDialog";

const STEPS = ["Backup", "Scope", "Mapping", "Options", "Review"] as const;
type StepName = (typeof STEPS)[number];
const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
type Pair = { from: string; to: string };

/** Rows of "from → to" text fields, with add and remove; each field labelled for screen readers and tests. */
function PairRows({
  pairs,
  onChange,
  fromLabel,
  toLabel,
  addLabel,
}: {
  pairs: Pair[];
  onChange: (p: Pair[]) => void;
  fromLabel: string;
  toLabel: string;
  addLabel: string;
}) {
  return (
    <Stack spacing={1}>
      {pairs.map((p, i) => (
        <Stack key={i} direction="row" spacing={1} sx={{ alignItems: "center" }}>
          <TextField
            size="small"
            label={fromLabel}
            value={p.from}
            onChange={(e) => onChange(pairs.map((x, j) => (j === i ? { ...x, from: e.target.value.trim() } : x)))}
            sx={{ flex: 1 }}
          />
          <Typography aria-hidden>→</Typography>
          <TextField
            size="small"
            label={toLabel}
            value={p.to}
            onChange={(e) => onChange(pairs.map((x, j) => (j === i ? { ...x, to: e.target.value.trim() } : x)))}
            sx={{ flex: 1 }}
          />
          <IconButton
            aria-label={`Remove ${p.from || "row"}`}
            onClick={() => onChange(pairs.filter((_, j) => j !== i))}
          >
            <Delete />
          </IconButton>
        </Stack>
      ))}
      <Button size="small" sx={{ alignSelf: "flex-start" }} onClick={() => onChange([...pairs, { from: "", to: "" }])}>
        {addLabel}
      </Button>
    </Stack>
  );
}

/** Restore options → a Velero Restore on the chosen cluster, from a backup that cluster can see. */
export function RestoreWizard({
  open,
  onClose,
  initial,
}: {
  open: boolean;
  onClose: (created?: { clusterId: string; name: string }) => void;
  initial?: { clusterId: string; backupName: string };
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const [clusterId, setClusterId] = useState(initial?.clusterId ?? "");
  const [backup, setBackup] = useState(initial?.backupName ?? "");
  const backups = useQuery({ ...trpc.backup.list.queryOptions({ clusterId }), enabled: Boolean(clusterId) });
  const [scope, setScope] = useState<"all" | "namespaces" | "excludeNamespaces" | "labels">("all");
  const [namespaces, setNamespaces] = useState("");
  const [selectors, setSelectors] = useState("");
  const [includeResources, setIncludeResources] = useState("");
  const [excludeResources, setExcludeResources] = useState("");
  const [clusterResources, setClusterResources] = useState<"auto" | "yes" | "no">("auto");
  const [nsMap, setNsMap] = useState<Pair[]>([]);
  const [scMap, setScMap] = useState<Pair[]>([]);
  const [restorePVs, setRestorePVs] = useState(true);
  const [policy, setPolicy] = useState<"none" | "update">("none");

  const eligible = (clusters.data ?? []).filter(
    (c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed,
  );
  const cluster = eligible.find((c) => c.id === clusterId);
  const restorable = (backups.data ?? []).filter((b) => isRestorable(b.phase));
  // Named for the moment the wizard opened, so the name reviewed is the name created.
  const [openedAt] = useState(() => new Date());
  const name =
    cluster && backup
      ? restoreName({ cluster: cluster.name, base: backup.replace(/-\d{14}$/, ""), now: openedAt })
      : "";

  const sel = tryParseLabelSelectors(selectors);
  const toRecord = (pairs: Pair[]) =>
    Object.fromEntries(pairs.filter((p) => p.from && p.to).map((p) => [p.from, p.to]));
  const spec = {
    scope:
      scope === "all"
        ? { kind: "all" as const }
        : scope === "namespaces"
          ? { kind: "namespaces" as const, include: list(namespaces) }
          : scope === "excludeNamespaces"
            ? { kind: "excludeNamespaces" as const, exclude: list(namespaces) }
            : { kind: "labels" as const, selectors: typeof sel === "string" ? [] : sel },
    resources: { include: list(includeResources), exclude: list(excludeResources) },
    includeClusterResources: clusterResources === "auto" ? null : clusterResources === "yes",
    namespaceMapping: toRecord(nsMap),
    storageClassMapping: toRecord(scMap),
    restorePVs,
    existingResourcePolicy: policy,
  };
  const preview = useMutation(trpc.restore.preview.mutationOptions());
  const create = useMutation(
    trpc.restore.create.mutationOptions({
      onSuccess: async (r) => {
        await qc.invalidateQueries({ queryKey: trpc.restore.list.queryKey() });
        close({ clusterId, name: r.name });
      },
    }),
  );

  function close(created?: { clusterId: string; name: string }) {
    preview.reset();
    create.reset();
    onClose(created);
  }
  const half = (pairs: Pair[]) => pairs.some((p) => Boolean(p.from) !== Boolean(p.to));
  /** What keeps a step from being left, in words. */
  function blockerOf(step: StepName): string | null {
    if (step === "Backup" && !cluster) return "Choose the cluster to restore into";
    if (step === "Backup" && !backup) return "Choose a backup";
    if (step === "Scope" && (scope === "namespaces" || scope === "excludeNamespaces") && !list(namespaces).length)
      return "Enter at least one namespace";
    if (step === "Scope" && scope === "labels" && typeof sel === "string") return sel;
    if (step === "Mapping" && half(nsMap)) return "Give each namespace mapping both names, or remove the row";
    if (step === "Mapping" && half(scMap)) return "Give each storage-class mapping both names, or remove the row";
    return null;
  }
  async function submit() {
    try {
      await create.mutateAsync({ clusterId, name, backupName: backup, spec });
      return true;
    } catch {
      return false;
    }
  }
  const content: Record<StepName, ReactNode> = {
    Backup: (
      <Stack spacing={2} sx={{ pt: 1 }}>
        <TextField
          select
          fullWidth
          label="Restore into cluster"
          value={clusterId}
          onChange={(e) => {
            setClusterId(e.target.value);
            if (!initial || e.target.value !== initial.clusterId) setBackup("");
          }}
          helperText={
            eligible.length
              ? "Clusters with Velero where you are operator or cluster admin"
              : "No cluster with Velero where you may restore"
          }
        >
          {eligible.map((c) => (
            <MenuItem key={c.id} value={c.id}>
              {c.name} ({c.groupName})
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          fullWidth
          label="Backup"
          value={restorable.some((b) => b.name === backup) ? backup : ""}
          onChange={(e) => setBackup(e.target.value)}
          disabled={!clusterId}
          helperText={
            !clusterId
              ? " "
              : backups.isLoading
                ? "Loading backups…"
                : restorable.length
                  ? "Completed backups this cluster sees, including those synced from a location it shares with other clusters"
                  : "This cluster sees no completed backup yet"
          }
        >
          {restorable.map((b) => (
            <MenuItem key={b.name} value={b.name}>
              {b.name} ({b.phase}
              {b.completionTimestamp ? `, ${b.completionTimestamp.toLocaleString()}` : ""})
            </MenuItem>
          ))}
        </TextField>
      </Stack>
    ),
    Scope: (
      <Stack spacing={2}>
        <RadioGroup value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} aria-label="Scope">
          <FormControlLabel value="all" control={<Radio />} label="The entire backup" />
          <FormControlLabel value="namespaces" control={<Radio />} label="Selected namespaces" />
          <FormControlLabel
            value="excludeNamespaces"
            control={<Radio />}
            label="All namespaces except some (globs allowed)"
          />
          <FormControlLabel value="labels" control={<Radio />} label="Resources selected by labels" />
        </RadioGroup>
        {(scope === "namespaces" || scope === "excludeNamespaces") && (
          <TextField
            label={scope === "namespaces" ? "Namespaces" : "Excluded namespaces"}
            value={namespaces}
            onChange={(e) => setNamespaces(e.target.value)}
            helperText="As named in the backup; comma-separated, globs like team-* allowed"
          />
        )}
        {scope === "labels" && (
          <TextField
            label="Label selectors"
            value={selectors}
            onChange={(e) => setSelectors(e.target.value)}
            multiline
            minRows={2}
            placeholder={"app=payments-api\nenv in (prod, staging), !legacy"}
            error={Boolean(selectors.trim()) && typeof sel === "string"}
            helperText={
              selectors.trim() && typeof sel === "string"
                ? sel
                : "One selector per line (lines are ORed); terms in a line are ANDed: key=value, key!=value, key in (a, b), key notin (a), key, !key"
            }
          />
        )}
        <Stack direction="row" spacing={2}>
          <TextField
            label="Only these resource types"
            value={includeResources}
            onChange={(e) => setIncludeResources(e.target.value)}
            placeholder="deployments, configmaps"
            helperText="Optional, comma-separated"
            sx={{ flex: 1 }}
          />
          <TextField
            label="Not these resource types"
            value={excludeResources}
            onChange={(e) => setExcludeResources(e.target.value)}
            placeholder="secrets"
            helperText="Optional, comma-separated"
            sx={{ flex: 1 }}
          />
        </Stack>
        <TextField
          select
          label="Cluster-scoped resources"
          value={clusterResources}
          onChange={(e) => setClusterResources(e.target.value as typeof clusterResources)}
          helperText="Automatic: all of them for an entire backup, otherwise only those related to what is restored (such as the volumes of restored claims)"
        >
          <MenuItem value="auto">Automatic</MenuItem>
          <MenuItem value="yes">Restore them all</MenuItem>
          <MenuItem value="no">Restore none</MenuItem>
        </TextField>
      </Stack>
    ),
    Mapping: (
      <Stack spacing={3}>
        <div>
          <Typography variant="subtitle2" component="h3">
            Namespace mapping
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            Restore a namespace of the backup under another name (namespaces not mapped keep their names).
          </Typography>
          <PairRows
            pairs={nsMap}
            onChange={setNsMap}
            fromLabel="Namespace in the backup"
            toLabel="Restore into namespace"
            addLabel="Add namespace mapping"
          />
        </div>
        <div>
          <Typography variant="subtitle2" component="h3">
            Storage-class mapping
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            Give restored volumes another StorageClass, for example when the target cluster has different storage.
          </Typography>
          <PairRows
            pairs={scMap}
            onChange={setScMap}
            fromLabel="StorageClass in the backup"
            toLabel="StorageClass to use"
            addLabel="Add storage-class mapping"
          />
        </div>
      </Stack>
    ),
    Options: (
      <Stack spacing={2}>
        <FormControlLabel
          control={<Switch checked={restorePVs} onChange={(e) => setRestorePVs(e.target.checked)} />}
          label="Restore volume data (snapshots, file-system backups, moved data)"
        />
        <RadioGroup
          value={policy}
          onChange={(e) => setPolicy(e.target.value as typeof policy)}
          aria-label="Objects that already exist"
        >
          <FormControlLabel value="none" control={<Radio />} label="Leave objects that already exist as they are" />
          <FormControlLabel
            value="update"
            control={<Radio />}
            label="Update objects that already exist to their backed-up state"
          />
        </RadioGroup>
      </Stack>
    ),
    Review: (
      <Stack spacing={1}>
        <Typography variant="body2">Lifeboat will create this Velero Restore on {cluster?.name}:</Typography>
        <ErrorAlert error={preview.error} />
        {preview.data?.notes.map((n) => (
          <Alert key={n.code} severity={n.severity}>
            {n.text}
          </Alert>
        ))}
        <TextField
          label="Restore manifest"
          value={preview.data?.yaml ?? (preview.isPending ? "Building…" : "")}
          multiline
          minRows={10}
          maxRows={20}
          slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }}
        />
        {preview.data?.configMapYaml && (
          <TextField
            label="Storage-class ConfigMap"
            value={preview.data.configMapYaml}
            multiline
            minRows={6}
            maxRows={12}
            slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }}
          />
        )}
        <ErrorAlert error={create.error} />
      </Stack>
    ),
  };
  const steps: WizardStep[] = STEPS.map((label) => ({
    label,
    content: content[label],
    blocker: blockerOf(label),
    onEnter: label === "Review" ? () => preview.mutate({ clusterId, name, backupName: backup, spec }) : undefined,
  }));

  return (
    <WizardDialog
      open={open}
      title="Restore from a backup"
      steps={steps}
      onClose={() => close()}
      onSubmit={submit}
      submitLabel="Create restore"
      submittingLabel="Creating…"
      submitting={create.isPending}
      canSubmit={Boolean(preview.data)}
      error={create.error}
    />
  );
}
