"use client";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/client";
import { changePasswordInput, PASSWORD_MIN } from "@/lib/schemas/admin";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

/** me.changePassword's input, and the new password typed twice. */
const changePasswordForm = changePasswordInput
  .extend({ confirm: changePasswordInput.shape.next })
  .refine((v) => v.next === v.confirm, { path: ["confirm"], message: "The passwords do not match" });

export function ChangePasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return open ? <ChangePasswordForm onClose={onClose} /> : null;
}

function ChangePasswordForm({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const form = useForm({
    resolver: zodResolver(changePasswordForm, { error: formErrorMap }),
    defaultValues: { current: "", next: "", confirm: "" },
  });
  const change = useMutation(trpc.me.changePassword.mutationOptions({ onSuccess: onClose }));
  const { control } = form;
  return (
    <FormDialog
      open
      title="Change your password"
      submitLabel="Change password"
      busy={change.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => change.mutateAsync({ current: v.current, next: v.next }))}
    >
      <FormTextField
        control={control}
        name="current"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
      />
      <FormTextField
        control={control}
        name="next"
        label="New password"
        type="password"
        autoComplete="new-password"
        helperText={`At least ${PASSWORD_MIN} characters. Your other sessions end.`}
        required
      />
      <FormTextField
        control={control}
        name="confirm"
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        helperText=" "
        required
      />
    </FormDialog>
  );
}
