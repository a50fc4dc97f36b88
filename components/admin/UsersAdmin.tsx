"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import IconButton from "@mui/material/IconButton";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import MoreVert from "@mui/icons-material/MoreVert";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the page.
const CreateUserDialog = dynamic(() => import("./UserDialogs").then((m) => m.CreateUserDialog), { ssr: false });
const ResetPasswordDialog = dynamic(() => import("./UserDialogs").then((m) => m.ResetPasswordDialog), { ssr: false });
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";

type Row = {
  id: string;
  email: string;
  name: string;
  role: "ORG_ADMIN" | "MEMBER";
  disabled: boolean;
  provider: "LOCAL" | "OIDC";
};

type UserRow = inferRouterOutputs<AppRouter>["user"]["list"][number];

export function UsersAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { me } = useMe();
  const users = useQuery(trpc.user.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const [creating, setCreating] = useState(false);
  const [menu, setMenu] = useState<{ el: HTMLElement; user: Row } | null>(null);
  const [resetFor, setResetFor] = useState<Row | null>(null);
  const [disableFor, setDisableFor] = useState<Row | null>(null);

  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: refresh }));
  const setDisabled = useMutation(
    trpc.user.setDisabled.mutationOptions({
      onSuccess: () => {
        setDisableFor(null);
        refresh();
      },
    }),
  );

  const columns: Column<UserRow>[] = [
    { id: "name", header: "Name", sortValue: (u) => u.name, cell: (u) => u.name },
    { id: "email", header: "Email", sortValue: (u) => u.email, cell: (u) => u.email },
    {
      id: "role",
      header: "Role",
      sortValue: (u) => u.role,
      cell: (u) => (u.role === "ORG_ADMIN" ? <Chip size="small" color="primary" label="Org admin" /> : "Member"),
    },
    {
      id: "provider",
      header: "Sign-in",
      hideBelow: "md",
      cell: (u) => (u.provider === "OIDC" ? "Single sign-on" : "Password"),
    },
    {
      id: "teams",
      header: "Teams",
      hideBelow: "md",
      cell: (u) =>
        u.teams.map((t) => <Chip key={t.id} size="small" variant="outlined" label={t.name} sx={{ mr: 0.5 }} />),
    },
    {
      id: "status",
      header: "Status",
      sortValue: (u) => u.disabled,
      cell: (u) =>
        u.disabled ? (
          <Chip size="small" color="error" label="Disabled" />
        ) : (
          <Chip size="small" color="success" variant="outlined" label="Active" />
        ),
    },
    {
      id: "lastSignIn",
      header: "Last sign-in",
      hideBelow: "lg",
      sortValue: (u) => u.lastSignInAt,
      cell: (u) => <RelativeTime date={u.lastSignInAt} />,
    },
    {
      id: "actions",
      header: "Actions",
      align: "right",
      cell: (u) => (
        <IconButton aria-label={`Actions for ${u.email}`} onClick={(e) => setMenu({ el: e.currentTarget, user: u })}>
          <MoreVert />
        </IconButton>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Who can sign in, and their organization role. Cluster access comes from bindings on cluster groups and clusters."
        actions={
          <Button variant="contained" onClick={() => setCreating(true)}>
            Create user
          </Button>
        }
      />
      <ErrorAlert error={update.error ?? setDisabled.error} />
      <ResourceTable
        label="Users"
        size="medium"
        columns={columns}
        rows={users.data}
        rowKey={(u) => u.id}
        rowTestId={(u) => `user-row-${u.email}`}
        loading={users.isLoading}
        error={users.error}
        onRetry={() => void users.refetch()}
        empty={{ title: "No users" }}
      />

      <Menu anchorEl={menu?.el} open={Boolean(menu)} onClose={() => setMenu(null)}>
        {menu && [
          <MenuItem
            key="role"
            onClick={() => {
              update.mutate({ id: menu.user.id, role: menu.user.role === "ORG_ADMIN" ? "MEMBER" : "ORG_ADMIN" });
              setMenu(null);
            }}
          >
            {menu.user.role === "ORG_ADMIN" ? "Make member" : "Make org admin"}
          </MenuItem>,
          menu.user.provider === "LOCAL" && (
            <MenuItem
              key="reset"
              onClick={() => {
                setResetFor(menu.user);
                setMenu(null);
              }}
            >
              Reset password
            </MenuItem>
          ),
          menu.user.disabled ? (
            <MenuItem
              key="enable"
              onClick={() => {
                setDisabled.mutate({ id: menu.user.id, disabled: false });
                setMenu(null);
              }}
            >
              Enable
            </MenuItem>
          ) : (
            <MenuItem
              key="disable"
              disabled={menu.user.id === me?.id}
              onClick={() => {
                setDisableFor(menu.user);
                setMenu(null);
              }}
            >
              Disable
            </MenuItem>
          ),
        ]}
      </Menu>

      {creating && <CreateUserDialog onClose={() => setCreating(false)} />}
      {resetFor && <ResetPasswordDialog user={resetFor} onClose={() => setResetFor(null)} />}

      <ConfirmDialog
        open={Boolean(disableFor)}
        title={`Disable ${disableFor?.email ?? ""}?`}
        confirmLabel="Disable"
        destructive
        busy={setDisabled.isPending}
        onClose={() => setDisableFor(null)}
        onConfirm={() => disableFor && setDisabled.mutate({ id: disableFor.id, disabled: true })}
      >
        They are signed out at once and cannot sign in until enabled again. Their bindings and team memberships are
        kept.
      </ConfirmDialog>
    </>
  );
}
