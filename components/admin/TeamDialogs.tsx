"use client";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import { useTRPC } from "@/lib/trpc/client";
import { teamCreateInput, teamMemberInput } from "@/lib/schemas/admin";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

// The Teams page's forms, validated with the schemas team.create, team.update and team.addMember validate with.

type Team = { id: string; name: string; description: string; oidcGroup: string | null };

function useRefreshTeams() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  return () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: trpc.team.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() }),
    ]);
}

/** Creates a team, or edits `team`: the same fields, and the same rules for them. */
export function TeamDialog({ team, onClose }: { team: Team | null; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshTeams();
  const form = useForm({
    resolver: zodResolver(teamCreateInput, { error: formErrorMap }),
    defaultValues: { name: team?.name ?? "", description: team?.description ?? "", oidcGroup: team?.oidcGroup ?? "" },
  });
  const done = {
    onSuccess: async () => {
      await refresh();
      onClose();
    },
  };
  const create = useMutation(trpc.team.create.mutationOptions(done));
  const update = useMutation(trpc.team.update.mutationOptions(done));
  const { control } = form;
  return (
    <FormDialog
      open
      title={team ? `Edit team ${team.name}` : "Create team"}
      submitLabel={team ? "Save" : "Create"}
      busy={create.isPending || update.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) =>
        team ? update.mutateAsync({ id: team.id, ...v, oidcGroup: v.oidcGroup ?? null }) : create.mutateAsync(v),
      )}
    >
      <FormTextField
        control={control}
        name="name"
        label="Name"
        helperText="Lowercase letters, digits and '-'"
        required
      />
      <FormTextField control={control} name="description" label="Description" />
      <FormTextField
        control={control}
        name="oidcGroup"
        label="OIDC group (optional)"
        helperText="Users whose groups claim holds this value join the team when they sign in with single sign-on"
      />
    </FormDialog>
  );
}

const memberOnly = teamMemberInput.pick({ userId: true });

export function AddMemberDialog({
  team,
  candidates,
  onClose,
}: {
  team: { id: string; name: string };
  /** Users not in the team yet. */
  candidates: { id: string; name: string; email: string }[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshTeams();
  const form = useForm({
    resolver: zodResolver(memberOnly, { error: formErrorMap }),
    defaultValues: { userId: "" },
  });
  const add = useMutation(
    trpc.team.addMember.mutationOptions({
      onSuccess: async () => {
        await refresh();
        onClose();
      },
    }),
  );
  return (
    <FormDialog
      open
      title={`Add a member to ${team.name}`}
      submitLabel="Add"
      busy={add.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => add.mutateAsync({ teamId: team.id, userId: v.userId }))}
    >
      <FormTextField control={form.control} name="userId" label="User" select required>
        {candidates.map((u) => (
          <MenuItem key={u.id} value={u.id}>
            {u.name} ({u.email})
          </MenuItem>
        ))}
      </FormTextField>
    </FormDialog>
  );
}
