"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import Typography from "@mui/material/Typography";
import Hub from "@mui/icons-material/Hub";
import { useTRPC } from "@/lib/trpc/client";
import type { ClusterRole } from "@/lib/rbac/permissions";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormDialog } from "../common/FormDialog";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { EmptyState } from "../common/EmptyState";

const ROLES: { value: ClusterRole; label: string; help: string }[] = [
  { value: "VIEWER", label: "Viewer", help: "reads everything in scope" },
  { value: "OPERATOR", label: "Operator", help: "also backs up, schedules and restores" },
  { value: "CLUSTER_ADMIN", label: "Cluster admin", help: "also attaches, detaches and assigns locations" },
];
const roleLabel = (r: ClusterRole) => ROLES.find((x) => x.value === r)!.label;

type Group = { id: string; name: string; description: string };

export function ClusterGroupsAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const groups = useQuery(trpc.clusterGroup.list.queryOptions());
  const bindings = useQuery(trpc.binding.list.queryOptions({}));
  const users = useQuery(trpc.user.list.queryOptions());
  const teams = useQuery(trpc.team.list.queryOptions());
  const refresh = () =>
    Promise.all(
      [trpc.clusterGroup.list, trpc.binding.list, trpc.team.list].map((p) =>
        qc.invalidateQueries({ queryKey: p.queryKey() }),
      ),
    );

  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ name: "", description: "" });
  const [bindFor, setBindFor] = useState<Group | null>(null);
  const [bind, setBind] = useState<{ kind: "team" | "user"; id: string; role: ClusterRole }>({
    kind: "team",
    id: "",
    role: "VIEWER",
  });
  const [deleting, setDeleting] = useState<Group | null>(null);
  const [unbinding, setUnbinding] = useState<{ id: string; label: string } | null>(null);

  const create = useMutation(
    trpc.clusterGroup.create.mutationOptions({
      onSuccess: () => {
        setCreating(false);
        setForm({ name: "", description: "" });
        refresh();
      },
    }),
  );
  const del = useMutation(
    trpc.clusterGroup.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        refresh();
      },
    }),
  );
  const addBinding = useMutation(
    trpc.binding.create.mutationOptions({
      onSuccess: () => {
        setBindFor(null);
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

  const subjects =
    bind.kind === "team"
      ? (teams.data ?? []).map((t) => ({ id: t.id, label: t.name }))
      : (users.data ?? []).map((u) => ({ id: u.id, label: `${u.name} (${u.email})` }));

  return (
    <>
      <PageHeader
        title="Cluster groups"
        subtitle="Group clusters, then bind users or teams to a group with a role: the binding grants that role on every cluster in the group."
        actions={
          <Button
            variant="contained"
            onClick={() => {
              create.reset();
              setCreating(true);
            }}
          >
            Create cluster group
          </Button>
        }
      />
      <ErrorAlert error={groups.error ?? bindings.error} />
      {groups.isLoading ? (
        <LinearProgress />
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
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => {
                      addBinding.reset();
                      setBind({ kind: "team", id: "", role: "VIEWER" });
                      setBindFor(g);
                    }}
                  >
                    Add binding
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

      <FormDialog
        open={creating}
        title="Create cluster group"
        submitLabel="Create"
        busy={create.isPending}
        error={create.error}
        onClose={() => setCreating(false)}
        onSubmit={() => create.mutate(form)}
      >
        <TextField
          label="Name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
          helperText="Lowercase letters, digits and '-'"
          required
          autoFocus
        />
        <TextField
          label="Description"
          value={form.description}
          onChange={(e) => setForm({ ...form, description: e.target.value })}
        />
      </FormDialog>

      <FormDialog
        open={Boolean(bindFor)}
        title={`Add a binding to ${bindFor?.name ?? ""}`}
        submitLabel="Add binding"
        busy={addBinding.isPending}
        error={addBinding.error}
        onClose={() => setBindFor(null)}
        onSubmit={() =>
          bindFor &&
          addBinding.mutate({
            role: bind.role,
            subject: { kind: bind.kind, id: bind.id },
            target: { kind: "clusterGroup", id: bindFor.id },
          })
        }
      >
        <ToggleButtonGroup
          exclusive
          size="small"
          value={bind.kind}
          onChange={(_, v) => v && setBind({ ...bind, kind: v, id: "" })}
          aria-label="Subject kind"
        >
          <ToggleButton value="team">Team</ToggleButton>
          <ToggleButton value="user">User</ToggleButton>
        </ToggleButtonGroup>
        <TextField
          select
          label={bind.kind === "team" ? "Team" : "User"}
          value={bind.id}
          onChange={(e) => setBind({ ...bind, id: e.target.value })}
          required
          helperText={subjects.length ? " " : `No ${bind.kind}s exist yet`}
        >
          {subjects.map((s) => (
            <MenuItem key={s.id} value={s.id}>
              {s.label}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label="Role"
          value={bind.role}
          onChange={(e) => setBind({ ...bind, role: e.target.value as ClusterRole })}
        >
          {ROLES.map((r) => (
            <MenuItem key={r.value} value={r.value}>
              {r.label}: {r.help}
            </MenuItem>
          ))}
        </TextField>
      </FormDialog>

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
