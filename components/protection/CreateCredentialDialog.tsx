"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useTRPC } from "@/lib/trpc/client";
import { credentialCreateInput } from "@/lib/schemas/locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

const blank = { kind: "AWS_ACCESS_KEY" as const, name: "", description: "", accessKeyId: "", secretAccessKey: "" };

/** A new credential, validated with the schema credential.create validates with. */
export function CreateCredentialDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({ resolver: zodResolver(credentialCreateInput, { error: formErrorMap }), defaultValues: blank });
  const create = useMutation(
    trpc.credential.create.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
        onClose();
      },
    }),
  );
  const { control } = form;
  return (
    <FormDialog
      open
      title="Create a credential"
      submitLabel="Create"
      busy={create.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => create.mutateAsync(v))}
    >
      <FormTextField
        control={control}
        name="name"
        label="Name"
        required
        helperText="Lowercase letters, digits and '-'"
      />
      <FormTextField control={control} name="description" label="Description" />
      <FormTextField control={control} name="accessKeyId" label="Access key id" required autoComplete="off" />
      <FormTextField
        control={control}
        name="secretAccessKey"
        label="Secret access key"
        type="password"
        required
        autoComplete="new-password"
        helperText="Sealed when saved; Lifeboat never shows it again"
      />
    </FormDialog>
  );
}
