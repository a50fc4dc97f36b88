"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import FormControlLabel from "@mui/material/FormControlLabel";
import LinearProgress from "@mui/material/LinearProgress";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import Tooltip from "@mui/material/Tooltip";
import Typography from "@mui/material/Typography";
import Storage from "@mui/icons-material/Storage";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormDialog } from "../common/FormDialog";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { phaseColor } from "../common/PhaseChip";

const blank = {
  name: "",
  provider: "S3_COMPATIBLE" as "AWS_S3" | "S3_COMPATIBLE",
  bucket: "",
  prefix: "",
  region: "",
  endpoint: "",
  pathStyle: true,
  caBundle: "",
  credentialId: "",
};

type Listed = {
  name: string;
  assignments: Assignment[];
  deployments: { clusterId: string; clusterName: string; groupId: string; bslName: string }[];
};
type Assignment = {
  id: string;
  clusterGroup: { id: string; name: string } | null;
  cluster: { id: string; name: string } | null;
};
type Unassigning = { id: string; location: string; target: string; bslName: string; clusters: string[] };

/** What unassigning takes away: the clusters that hold the location through this assignment and no other. */
function unassigningOf(l: Listed, a: Assignment): Unassigning {
  const covers = (x: Assignment, d: Listed["deployments"][number]) =>
    x.clusterGroup ? x.clusterGroup.id === d.groupId : x.cluster?.id === d.clusterId;
  const losing = l.deployments.filter((d) => covers(a, d) && !l.assignments.some((o) => o.id !== a.id && covers(o, d)));
  return {
    id: a.id,
    location: l.name,
    target: a.clusterGroup ? `group ${a.clusterGroup.name}` : `cluster ${a.cluster?.name ?? ""}`,
    bslName: l.deployments[0]?.bslName ?? `lifeboat-${l.name}`.slice(0, 63),
    clusters: losing.map((d) => d.clusterName).sort(),
  };
}

export function LocationsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { can } = useMe();
  // Phase and last validation come live from the sync engine's read model: poll so Available/Unavailable shows as it changes.
  const list = useQuery({ ...trpc.location.list.queryOptions(), refetchInterval: 2_000 });
  const creds = useQuery({ ...trpc.credential.list.queryOptions(), enabled: can("location.create") });
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const refreshList = () => qc.invalidateQueries({ queryKey: trpc.location.list.queryKey() });
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState(blank);
  const [assigning, setAssigning] = useState<{ id: string; name: string } | null>(null);
  const [target, setTarget] = useState({ value: "", readOnly: false });
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const [unassigning, setUnassigning] = useState<Unassigning | null>(null);
  const create = useMutation(
    trpc.location.create.mutationOptions({
      onSuccess: () => {
        setCreating(false);
        setForm(blank);
        refreshList();
      },
    }),
  );
  const assign = useMutation(
    trpc.location.assign.mutationOptions({
      onSuccess: () => {
        setAssigning(null);
        refreshList();
      },
    }),
  );
  const unassign = useMutation(
    trpc.location.unassign.mutationOptions({
      onSuccess: () => {
        setUnassigning(null);
        refreshList();
      },
    }),
  );
  const refresh = useMutation(trpc.location.refresh.mutationOptions({ onSuccess: refreshList }));
  const del = useMutation(
    trpc.location.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        refreshList();
      },
    }),
  );
  const adminGroups = (groups.data ?? []).filter((g) => g.myRole === "CLUSTER_ADMIN");
  const adminClusters = (clusters.data ?? []).filter((c) => c.myRole === "CLUSTER_ADMIN");
  const targets = [
    ...adminGroups.map((g) => ({ value: `clusterGroup:${g.id}`, label: `Group ${g.name}` })),
    ...adminClusters.map((c) => ({ value: `cluster:${c.id}`, label: `Cluster ${c.name}` })),
  ];

  return (
    <>
      <PageHeader
        title="Target locations"
        subtitle="Buckets backups go to. Assigned to cluster groups and clusters, each becomes a Velero BackupStorageLocation on every assigned cluster."
        actions={
          can("location.create") ? (
            <Button
              variant="contained"
              onClick={() => {
                create.reset();
                setCreating(true);
              }}
            >
              Create target location
            </Button>
          ) : undefined
        }
      />
      <ErrorAlert error={list.error ?? refresh.error} />
      {list.isLoading ? (
        <LinearProgress />
      ) : !list.data?.length ? (
        <EmptyState icon={<Storage />} title="No target locations yet">
          {can("location.create")
            ? "Create one on an S3 or S3-compatible bucket with a credential; Lifeboat checks it can really write there."
            : "No location is assigned to the clusters you can see."}
        </EmptyState>
      ) : (
        <Stack spacing={2}>
          {list.data.map((l) => (
            <Paper key={l.id} variant="outlined" sx={{ p: 2 }} data-testid={`location-card-${l.name}`}>
              <Box sx={{ display: "flex", gap: 1, alignItems: "flex-start", flexWrap: "wrap" }}>
                <Box sx={{ flex: 1, minWidth: 260 }}>
                  <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 500 }}>
                    {l.name}
                  </Typography>
                  <Typography variant="body2" color="text.secondary">
                    {l.provider === "AWS_S3" ? "AWS S3" : "S3-compatible"} · s3://{l.bucket}/{l.prefix}{" "}
                    {l.endpoint ? `· ${l.endpoint}` : ""} {l.region ? `· ${l.region}` : ""} · credential{" "}
                    {l.credential.name} ({l.credential.keyIdMasked})
                  </Typography>
                  {l.lastProbeAt && (
                    <Typography variant="caption" color="text.secondary">
                      Checked <RelativeTime date={l.lastProbeAt} />: {l.lastProbeMessage}
                    </Typography>
                  )}
                </Box>
                {can("location.refresh") && (
                  <Button size="small" onClick={() => refresh.mutate({ id: l.id })} disabled={refresh.isPending}>
                    Refresh status
                  </Button>
                )}
                {can("location.assign") && targets.length > 0 && (
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => {
                      assign.reset();
                      setTarget({ value: targets[0].value, readOnly: false });
                      setAssigning({ id: l.id, name: l.name });
                    }}
                  >
                    Assign
                  </Button>
                )}
                {can("location.delete") && (
                  <Button
                    size="small"
                    color="error"
                    onClick={() => {
                      del.reset();
                      setDeleting({ id: l.id, name: l.name });
                    }}
                  >
                    Delete
                  </Button>
                )}
              </Box>
              <Box sx={{ mt: 1.5, display: "flex", gap: 1, flexWrap: "wrap", alignItems: "center" }}>
                <Typography variant="body2" color="text.secondary">
                  Assigned to:
                </Typography>
                {l.assignments.length === 0 && (
                  <Typography variant="body2" color="text.secondary">
                    nothing yet
                  </Typography>
                )}
                {l.assignments.map((a) => (
                  <Chip
                    key={a.id}
                    size="small"
                    label={`${a.clusterGroup ? `group ${a.clusterGroup.name}` : `cluster ${a.cluster?.name}`}${a.readOnly ? " (read-only)" : ""}`}
                    onDelete={
                      can("location.assign")
                        ? () => {
                            unassign.reset();
                            setUnassigning(unassigningOf(l, a));
                          }
                        : undefined
                    }
                  />
                ))}
              </Box>
              {l.deployments.length > 0 && (
                <Box
                  sx={{ mt: 1, display: "flex", gap: 1, flexWrap: "wrap", alignItems: "center" }}
                  aria-label={`Status of ${l.name} per cluster`}
                >
                  <Typography variant="body2" color="text.secondary">
                    On clusters:
                  </Typography>
                  {l.deployments.map((d) => (
                    <Tooltip
                      key={d.clusterId}
                      title={
                        d.error ??
                        d.message ??
                        (d.lastValidationTime
                          ? `Validated ${d.lastValidationTime.toLocaleString()}`
                          : "Not validated yet")
                      }
                    >
                      <Chip
                        size="small"
                        color={d.error ? "warning" : phaseColor("BackupStorageLocation", d.phase)}
                        variant="outlined"
                        data-testid={`deployment-${l.name}-${d.clusterName}`}
                        label={`${d.clusterName}: ${d.error ? "not applied" : (d.phase ?? "applied, waiting for Velero")}${d.readOnly ? " · read-only" : ""}`}
                      />
                    </Tooltip>
                  ))}
                </Box>
              )}
            </Paper>
          ))}
        </Stack>
      )}

      <FormDialog
        open={creating}
        title="Create a target location"
        submitLabel={create.isPending ? "Checking the bucket…" : "Check and create"}
        busy={create.isPending}
        error={create.error}
        onClose={() => setCreating(false)}
        onSubmit={() => create.mutate({ ...form, caBundle: form.caBundle || undefined })}
      >
        <TextField
          label="Name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          required
          helperText="Lowercase letters, digits and '-'"
        />
        <TextField
          select
          label="Provider"
          value={form.provider}
          onChange={(e) =>
            setForm({
              ...form,
              provider: e.target.value as typeof form.provider,
              pathStyle: e.target.value === "S3_COMPATIBLE",
            })
          }
        >
          <MenuItem value="AWS_S3">AWS S3</MenuItem>
          <MenuItem value="S3_COMPATIBLE">S3-compatible (MinIO, Ceph, …)</MenuItem>
        </TextField>
        <Stack direction="row" spacing={2}>
          <TextField
            label="Bucket"
            value={form.bucket}
            onChange={(e) => setForm({ ...form, bucket: e.target.value })}
            required
            sx={{ flex: 1 }}
          />
          <TextField
            label="Prefix"
            value={form.prefix}
            onChange={(e) => setForm({ ...form, prefix: e.target.value })}
            sx={{ flex: 1 }}
            helperText="A folder only Velero uses"
          />
        </Stack>
        <Stack direction="row" spacing={2}>
          <TextField
            label="Region"
            value={form.region}
            onChange={(e) => setForm({ ...form, region: e.target.value })}
            sx={{ flex: 1 }}
            required={form.provider === "AWS_S3"}
          />
          <TextField
            label="Endpoint URL"
            value={form.endpoint}
            onChange={(e) => setForm({ ...form, endpoint: e.target.value })}
            sx={{ flex: 2 }}
            required={form.provider === "S3_COMPATIBLE"}
            placeholder="https://minio.example.com"
          />
        </Stack>
        <FormControlLabel
          control={
            <Switch checked={form.pathStyle} onChange={(e) => setForm({ ...form, pathStyle: e.target.checked })} />
          }
          label="Path-style addressing (bucket in the path)"
        />
        <TextField
          select
          label="Credential"
          value={form.credentialId}
          onChange={(e) => setForm({ ...form, credentialId: e.target.value })}
          required
          helperText={creds.data?.length ? " " : "Create a credential first"}
        >
          {(creds.data ?? []).map((c) => (
            <MenuItem key={c.id} value={c.id}>
              {c.name} ({c.keyIdMasked})
            </MenuItem>
          ))}
        </TextField>
        <TextField
          label="CA bundle (optional, PEM)"
          value={form.caBundle}
          onChange={(e) => setForm({ ...form, caBundle: e.target.value })}
          multiline
          minRows={2}
        />
      </FormDialog>

      <FormDialog
        open={Boolean(assigning)}
        title={`Assign ${assigning?.name ?? ""}`}
        submitLabel={assign.isPending ? "Applying to clusters…" : "Assign"}
        busy={assign.isPending}
        error={assign.error}
        onClose={() => setAssigning(null)}
        onSubmit={() => {
          if (!assigning) return;
          const [kind, id] = target.value.split(":") as ["clusterGroup" | "cluster", string];
          assign.mutate({ locationId: assigning.id, target: { kind, id }, readOnly: target.readOnly });
        }}
      >
        <TextField
          select
          label="Cluster group or cluster"
          value={target.value}
          onChange={(e) => setTarget({ ...target, value: e.target.value })}
        >
          {targets.map((t) => (
            <MenuItem key={t.value} value={t.value}>
              {t.label}
            </MenuItem>
          ))}
        </TextField>
        <FormControlLabel
          control={
            <Switch checked={target.readOnly} onChange={(e) => setTarget({ ...target, readOnly: e.target.checked })} />
          }
          label="Read-only: these clusters restore from the location but never write or delete backups there"
        />
      </FormDialog>

      <ConfirmDialog
        open={Boolean(unassigning)}
        title={`Unassign ${unassigning?.location ?? ""} from ${unassigning?.target ?? ""}?`}
        confirmLabel="Unassign"
        destructive
        busy={unassign.isPending}
        onClose={() => setUnassigning(null)}
        onConfirm={() => unassigning && unassign.mutate({ id: unassigning.id })}
      >
        <ErrorAlert error={unassign.error} />
        {unassigning &&
          (unassigning.clusters.length ? (
            <>
              The BackupStorageLocation <code>{unassigning.bslName}</code> and its credentials Secret are removed from{" "}
              {unassigning.clusters.length === 1 ? "1 cluster" : `${unassigning.clusters.length} clusters`} (
              {unassigning.clusters.join(", ")}).
            </>
          ) : (
            <>
              No cluster loses the BackupStorageLocation <code>{unassigning.bslName}</code> through this: none holds it
              by this assignment alone.
            </>
          ))}{" "}
        Schedules there that use it fail validation until they are given another location. Backups already in the bucket
        stay there, and clusters still assigned the location keep seeing them.
      </ConfirmDialog>

      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete ${deleting?.name ?? ""}?`}
        confirmLabel="Delete"
        destructive
        busy={del.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && del.mutate({ id: deleting.id })}
      >
        <ErrorAlert error={del.error} />
        Lifeboat forgets the location. The bucket and the backups in it are not touched. A location still assigned
        cannot be deleted.
      </ConfirmDialog>
    </>
  );
}
