"use client";
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { PASSWORD_MIN } from "@/lib/schemas/admin";
import { FormDialog } from "../common/FormDialog";

export function ChangePasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const [form, setForm] = useState({ current: "", next: "", confirm: "" });
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.me.changePassword.mutationOptions({
      onSuccess: () => {
        setForm({ current: "", next: "", confirm: "" });
        onClose();
      },
    }),
  );
  const submit = () => {
    setMismatch(form.next !== form.confirm);
    if (form.next === form.confirm) change.mutate({ current: form.current, next: form.next });
  };
  return (
    <FormDialog
      open={open}
      title="Change your password"
      submitLabel="Change password"
      busy={change.isPending}
      error={change.error}
      onClose={onClose}
      onSubmit={submit}
    >
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={form.current}
        onChange={(e) => setForm({ ...form, current: e.target.value })}
        required
        autoFocus
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={form.next}
        onChange={(e) => setForm({ ...form, next: e.target.value })}
        helperText={`At least ${PASSWORD_MIN} characters. Your other sessions end.`}
        required
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        value={form.confirm}
        onChange={(e) => setForm({ ...form, confirm: e.target.value })}
        error={mismatch}
        helperText={mismatch ? "The passwords do not match" : " "}
        required
      />
    </FormDialog>
  );
}
