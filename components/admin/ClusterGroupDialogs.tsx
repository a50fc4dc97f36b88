"use client";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import ToggleButton from "@mui/material/ToggleButton";
import ToggleButtonGroup from "@mui/material/ToggleButtonGroup";
import { useTRPC } from "@/lib/trpc/client";
import { bindingCreateInput, clusterGroupCreateInput, clusterGroupUpdateInput } from "@/lib/schemas/admin";
import type { ClusterRole } from "@/lib/rbac/permissions";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { ROLES } from "./roles";
import { formError, submitWith } from "../common/form-submit";

// The Cluster groups page's forms, validated with the schemas clusterGroup.create and binding.create validate with.

function useRefreshGroups() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return () =>
    Promise.all(
      [trpc.clusterGroup.list, trpc.binding.list, trpc.team.list].map((p) =>
        qc.invalidateQueries({ queryKey: p.queryKey() }),
      ),
    );
}

export function CreateClusterGroupDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshGroups();
  const form = useForm({
    resolver: zodResolver(clusterGroupCreateInput, { error: formErrorMap }),
    defaultValues: { name: "", description: "" },
  });
  const create = useMutation(
    trpc.clusterGroup.create.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  return (
    <FormDialog
      open
      title="Create cluster group"
      submitLabel="Create"
      busy={create.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => create.mutateAsync(v))}
    >
      <FormTextField
        control={form.control}
        name="name"
        label="Name"
        helperText="Lowercase letters, digits and '-'"
        required
      />
      <FormTextField control={form.control} name="description" label="Description" />
    </FormDialog>
  );
}

const groupEdit = clusterGroupUpdateInput.pick({ description: true, rpoHours: true });

/** Edits a group's description and its recovery point objective (#13: namespaces past it are breaches). */
export function EditClusterGroupDialog({
  group,
  onClose,
}: {
  group: { id: string; name: string; description: string; rpoHours: number };
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshGroups();
  const form = useForm({
    resolver: zodResolver(groupEdit, { error: formErrorMap }),
    defaultValues: { description: group.description, rpoHours: group.rpoHours },
  });
  const update = useMutation(
    trpc.clusterGroup.update.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  return (
    <FormDialog
      open
      title={`Edit ${group.name}`}
      submitLabel="Save"
      busy={update.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => update.mutateAsync({ id: group.id, ...v }))}
    >
      <FormTextField control={form.control} name="description" label="Description" />
      <FormTextField
        control={form.control}
        name="rpoHours"
        label="Recovery point objective (hours)"
        helperText="A namespace whose last good backup is older than this shows as a breach on the coverage pages"
        number
        required
      />
    </FormDialog>
  );
}

const bindingOnGroup = bindingCreateInput.pick({ role: true, subject: true });

/** Binds a team or a user to `group` with a role. */
export function AddBindingDialog({ group, onClose }: { group: { id: string; name: string }; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshGroups();
  const users = useQuery(trpc.user.list.queryOptions());
  const teams = useQuery(trpc.team.list.queryOptions());
  const form = useForm({
    resolver: zodResolver(bindingOnGroup, { error: formErrorMap }),
    defaultValues: { role: "VIEWER" as ClusterRole, subject: { kind: "team" as "team" | "user", id: "" } },
  });
  const kind = useWatch({ control: form.control, name: "subject.kind" });
  const add = useMutation(
    trpc.binding.create.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  const subjects =
    kind === "team"
      ? (teams.data ?? []).map((t) => ({ id: t.id, label: t.name }))
      : (users.data ?? []).map((u) => ({ id: u.id, label: `${u.name} (${u.email})` }));
  return (
    <FormDialog
      open
      title={`Add a binding to ${group.name}`}
      submitLabel="Add binding"
      busy={add.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => add.mutateAsync({ ...v, target: { kind: "clusterGroup", id: group.id } }))}
    >
      <ToggleButtonGroup
        exclusive
        size="small"
        value={kind}
        onChange={(_, v: "team" | "user" | null) => v && form.setValue("subject", { kind: v, id: "" })}
        aria-label="Subject kind"
      >
        <ToggleButton value="team">Team</ToggleButton>
        <ToggleButton value="user">User</ToggleButton>
      </ToggleButtonGroup>
      <FormTextField
        control={form.control}
        name="subject.id"
        select
        label={kind === "team" ? "Team" : "User"}
        required
        helperText={subjects.length ? " " : `No ${kind}s exist yet`}
      >
        {subjects.map((s) => (
          <MenuItem key={s.id} value={s.id}>
            {s.label}
          </MenuItem>
        ))}
      </FormTextField>
      <FormTextField control={form.control} name="role" select label="Role">
        {ROLES.map((r) => (
          <MenuItem key={r.value} value={r.value}>
            {r.label}: {r.help}
          </MenuItem>
        ))}
      </FormTextField>
    </FormDialog>
  );
}
