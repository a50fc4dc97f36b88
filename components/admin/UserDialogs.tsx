"use client";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import { useTRPC } from "@/lib/trpc/client";
import { PASSWORD_MIN, userCreateInput, userResetPasswordInput } from "@/lib/schemas/admin";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

// The Users page's forms, validated with the schemas user.create and user.resetPassword validate with.

export function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(userCreateInput, { error: formErrorMap }),
    defaultValues: { name: "", email: "", password: "", role: "MEMBER" },
  });
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
        onClose();
      },
    }),
  );
  const { control } = form;
  return (
    <FormDialog
      open
      title="Create user"
      submitLabel="Create"
      busy={create.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => create.mutateAsync(v))}
    >
      <FormTextField control={control} name="name" label="Name" required autoComplete="off" />
      <FormTextField control={control} name="email" label="Email" type="email" required autoComplete="off" />
      <FormTextField
        control={control}
        name="password"
        label="Initial password"
        type="password"
        autoComplete="new-password"
        helperText={`At least ${PASSWORD_MIN} characters; share it with the user privately`}
        required
      />
      <FormTextField control={control} name="role" label="Organization role" select>
        <MenuItem value="MEMBER">Member: access through bindings</MenuItem>
        <MenuItem value="ORG_ADMIN">Org admin: everything</MenuItem>
      </FormTextField>
    </FormDialog>
  );
}

const passwordOnly = userResetPasswordInput.pick({ password: true });

export function ResetPasswordDialog({ user, onClose }: { user: { id: string; email: string }; onClose: () => void }) {
  const trpc = useTRPC();
  const form = useForm({
    resolver: zodResolver(passwordOnly, { error: formErrorMap }),
    defaultValues: { password: "" },
  });
  const reset = useMutation(trpc.user.resetPassword.mutationOptions({ onSuccess: onClose }));
  return (
    <FormDialog
      open
      title={`Reset password for ${user.email}`}
      submitLabel="Reset password"
      busy={reset.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => reset.mutateAsync({ id: user.id, password: v.password }))}
    >
      <FormTextField
        control={form.control}
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        helperText="The user's sessions end now; they sign in with this password"
        required
      />
    </FormDialog>
  );
}
