"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Hub from "@mui/icons-material/Hub";
import { useTRPC } from "@/lib/trpc/client";
import type { ClusterRole } from "@/lib/rbac/permissions";
import { PageHeader } from "../common/PageHeader";
import { CardListSkeleton } from "../common/LoadingSkeletons";
import { ErrorAlert } from "../common/ErrorAlert";
import { ROLES } from "./roles";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the page.
const AddBindingDialog = dynamic(() => import("./ClusterGroupDialogs").then((m) => m.AddBindingDialog), { ssr: false });
const EditClusterGroupDialog = dynamic(() => import("./ClusterGroupDialogs").then((m) => m.EditClusterGroupDialog), {
  ssr: false,
});
const CreateClusterGroupDialog = dynamic(
  () => import("./ClusterGroupDialogs").then((m) => m.CreateClusterGroupDialog),
  { ssr: false },
);
import { ConfirmDialog } from "../common/ConfirmDialog";
import { EmptyState } from "../common/EmptyState";
import { GroupDataProtectionButton } from "../velero-group/GroupDataProtectionButton";

const roleLabel = (r: ClusterRole) => ROLES.find((x) => x.value === r)!.label;

type Group = { id: string; name: string; description: string; rpoHours: number };

export function ClusterGroupsAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const bindings = useQuery(trpc.binding.list.queryOptions({}));
  const refresh = () =>
    Promise.all(
      [trpc.clusterGroup.list, trpc.binding.list, trpc.team.list].map((p) =>
        qc.invalidateQueries({ queryKey: p.queryKey() }),
      ),
    );

  const [creating, setCreating] = useState(false);
  const [bindFor, setBindFor] = useState<Group | null>(null);
  const [editing, setEditing] = useState<Group | null>(null);
  const [deleting, setDeleting] = useState<Group | null>(null);
  const [unbinding, setUnbinding] = useState<{ id: string; label: string } | null>(null);

  const del = useMutation(
    trpc.clusterGroup.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        refresh();
      },
    }),
  );
  const delBinding = useMutation(
    trpc.binding.delete.mutationOptions({
      onSuccess: () => {
        setUnbinding(null);
        refresh();
      },
    }),
  );

  return (
    <>
      <PageHeader
        title="Cluster groups"
        subtitle="Group clusters, then bind users or teams to a group with a role: the binding grants that role on every cluster in the group."
        actions={
          <Button variant="contained" onClick={() => setCreating(true)}>
            Create cluster group
          </Button>
        }
      />
      <ErrorAlert error={groups.error ?? bindings.error} />
      {groups.isLoading ? (
        <CardListSkeleton label="Loading cluster groups" />
      ) : !groups.data?.length ? (
        <EmptyState icon={<Hub />} title="No cluster groups yet">
          Create a group such as “production”, then bind the teams that may see or operate its clusters.
        </EmptyState>
      ) : (
        <Stack spacing={2}>
          {groups.data.map((g) => {
            const bs = bindings.data?.filter((b) => b.clusterGroup?.id === g.id) ?? [];
            return (
              <Paper key={g.id} variant="outlined" sx={{ p: 2 }} data-testid={`group-card-${g.name}`}>
                <Box sx={{ display: "flex", alignItems: "center", gap: 1, flexWrap: "wrap" }}>
                  <Box sx={{ flex: 1 }}>
                    <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 500 }}>
                      {g.name}
                    </Typography>
                    <Typography variant="body2" color="text.secondary">
                      {g.description || "No description"} ·{" "}
                      {g.clusters.length ? `${g.clusters.length} cluster(s)` : "no clusters attached yet"}
                    </Typography>
                  </Box>
                  <GroupDataProtectionButton group={g} />
                  <Button size="small" variant="outlined" onClick={() => setBindFor(g)}>
                    Add binding
                  </Button>
                  <Button size="small" onClick={() => setEditing(g)} aria-label={`Edit ${g.name}`}>
                    Edit
                  </Button>
                  <Button
                    size="small"
                    color="error"
                    onClick={() => {
                      del.reset();
                      setDeleting(g);
                    }}
                  >
                    Delete
                  </Button>
                </Box>
                <Box sx={{ mt: 1.5, display: "flex", gap: 1, flexWrap: "wrap" }} aria-label={`Bindings of ${g.name}`}>
                  {bs.length === 0 && (
                    <Typography variant="body2" color="text.secondary">
                      No bindings: only org admins see this group.
                    </Typography>
                  )}
                  {bs.map((b) => {
                    const who = b.team ? `team ${b.team.name}` : `${b.user?.email}`;
                    return (
                      <Chip
                        key={b.id}
                        label={`${who}: ${roleLabel(b.role)}`}
                        onDelete={() => setUnbinding({ id: b.id, label: `${who} (${roleLabel(b.role)}) on ${g.name}` })}
                      />
                    );
                  })}
                </Box>
              </Paper>
            );
          })}
        </Stack>
      )}

      {creating && <CreateClusterGroupDialog onClose={() => setCreating(false)} />}
      {bindFor && <AddBindingDialog group={bindFor} onClose={() => setBindFor(null)} />}
      {editing && <EditClusterGroupDialog group={editing} onClose={() => setEditing(null)} />}

      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete cluster group ${deleting?.name ?? ""}?`}
        confirmLabel="Delete group"
        destructive
        busy={del.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && del.mutate({ id: deleting.id })}
      >
        <ErrorAlert error={del.error} />
        Its bindings are removed. A group that still holds clusters cannot be deleted.
      </ConfirmDialog>

      <ConfirmDialog
        open={Boolean(unbinding)}
        title="Remove binding?"
        confirmLabel="Remove"
        destructive
        busy={delBinding.isPending}
        onClose={() => setUnbinding(null)}
        onConfirm={() => unbinding && delBinding.mutate({ id: unbinding.id })}
      >
        <ErrorAlert error={delBinding.error} />
        {unbinding?.label} loses this access at once.
      </ConfirmDialog>
    </>
  );
}
