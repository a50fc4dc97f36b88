"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Typography from "@mui/material/Typography";
import Groups from "@mui/icons-material/Groups";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the page.
const AddMemberDialog = dynamic(() => import("./TeamDialogs").then((m) => m.AddMemberDialog), { ssr: false });
const TeamDialog = dynamic(() => import("./TeamDialogs").then((m) => m.TeamDialog), { ssr: false });
import { ConfirmDialog } from "../common/ConfirmDialog";

type TeamRow = inferRouterOutputs<AppRouter>["team"]["list"][number];
type Team = { id: string; name: string; description: string; oidcGroup: string | null };

export function TeamsAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const teams = useQuery(trpc.team.list.queryOptions());
  const users = useQuery(trpc.user.list.queryOptions());
  const refresh = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: trpc.team.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() }),
    ]);
  const [editing, setEditing] = useState<{ team: Team | null } | null>(null);
  const [memberFor, setMemberFor] = useState<Team | null>(null);
  const [deleting, setDeleting] = useState<Team | null>(null);

  const del = useMutation(
    trpc.team.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        refresh();
      },
    }),
  );
  const remove = useMutation(trpc.team.removeMember.mutationOptions({ onSuccess: refresh }));
  const columns: Column<TeamRow>[] = [
    {
      id: "name",
      header: "Team",
      sortValue: (t) => t.name,
      cell: (t) => (
        <>
          <Typography variant="body2" sx={{ fontWeight: 500 }}>
            {t.name}
          </Typography>
          {t.description && (
            <Typography variant="caption" color="text.secondary">
              {t.description}
            </Typography>
          )}
        </>
      ),
    },
    {
      id: "oidc",
      header: "OIDC group",
      hideBelow: "md",
      sortValue: (t) => t.oidcGroup,
      cell: (t) =>
        t.oidcGroup ?? (
          <Typography variant="body2" color="text.secondary">
            —
          </Typography>
        ),
    },
    {
      id: "members",
      header: "Members",
      cell: (t) => (
        <>
          {t.members.length === 0 && (
            <Typography variant="body2" color="text.secondary">
              No members
            </Typography>
          )}
          {t.members.map((m) => (
            <Chip
              key={m.id}
              size="small"
              label={m.email}
              title={m.viaOidc ? "From the OIDC group" : undefined}
              sx={{ mr: 0.5, mb: 0.5 }}
              variant={m.viaOidc ? "outlined" : "filled"}
              onDelete={() => remove.mutate({ teamId: t.id, userId: m.id })}
            />
          ))}
        </>
      ),
    },
    {
      id: "bindings",
      header: "Bindings",
      hideBelow: "md",
      sortValue: (t) => t.bindingCount,
      cell: (t) => t.bindingCount,
    },
    {
      id: "actions",
      header: "Actions",
      align: "right",
      cellSx: { whiteSpace: "nowrap" },
      cell: (t) => (
        <>
          <Button size="small" onClick={() => setMemberFor(t)}>
            Add member
          </Button>
          <Button size="small" onClick={() => setEditing({ team: t })}>
            Edit
          </Button>
          <Button
            size="small"
            color="error"
            onClick={() => {
              del.reset();
              setDeleting(t);
            }}
          >
            Delete
          </Button>
        </>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Teams"
        subtitle={
          "Teams hold members; bind a team to cluster groups or clusters to grant them access. " +
          "A team mapped to an OIDC group gets its members from single sign-on."
        }
        actions={
          <Button variant="contained" onClick={() => setEditing({ team: null })}>
            Create team
          </Button>
        }
      />
      <ErrorAlert error={remove.error} />
      <ResourceTable
        label="Teams"
        size="medium"
        columns={columns}
        rows={teams.data}
        rowKey={(t) => t.id}
        rowTestId={(t) => `team-row-${t.name}`}
        loading={teams.isLoading}
        error={teams.error}
        onRetry={() => void teams.refetch()}
        defaultSort={{ column: "name", direction: "asc" }}
        empty={{
          icon: <Groups />,
          title: "No teams yet",
          message: "Create a team, add members, then bind it to a cluster group under Cluster groups.",
        }}
      />

      {editing && <TeamDialog team={editing.team} onClose={() => setEditing(null)} />}
      {memberFor && (
        <AddMemberDialog
          team={memberFor}
          candidates={(users.data ?? []).filter(
            (u) => !teams.data?.find((t) => t.id === memberFor.id)?.members.some((m) => m.id === u.id),
          )}
          onClose={() => setMemberFor(null)}
        />
      )}

      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete team ${deleting?.name ?? ""}?`}
        confirmLabel="Delete team"
        destructive
        busy={del.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && del.mutate({ id: deleting.id })}
      >
        Its memberships and its bindings are removed: members lose the access the team granted them. Users are not
        deleted.
      </ConfirmDialog>
    </>
  );
}
