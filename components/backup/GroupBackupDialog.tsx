"use client";
import { useState } from "react";
import Link from "next/link";
import { Controller, useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControlLabel from "@mui/material/FormControlLabel";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { roleGrants } from "@/lib/rbac/permissions";
import { groupBackupRequest, type GroupBackupRequest, type GroupBackupResult } from "@/lib/schemas/backup";
import { FS_BACKUP_MODES } from "@/lib/schemas/protection";
import { TTL_UNITS } from "@/lib/velero/duration";
import { FormDialog } from "../common/FormDialog";
import { FormSwitch, FormTextField } from "../common/FormFields";
import { useMe } from "../common/useMe";

const FSB_LABELS: Record<(typeof FS_BACKUP_MODES)[number], string> = {
  off: "Off",
  optIn: "Annotated volumes (opt-in)",
  optOut: "Every volume except the excluded (opt-out)",
};

/**
 * "Back up a cluster group…": one action, a backup on every attached cluster of a group the user may back up, each
 * named `<cluster>-<name>`, at the location Lifeboat made writable on each cluster (or one named location). Then
 * each cluster's outcome: the backup made (a link to it) or why not.
 */
export function GroupBackupDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { me } = useMe();
  const groups = useQuery({ ...trpc.clusterGroup.list.queryOptions(), enabled: open });
  const mine = (groups.data ?? []).filter(
    (g) =>
      me &&
      g.clusters.length > 0 &&
      roleGrants("backup.create", { orgRole: me.orgRole, clusterRole: g.myRole ?? undefined }),
  );
  const [result, setResult] = useState<GroupBackupResult | null>(null);
  const form = useForm<GroupBackupRequest>({
    resolver: zodResolver(groupBackupRequest),
    defaultValues: {
      groupId: "",
      name: "",
      spec: {
        scope: { kind: "cluster" },
        volumes: { fsBackup: "off", csiSnapshots: false, dataMovement: false },
        location: null,
        ttl: { value: 30, unit: "days" },
      },
    },
  });
  const create = useMutation(
    trpc.backup.createForGroup.mutationOptions({
      onSuccess: (r) => {
        setResult(r);
        void qc.invalidateQueries({ queryKey: [["backup"]] });
      },
    }),
  );
  // The namespaces as typed (a trailing comma included); the form holds the list.
  const [nsText, setNsText] = useState("");
  const location = useWatch({ control: form.control, name: "spec.location" });
  const close = () => {
    setResult(null);
    setNsText("");
    create.reset();
    form.reset();
    onClose();
  };

  if (result) return <GroupBackupResults result={result} onClose={close} />;
  return (
    <FormDialog
      open={open}
      title="Back up a cluster group"
      submitLabel="Back up every cluster"
      busy={create.isPending}
      error={create.error}
      onSubmit={form.handleSubmit((v) => create.mutateAsync(v).catch(() => undefined))}
      onClose={close}
    >
      {groups.isSuccess && mine.length === 0 && (
        <Alert severity="info">
          No cluster group with attached clusters gives you a role that may back up (operator or cluster admin on the
          group).
        </Alert>
      )}
      <FormTextField control={form.control} name="groupId" label="Cluster group" select required>
        {mine.map((g) => (
          <MenuItem key={g.id} value={g.id}>
            {g.name} ({g.clusters.length} {g.clusters.length === 1 ? "cluster" : "clusters"})
          </MenuItem>
        ))}
      </FormTextField>
      <FormTextField
        control={form.control}
        name="name"
        label="Backup name"
        required
        helperText="Each cluster's backup is named <cluster>-<this name>, so it stays unique in shared buckets."
      />
      <Controller
        control={form.control}
        name="spec.scope"
        render={({ field, fieldState }) => (
          <Stack spacing={1}>
            <RadioGroup
              aria-label="What to back up"
              value={field.value.kind}
              onChange={(e) =>
                field.onChange(
                  e.target.value === "namespaces"
                    ? { kind: "namespaces", include: namespacesOf(nsText) }
                    : { kind: "cluster" },
                )
              }
            >
              <FormControlLabel
                value="cluster"
                control={<Radio />}
                label="Whole clusters (kube-system, velero and Tanzu's namespaces are never backed up)"
              />
              <FormControlLabel
                value="namespaces"
                control={<Radio />}
                label="Namespaces (the same names on every cluster)"
              />
            </RadioGroup>
            {field.value.kind === "namespaces" && (
              <TextField
                label="Namespaces"
                required
                value={nsText}
                onChange={(e) => {
                  setNsText(e.target.value);
                  field.onChange({ kind: "namespaces", include: namespacesOf(e.target.value) });
                }}
                inputRef={field.ref}
                error={Boolean(fieldState.error)}
                helperText={firstMessage(fieldState.error) ?? "Comma-separated; * and ? match as in Velero."}
                slotProps={{ formHelperText: fieldState.error ? { role: "alert" } : undefined }}
              />
            )}
          </Stack>
        )}
      />
      <FormTextField control={form.control} name="spec.volumes.fsBackup" label="File-system backup of volumes" select>
        {FS_BACKUP_MODES.map((m) => (
          <MenuItem key={m} value={m}>
            {FSB_LABELS[m]}
          </MenuItem>
        ))}
      </FormTextField>
      <FormSwitch
        control={form.control}
        name="spec.volumes.csiSnapshots"
        label="CSI snapshots"
        helperText="Clusters without CSI snapshots enabled refuse the backup and say so."
      />
      <Stack direction="row" spacing={2}>
        <FormTextField control={form.control} name="spec.ttl.value" label="Keep for" number sx={{ width: 140 }} />
        <FormTextField control={form.control} name="spec.ttl.unit" label="Unit" select sx={{ width: 140 }}>
          {TTL_UNITS.map((u) => (
            <MenuItem key={u} value={u}>
              {u}
            </MenuItem>
          ))}
        </FormTextField>
      </Stack>
      <Controller
        control={form.control}
        name="spec.location"
        render={({ field, fieldState }) => (
          <Stack spacing={1}>
            <TextField
              select
              label="Location"
              value={field.value === null ? "own" : "named"}
              onChange={(e) => field.onChange(e.target.value === "own" ? null : "")}
              helperText="A group's clusters write to places of their own: one writer per bucket and prefix."
            >
              <MenuItem value="own">Each cluster&apos;s writable location</MenuItem>
              <MenuItem value="named">One location, by its name on the clusters</MenuItem>
            </TextField>
            {location !== null && (
              <TextField
                label="BackupStorageLocation name"
                required
                value={field.value ?? ""}
                onChange={(e) => field.onChange(e.target.value)}
                inputRef={field.ref}
                error={Boolean(fieldState.error)}
                helperText={fieldState.error?.message ?? "Clusters where it is read-only say so and make no backup."}
                slotProps={{ formHelperText: fieldState.error ? { role: "alert" } : undefined }}
              />
            )}
          </Stack>
        )}
      />
    </FormDialog>
  );
}

const namespacesOf = (text: string) =>
  text
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);

/** The first message of a field's error or of its parts' (a list's items are checked one by one). */
function firstMessage(e: unknown): string | undefined {
  if (!e || typeof e !== "object") return undefined;
  const m = (e as { message?: unknown }).message;
  if (typeof m === "string") return m;
  for (const v of Object.values(e)) {
    const found = firstMessage(v);
    if (found) return found;
  }
  return undefined;
}

function GroupBackupResults({ result, onClose }: { result: GroupBackupResult; onClose: () => void }) {
  const made = result.clusters.filter((c) => c.name).length;
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md" aria-labelledby="group-backup-results">
      <DialogTitle id="group-backup-results">
        Backups started on {made} of {result.clusters.length} clusters
      </DialogTitle>
      <DialogContent>
        {made < result.clusters.length && (
          <Alert severity="warning" sx={{ mb: 2 }}>
            Some clusters made no backup: each says why below. The others are running; their progress is on the Backups
            page.
          </Alert>
        )}
        <Table size="small" aria-label="Each cluster's backup">
          <TableHead>
            <TableRow>
              <TableCell>Cluster</TableCell>
              <TableCell>Backup</TableCell>
              <TableCell>Location</TableCell>
              <TableCell>Outcome</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {result.clusters.map((c) => (
              <TableRow key={c.clusterId}>
                <TableCell>{c.clusterName}</TableCell>
                <TableCell>
                  {c.name ? <Link href={`/backups/${c.clusterId}/${encodeURIComponent(c.name)}`}>{c.name}</Link> : "—"}
                </TableCell>
                <TableCell>{c.location ?? "—"}</TableCell>
                <TableCell>{c.error ?? (c.created ? "Created" : "Already there (the same request)")}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} variant="contained">
          Done
        </Button>
      </DialogActions>
    </Dialog>
  );
}
