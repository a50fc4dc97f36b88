"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Typography from "@mui/material/Typography";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useTRPC } from "@/lib/trpc/client";
import { credentialRotateInput, type CredentialKind } from "@/lib/schemas/locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

/**
 * New keys for a credential, validated with the schema credential.rotate validates with. The server probes them at
 * every location using the credential before anything changes, then rolls them out to every cluster holding them.
 */
export function RotateCredentialDialog({
  credential,
  onClose,
  onDone,
}: {
  credential: { id: string; name: string; kind: CredentialKind; locations: { name: string }[] };
  onClose: () => void;
  /** After the new keys are in place: what their check found, in words (null for a kind not checked). */
  onDone?: (note: string | null) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(credentialRotateInput, { error: formErrorMap }),
    defaultValues: {
      id: credential.id,
      kind: credential.kind,
      accessKeyId: "",
      secretAccessKey: "",
      accountKey: "",
      externalId: "",
      clientSecret: "",
    },
  });
  const rotate = useMutation(
    trpc.credential.rotate.mutationOptions({
      onSuccess: async (row) => {
        await qc.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.location.list.queryKey() });
        onDone?.(row.checked && `${row.name} was checked: ${row.checked}`);
        onClose();
      },
    }),
  );
  const used = credential.locations.map((l) => l.name);
  const role = credential.kind === "AWS_ACCOUNT_ROLE";
  const principal = credential.kind === "AZURE_SERVICE_PRINCIPAL";
  // Lifeboat's own AWS account credentials: checked with STS, never on a cluster.
  const account = credential.kind === "AWS_ACCOUNT_KEY" || role;
  return (
    <FormDialog
      open
      title={
        role
          ? `Replace the external id of ${credential.name}`
          : principal
            ? `Replace the client secret of ${credential.name}`
            : `Replace keys of ${credential.name}`
      }
      submitLabel={role ? "Replace external id" : principal ? "Replace client secret" : "Replace keys"}
      busy={rotate.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => rotate.mutateAsync(v))}
    >
      <Typography variant="body2" color="text.secondary">
        {role
          ? "Lifeboat assumes the role with the new external id first; if AWS refuses, nothing changes."
          : principal
            ? "Lifeboat signs in to Entra ID with the new secret first" +
              (used.length ? ` and reaches ${used.join(", ")} with it` : "") +
              "; if anything refuses it, nothing changes. Then every cluster holding these locations gets the new " +
              "secret. Delete the old secret in Entra ID afterwards."
            : account
              ? "Lifeboat checks the new key pair with AWS STS first: it must belong to the same AWS account. If it is " +
                "refused, nothing changes."
              : used.length
                ? `The new keys are tried at ${used.join(", ")} first; if any store refuses them nothing changes. Then every ` +
                  "cluster holding these locations gets the new keys, and the old ones are no longer used or kept."
                : "No target location uses this credential yet, so the keys cannot be tried now; they are tried when a location uses them."}
      </Typography>
      {role ? (
        <FormTextField
          control={form.control}
          name="externalId"
          label="New external id"
          type="password"
          required
          autoComplete="new-password"
          helperText="The external id the role's trust policy now requires. Sealed when saved; never shown again"
        />
      ) : principal ? (
        <FormTextField
          control={form.control}
          name="clientSecret"
          label="New client secret"
          type="password"
          required
          autoComplete="new-password"
          helperText="A new secret's Value for the same application. Sealed when saved; never shown again"
        />
      ) : credential.kind === "AZURE_STORAGE_KEY" ? (
        <FormTextField
          control={form.control}
          name="accountKey"
          label="New account key"
          type="password"
          required
          autoComplete="new-password"
          helperText="The same storage account's other key (key1 or key2). Sealed when saved; never shown again"
        />
      ) : (
        <>
          <FormTextField
            control={form.control}
            name="accessKeyId"
            label="New access key id"
            required
            autoComplete="off"
          />
          <FormTextField
            control={form.control}
            name="secretAccessKey"
            label="New secret access key"
            type="password"
            required
            autoComplete="new-password"
            helperText="Sealed when saved; Lifeboat never shows it again"
          />
        </>
      )}
    </FormDialog>
  );
}
