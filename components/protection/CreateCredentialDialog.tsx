"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import { useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { zodResolver } from "@hookform/resolvers/zod";
import { useTRPC } from "@/lib/trpc/client";
import { AZURE_CLOUDS, CREDENTIAL_KIND_LABELS, CREDENTIAL_KINDS, credentialCreateInput } from "@/lib/schemas/locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

// Every kind's fields start blank; the schema keeps only the chosen kind's when it validates.
const blank = {
  kind: "AWS_ACCESS_KEY" as (typeof CREDENTIAL_KINDS)[number],
  name: "",
  description: "",
  accessKeyId: "",
  secretAccessKey: "",
  accountName: "",
  accountKey: "",
  cloud: "AzurePublicCloud" as (typeof AZURE_CLOUDS)[number],
  blobEndpoint: "",
  tenantId: "",
  clientId: "",
  clientSecret: "",
  subscriptionId: "",
  resourceGroup: "",
  endpoint: "",
  region: "us-east-1",
  roleArn: "",
  externalId: "",
  sourceCredentialId: "",
  sessionName: "lifeboat",
};

const SEALED = "Sealed when saved; Lifeboat never shows it again";

/** A new credential, validated with the schema credential.create validates with; some kinds are checked on save. */
export function CreateCredentialDialog({
  onClose,
  onDone,
}: {
  onClose: () => void;
  /** After saving: what the check on save found, in words (null for a kind not checked). */
  onDone?: (note: string | null) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({ resolver: zodResolver(credentialCreateInput, { error: formErrorMap }), defaultValues: blank });
  const kind = useWatch({ control: form.control, name: "kind" });
  const create = useMutation(
    trpc.credential.create.mutationOptions({
      onSuccess: async (row) => {
        await qc.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
        onDone?.(row.checked && `${row.name} was checked: ${row.checked}`);
        onClose();
      },
    }),
  );
  const { control } = form;
  const azure = kind === "AZURE_STORAGE_KEY";
  const principal = kind === "AZURE_SERVICE_PRINCIPAL";
  const role = kind === "AWS_ACCOUNT_ROLE";
  const account = kind === "AWS_ACCOUNT_KEY" || role;
  // Some kinds are checked against their cloud before they are saved (the Velero key only at a location).
  const checked = kind !== "AWS_ACCESS_KEY";
  const sources = useQuery({ ...trpc.credential.list.queryOptions(), enabled: role });
  const accountKeys = (sources.data ?? []).filter((c) => c.kind === "AWS_ACCOUNT_KEY");
  return (
    <FormDialog
      open
      title="Create a credential"
      submitLabel={create.isPending && checked ? "Checking…" : checked ? "Check and create" : "Create"}
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
      <FormTextField control={control} name="kind" select label="Kind">
        {CREDENTIAL_KINDS.map((k) => (
          <MenuItem key={k} value={k}>
            {CREDENTIAL_KIND_LABELS[k]}
          </MenuItem>
        ))}
      </FormTextField>
      {principal ? (
        <ServicePrincipalFields control={control} />
      ) : azure ? (
        <>
          <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
            <FormTextField
              control={control}
              name="accountName"
              label="Storage account"
              required
              autoComplete="off"
              sx={{ flex: 1 }}
            />
            <CloudField control={control} />
          </Stack>
          <FormTextField
            control={control}
            name="accountKey"
            label="Account key"
            type="password"
            required
            autoComplete="new-password"
            helperText={`${SEALED}. Checked against the storage account before it is saved.`}
          />
          <FormTextField
            control={control}
            name="blobEndpoint"
            label="Blob endpoint (optional)"
            placeholder="https://<account>.blob.core.windows.net"
            helperText="Only for Azure Stack, private endpoints or an emulator; empty means the cloud's own"
          />
        </>
      ) : role ? (
        <>
          <FormTextField
            control={control}
            name="roleArn"
            label="Role ARN"
            required
            autoComplete="off"
            placeholder="arn:aws:iam::123456789012:role/lifeboat-provisioner"
          />
          <FormTextField
            control={control}
            name="externalId"
            label="External id"
            type="password"
            required
            autoComplete="new-password"
            helperText={`The external id the role's trust policy requires. ${SEALED}.`}
          />
          <FormTextField
            control={control}
            name="sourceCredentialId"
            select
            label="Source credential"
            required
            disabled={sources.isSuccess && accountKeys.length === 0}
            helperText={
              sources.isSuccess && accountKeys.length === 0
                ? `Create an "${CREDENTIAL_KIND_LABELS.AWS_ACCOUNT_KEY}" credential first: its key assumes the role`
                : `The "${CREDENTIAL_KIND_LABELS.AWS_ACCOUNT_KEY}" credential whose key assumes the role`
            }
          >
            {accountKeys.map((c) => (
              <MenuItem key={c.id} value={c.id}>
                {c.name} ({c.keyIdMasked})
              </MenuItem>
            ))}
          </FormTextField>
          <FormTextField
            control={control}
            name="sessionName"
            label="Session name"
            helperText="How AWS names Lifeboat's sessions with the role (CloudTrail shows it)"
          />
        </>
      ) : (
        <>
          <FormTextField control={control} name="accessKeyId" label="Access key id" required autoComplete="off" />
          <FormTextField
            control={control}
            name="secretAccessKey"
            label="Secret access key"
            type="password"
            required
            autoComplete="new-password"
            helperText={account ? `${SEALED}. Checked with AWS STS before it is saved.` : SEALED}
          />
        </>
      )}
      {account && (
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <FormTextField
            control={control}
            name="endpoint"
            label="Endpoint (for an AWS-compatible API, e.g. a test emulator)"
            placeholder="https://…"
            helperText={role ? "The source credential's endpoint; empty means AWS itself" : "Empty means AWS itself"}
            sx={{ flex: 2 }}
          />
          <FormTextField
            control={control}
            name="region"
            label="Region"
            helperText="Where Lifeboat calls STS and IAM"
            sx={{ flex: 1 }}
          />
        </Stack>
      )}
    </FormDialog>
  );
}

type CreateControl = ReturnType<typeof useForm<z.input<typeof credentialCreateInput>>>["control"];

function CloudField({ control }: { control: CreateControl }) {
  return (
    <FormTextField control={control} name="cloud" select label="Cloud" sx={{ flex: 1 }}>
      {AZURE_CLOUDS.map((c) => (
        <MenuItem key={c} value={c}>
          {c}
        </MenuItem>
      ))}
    </FormTextField>
  );
}

/** An Entra ID application's service principal: where it lives, who it is, its secret, and its resource group. */
function ServicePrincipalFields({ control }: { control: CreateControl }) {
  return (
    <>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField
          control={control}
          name="tenantId"
          label="Directory (tenant) id"
          required
          autoComplete="off"
          helperText="A GUID, or a domain such as contoso.onmicrosoft.com"
          sx={{ flex: 1 }}
        />
        <CloudField control={control} />
      </Stack>
      <FormTextField
        control={control}
        name="clientId"
        label="Application (client) id"
        required
        autoComplete="off"
        placeholder="00000000-0000-0000-0000-000000000000"
      />
      <FormTextField
        control={control}
        name="clientSecret"
        label="Client secret"
        type="password"
        required
        autoComplete="new-password"
        helperText={`The secret's Value (not its Secret ID). ${SEALED}. Lifeboat signs in with it before it is saved.`}
      />
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField
          control={control}
          name="subscriptionId"
          label="Subscription id"
          required
          autoComplete="off"
          sx={{ flex: 1 }}
        />
        <FormTextField
          control={control}
          name="resourceGroup"
          label="Resource group"
          required
          autoComplete="off"
          helperText="Velero's AZURE_RESOURCE_GROUP; Lifeboat checks the principal can see it"
          sx={{ flex: 1 }}
        />
      </Stack>
    </>
  );
}
