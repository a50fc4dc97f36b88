"use client";
import { useState } from "react";
import { useLiveInterval } from "@/components/common/LiveUpdates";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Alert from "@mui/material/Alert";
import Chip from "@mui/material/Chip";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import { Tooltip } from "@/components/common/Tooltip";
import Typography from "@mui/material/Typography";
import Storage from "@mui/icons-material/Storage";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { CardListSkeleton } from "../common/LoadingSkeletons";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import { deploymentChip } from "./deployment-state";
import { ProvisionedBy, StacksPanel } from "./StacksPanel";
import { KeptBuckets } from "./KeptBuckets";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the list.
const CreateLocationDialog = dynamic(() => import("./LocationDialogs").then((m) => m.CreateLocationDialog), {
  ssr: false,
});
const AssignLocationDialog = dynamic(() => import("./LocationDialogs").then((m) => m.AssignLocationDialog), {
  ssr: false,
});
const LocationWritersDialog = dynamic(() => import("./LocationDialogs").then((m) => m.LocationWritersDialog), {
  ssr: false,
});
const EditLocationDialog = dynamic(() => import("./EditLocationDialog").then((m) => m.EditLocationDialog), {
  ssr: false,
});
const ManagedLocationDialog = dynamic(() => import("./ManagedLocationDialog").then((m) => m.ManagedLocationDialog), {
  ssr: false,
});

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
  // Updates are pushed (LiveUpdates); polling only while the stream is down.
  const live = useLiveInterval(2000);
  const qc = useQueryClient();
  const { can } = useMe();
  // Phase and last validation come live from the sync engine's read model: poll so Available/Unavailable shows as it changes.
  const list = useQuery({ ...trpc.location.list.queryOptions(), refetchInterval: live });
  const creds = useQuery({ ...trpc.credential.list.queryOptions(), enabled: can("location.create") });
  // Managed locations' stacks (admins only: viewers never ask), live like the list: the reconciler publishes each step.
  const stacks = useQuery({
    ...trpc.location.stacks.queryOptions(),
    enabled: can("location.create"),
    refetchInterval: live,
  });
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const refreshList = () => qc.invalidateQueries({ queryKey: trpc.location.list.queryKey() });
  const [creating, setCreating] = useState(false);
  const [provisioning, setProvisioning] = useState(false);
  const refreshStacks = () =>
    Promise.all([refreshList(), qc.invalidateQueries({ queryKey: trpc.location.stacks.queryKey() })]);
  const [assigning, setAssigning] = useState<{ id: string; name: string } | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const deletingStack = list.data?.find((l) => l.id === deleting?.id)?.managedStack ?? null;
  const [editing, setEditing] = useState<string | null>(null);
  const edited = list.data?.find((l) => l.id === editing);
  const [unassigning, setUnassigning] = useState<Unassigning | null>(null);
  const unassign = useMutation(
    trpc.location.unassign.mutationOptions({
      onSuccess: () => {
        setUnassigning(null);
        refreshList();
      },
    }),
  );
  const refresh = useMutation(trpc.location.refresh.mutationOptions({ onSuccess: refreshList }));
  // What deleting a managed location did (its stack deleted, its bucket and KMS key kept), said until dismissed.
  const [deletedNote, setDeletedNote] = useState<string | null>(null);
  // A managed location's Velero key being replaced (through IAM), after confirming.
  const [rotatingKey, setRotatingKey] = useState<{ id: string; name: string } | null>(null);
  const rotateKey = useMutation(
    trpc.location.rotateKey.mutationOptions({
      onSuccess: (r) => {
        setRotatingKey(null);
        setDeletedNote(r.note);
        refreshList();
      },
    }),
  );
  const del = useMutation(
    trpc.location.delete.mutationOptions({
      onSuccess: (r) => {
        setDeleting(null);
        setDeletedNote(r.note ?? null);
        refreshList();
      },
    }),
  );
  const adminGroups = (groups.data ?? []).filter((g) => g.myRole === "CLUSTER_ADMIN");
  const adminClusters = (clusters.data ?? []).filter((c) => c.myRole === "CLUSTER_ADMIN");
  /** A group's clusters, the writers' choice; undefined while the clusters are loading. */
  const groupClusters = (groupId: string) =>
    clusters.data?.filter((c) => c.groupId === groupId).map((c) => ({ id: c.id, name: c.name }));
  const targets = [
    ...adminGroups.map((g) => ({
      value: `clusterGroup:${g.id}`,
      label: `Group ${g.name}`,
      clusters: groupClusters(g.id) ?? null,
    })),
    ...adminClusters.map((c) => ({ value: `cluster:${c.id}`, label: `Cluster ${c.name}` })),
  ];
  const adminOf = (groupId: string) => adminGroups.some((g) => g.id === groupId);
  // A group assignment's writers being chosen.
  const [choosing, setChoosing] = useState<{
    location: string;
    assignment: { id: string; group: string; groupId: string; writers: string[] };
  } | null>(null);

  return (
    <>
      <PageHeader
        title="Target locations"
        subtitle="Buckets backups go to. Assigned to cluster groups and clusters, each becomes a Velero BackupStorageLocation on every assigned cluster."
        actions={
          can("location.create") ? (
            <>
              <Button variant="contained" onClick={() => setCreating(true)}>
                Create target location
              </Button>
              <Button variant="outlined" onClick={() => setProvisioning(true)}>
                Provision on AWS
              </Button>
            </>
          ) : undefined
        }
      />
      <ErrorAlert error={list.error ?? refresh.error} />
      <ErrorAlert error={stacks.error} />
      {deletedNote && (
        <Alert severity="info" sx={{ mb: 2 }} onClose={() => setDeletedNote(null)} data-testid="location-note">
          {deletedNote}
        </Alert>
      )}
      {stacks.data && <StacksPanel stacks={stacks.data} />}
      {stacks.data && <KeptBuckets stacks={stacks.data} canDelete={can("location.delete")} />}
      {list.isLoading ? (
        <CardListSkeleton label="Loading target locations" />
      ) : !list.data?.length ? (
        <EmptyState icon={<Storage />} title="No target locations yet">
          {can("location.create")
            ? "Create one on an S3, S3-compatible or Azure Blob store with a credential (Lifeboat checks it can really write there), or provision one on AWS."
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
                    {l.summary} · credential {l.credential.name} ({l.credential.keyIdMasked})
                  </Typography>
                  <ProvisionedBy location={l} stacks={stacks.data} />
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
                  <Button size="small" variant="outlined" onClick={() => setAssigning({ id: l.id, name: l.name })}>
                    Assign
                  </Button>
                )}
                {can("location.update") && l.managedStack && (
                  <Button
                    size="small"
                    onClick={() => {
                      rotateKey.reset();
                      setRotatingKey({ id: l.id, name: l.name });
                    }}
                    aria-label={`Rotate key of ${l.name}`}
                  >
                    Rotate key
                  </Button>
                )}
                {can("location.update") && l.settings && (
                  <Button size="small" onClick={() => setEditing(l.id)} aria-label={`Edit ${l.name}`}>
                    Edit
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
                {l.readOnly && l.assignments.length > 0 && (
                  <Chip size="small" color="info" variant="outlined" label="read-only everywhere" />
                )}
                {l.assignments.map((a) => (
                  <Chip
                    key={a.id}
                    size="small"
                    label={assignmentLabel(a, l.readOnly)}
                    data-testid={`assignment-${l.name}-${a.clusterGroup ? `group-${a.clusterGroup.name}` : a.cluster?.name}`}
                    // A group assignment's writers are chosen by whoever administers the group.
                    onClick={
                      a.clusterGroup && can("location.assign") && adminOf(a.clusterGroup.id)
                        ? () =>
                            setChoosing({
                              location: l.name,
                              assignment: {
                                id: a.id,
                                group: a.clusterGroup!.name,
                                groupId: a.clusterGroup!.id,
                                writers: a.writers.map((w) => w.id),
                              },
                            })
                        : undefined
                    }
                    aria-label={
                      a.clusterGroup && can("location.assign") && adminOf(a.clusterGroup.id)
                        ? `Choose the writers of ${l.name} in group ${a.clusterGroup.name}: ${assignmentLabel(a, l.readOnly)}`
                        : undefined
                    }
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
                        color={deploymentChip(d).color}
                        variant="outlined"
                        data-testid={`deployment-${l.name}-${d.clusterName}`}
                        label={`${d.clusterName}: ${deploymentChip(d).label}`}
                      />
                    </Tooltip>
                  ))}
                </Box>
              )}
              {l.writeConflict && (
                <Alert severity="warning" sx={{ mt: 1 }} data-testid={`write-conflict-${l.name}`}>
                  {l.writeConflict}
                </Alert>
              )}
              <MissingPluginAlert location={l} />
            </Paper>
          ))}
        </Stack>
      )}

      {creating && (
        <CreateLocationDialog credentials={creds.data ?? []} onDone={refreshList} onClose={() => setCreating(false)} />
      )}
      {provisioning && (
        <ManagedLocationDialog
          open
          credentials={creds.data ?? []}
          onDone={refreshStacks}
          onClose={() => setProvisioning(false)}
        />
      )}
      {edited?.settings && (
        <EditLocationDialog
          location={{ ...edited, settings: edited.settings }}
          credentials={creds.data ?? []}
          onDone={refreshList}
          onClose={() => setEditing(null)}
        />
      )}
      {choosing && (
        <LocationWritersDialog
          location={{ name: choosing.location }}
          assignment={choosing.assignment}
          clusters={groupClusters(choosing.assignment.groupId) ?? null}
          onDone={refreshList}
          onClose={() => setChoosing(null)}
        />
      )}
      {assigning && (
        <AssignLocationDialog
          location={assigning}
          targets={targets}
          onDone={refreshList}
          onClose={() => setAssigning(null)}
        />
      )}

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
        open={Boolean(rotatingKey)}
        title={`Rotate the Velero key of ${rotatingKey?.name ?? ""}?`}
        confirmLabel="Rotate key"
        busy={rotateKey.isPending}
        onClose={() => setRotatingKey(null)}
        onConfirm={() => rotatingKey && rotateKey.mutate({ id: rotatingKey.id })}
      >
        <ErrorAlert error={rotateKey.error} />
        Lifeboat creates a new access key for the location&apos;s Velero IAM user, tries it on the bucket, and puts it
        on every cluster holding the location. Then the old key is deactivated and deleted; a cluster that cannot take
        the new key yet keeps the old one working until it does.
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
        {deletingStack?.mode === "OPERATOR"
          ? "This location is a stack you deployed: Lifeboat deletes the Velero user's access keys it made and forgets " +
            "the location; the stack, its bucket and the backups in it stay in your account. A location still " +
            "assigned cannot be deleted."
          : deletingStack
            ? "Lifeboat provisioned this location: it deletes the Velero user's access keys and the CloudFormation stack " +
              "(the Velero IAM user and its policy go with it). The bucket and the backups in it are kept, and so is an " +
              "SSE-KMS key that reads them: Kept buckets then lists the bucket, to empty and delete it separately when its " +
              "backups are no longer needed. A location still assigned cannot be deleted."
            : "Lifeboat forgets the location. The bucket and the backups in it are not touched. A location still " +
              "assigned cannot be deleted."}
      </ConfirmDialog>
    </>
  );
}

/** What an assignment makes of its clusters: "group prod (writes: sandbox-1; others read-only)". */
function assignmentLabel(
  a: {
    readOnly: boolean;
    clusterGroup: { name: string } | null;
    cluster: { name: string } | null;
    writers: { name: string }[];
    /** Writers the viewer does not see, counted. */
    hiddenWriters: number;
  },
  /** The location is read-only everywhere: the writers are kept for when it is not. */
  everywhere: boolean,
): string {
  if (!a.clusterGroup) return `cluster ${a.cluster?.name ?? ""}${a.readOnly || everywhere ? " (read-only)" : ""}`;
  const hidden = a.hiddenWriters ? [`${a.hiddenWriters} other cluster${a.hiddenWriters === 1 ? "" : "s"}`] : [];
  const writers = [...a.writers.map((w) => w.name), ...hidden].join(", ");
  if (everywhere) return `group ${a.clusterGroup.name} (read-only${writers ? `; writers kept: ${writers}` : ""})`;
  return writers
    ? `group ${a.clusterGroup.name} (writes: ${writers}; others read-only)`
    : `group ${a.clusterGroup.name} (read-only)`;
}

/**
 * Says which clusters' Velero lacks the plugin this location needs (from what each Velero server reports): Velero would
 * otherwise only mark the BackupStorageLocation Unavailable, without saying what to install.
 */
function MissingPluginAlert({
  location,
}: {
  location: { name: string; deployments: { clusterName: string; missingPlugin: string | null }[] };
}) {
  const lacking = location.deployments.filter((d) => d.missingPlugin);
  if (!lacking.length) return null;
  return (
    <Alert severity="warning" sx={{ mt: 1 }} data-testid={`missing-plugin-${location.name}`}>
      {location.name} needs the Velero plugin {lacking[0].missingPlugin}, which Velero on{" "}
      {lacking.map((d) => d.clusterName).join(", ")} does not run: install it there (velero plugin add{" "}
      {lacking[0].missingPlugin}:&lt;version&gt;), or Velero keeps this location Unavailable.
    </Alert>
  );
}
