"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import IconButton from "@mui/material/IconButton";
import LinearProgress from "@mui/material/LinearProgress";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import MoreVert from "@mui/icons-material/MoreVert";
import { useTRPC } from "@/lib/trpc/client";
import { PASSWORD_MIN } from "@/lib/schemas/admin";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormDialog } from "../common/FormDialog";
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

export function UsersAdmin() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { me } = useMe();
  const users = useQuery(trpc.user.list.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "MEMBER" as Row["role"] });
  const [menu, setMenu] = useState<{ el: HTMLElement; user: Row } | null>(null);
  const [resetFor, setResetFor] = useState<Row | null>(null);
  const [newPassword, setNewPassword] = useState("");
  const [disableFor, setDisableFor] = useState<Row | null>(null);

  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: () => {
        setCreating(false);
        setForm({ name: "", email: "", password: "", role: "MEMBER" });
        refresh();
      },
    }),
  );
  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: refresh }));
  const setDisabled = useMutation(
    trpc.user.setDisabled.mutationOptions({
      onSuccess: () => {
        setDisableFor(null);
        refresh();
      },
    }),
  );
  const reset = useMutation(
    trpc.user.resetPassword.mutationOptions({
      onSuccess: () => {
        setResetFor(null);
        setNewPassword("");
      },
    }),
  );

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Who can sign in, and their organization role. Cluster access comes from bindings on cluster groups and clusters."
        actions={
          <Button
            variant="contained"
            onClick={() => {
              create.reset();
              setCreating(true);
            }}
          >
            Create user
          </Button>
        }
      />
      <ErrorAlert error={users.error ?? update.error ?? setDisabled.error} />
      {users.isLoading ? (
        <LinearProgress />
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table aria-label="Users">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Email</TableCell>
                <TableCell>Role</TableCell>
                <TableCell>Sign-in</TableCell>
                <TableCell>Teams</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Last sign-in</TableCell>
                <TableCell align="right">Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {users.data?.map((u) => (
                <TableRow key={u.id} data-testid={`user-row-${u.email}`}>
                  <TableCell>{u.name}</TableCell>
                  <TableCell>{u.email}</TableCell>
                  <TableCell>
                    {u.role === "ORG_ADMIN" ? <Chip size="small" color="primary" label="Org admin" /> : "Member"}
                  </TableCell>
                  <TableCell>{u.provider === "OIDC" ? "Single sign-on" : "Password"}</TableCell>
                  <TableCell>
                    {u.teams.map((t) => (
                      <Chip key={t.id} size="small" variant="outlined" label={t.name} sx={{ mr: 0.5 }} />
                    ))}
                  </TableCell>
                  <TableCell>
                    {u.disabled ? (
                      <Chip size="small" color="error" label="Disabled" />
                    ) : (
                      <Chip size="small" color="success" variant="outlined" label="Active" />
                    )}
                  </TableCell>
                  <TableCell>
                    <RelativeTime date={u.lastSignInAt} />
                  </TableCell>
                  <TableCell align="right">
                    <IconButton
                      aria-label={`Actions for ${u.email}`}
                      onClick={(e) => setMenu({ el: e.currentTarget, user: u })}
                    >
                      <MoreVert />
                    </IconButton>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}

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
                reset.reset();
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

      <FormDialog
        open={creating}
        title="Create user"
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
          required
          autoFocus
        />
        <TextField
          label="Email"
          type="email"
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
          required
        />
        <TextField
          label="Initial password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          helperText={`At least ${PASSWORD_MIN} characters; share it with the user privately`}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
        />
        <TextField
          select
          label="Organization role"
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.target.value as Row["role"] })}
        >
          <MenuItem value="MEMBER">Member: access through bindings</MenuItem>
          <MenuItem value="ORG_ADMIN">Org admin: everything</MenuItem>
        </TextField>
      </FormDialog>

      <FormDialog
        open={Boolean(resetFor)}
        title={`Reset password for ${resetFor?.email ?? ""}`}
        submitLabel="Reset password"
        busy={reset.isPending}
        error={reset.error}
        onClose={() => setResetFor(null)}
        onSubmit={() => resetFor && reset.mutate({ id: resetFor.id, password: newPassword })}
      >
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={(e) => setNewPassword(e.target.value)}
          helperText="The user's sessions end now; they sign in with this password"
          required
          autoFocus
        />
      </FormDialog>

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
