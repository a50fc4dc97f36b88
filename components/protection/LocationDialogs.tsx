"use client";
import { useMutation } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import { useForm, useWatch, type Control, type FieldValues, type Path } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTRPC } from "@/lib/trpc/client";
import {
  CREDENTIAL_KIND_LABELS,
  LOCATION_CREDENTIAL_KINDS,
  locationAssignInput,
  locationCreateInput,
  type CredentialKind,
  type LocationKind,
} from "@/lib/schemas/locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { AzureAuthField } from "./AzureAuthField";
import { FormDialog } from "../common/FormDialog";
import { FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

// Every provider's fields start blank; the schema keeps only the chosen provider's when it validates.
const blank = {
  name: "",
  provider: "S3_COMPATIBLE" as LocationKind,
  bucket: "",
  prefix: "",
  region: "",
  endpoint: "",
  pathStyle: true,
  caBundle: "",
  storageAccount: "",
  container: "",
  resourceGroup: "",
  subscriptionId: "",
  blobEndpoint: "",
  useAAD: true,
  credentialId: "",
};

type CredentialChoice = { id: string; name: string; kind: CredentialKind; keyIdMasked: string; details: string };

/** The credentials a location of `provider` may use, as menu items (an empty list says what to create). */
export function credentialItems(credentials: CredentialChoice[], provider: LocationKind) {
  const usable = credentials.filter((c) => LOCATION_CREDENTIAL_KINDS[provider].includes(c.kind));
  return usable.map((c) => (
    <MenuItem key={c.id} value={c.id}>
      {c.name} ({[c.keyIdMasked, c.details].filter(Boolean).join(" · ")})
    </MenuItem>
  ));
}

/** What to say under the credential picker when none fits the provider. */
export const noCredentialHint = (provider: LocationKind) =>
  `No credential fits: create one of kind ${LOCATION_CREDENTIAL_KINDS[provider].map((k) => `"${CREDENTIAL_KIND_LABELS[k]}"`).join(" or ")} first`;

/** A new location, validated with the schema location.create validates with; the server then probes the bucket. */
export function CreateLocationDialog({
  credentials,
  onDone,
  onClose,
}: {
  credentials: CredentialChoice[];
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const form = useForm({ resolver: zodResolver(locationCreateInput, { error: formErrorMap }), defaultValues: blank });
  const provider = useWatch({ control: form.control, name: "provider" });
  const items = credentialItems(credentials, provider);
  const azure = provider === "AZURE_BLOB";
  const credentialId = useWatch({ control: form.control, name: "credentialId" });
  const useAAD = useWatch({ control: form.control, name: "useAAD" });
  const principal = credentials.find((c) => c.id === credentialId)?.kind === "AZURE_SERVICE_PRINCIPAL";
  const create = useMutation(
    trpc.location.create.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const { control } = form;
  return (
    <FormDialog
      open
      title="Create a target location"
      submitLabel={create.isPending ? `Checking the ${azure ? "container" : "bucket"}…` : "Check and create"}
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
      <FormTextField
        control={control}
        name="provider"
        select
        label="Provider"
        afterChange={(p) => {
          form.setValue("pathStyle", p === "S3_COMPATIBLE");
          form.setValue("credentialId", "");
        }}
      >
        <MenuItem value="AWS_S3">AWS S3</MenuItem>
        <MenuItem value="S3_COMPATIBLE">S3-compatible (MinIO, Ceph, …)</MenuItem>
        <MenuItem value="AZURE_BLOB">Azure Blob Storage</MenuItem>
      </FormTextField>
      {azure ? (
        <AzureFields control={control} listKeys={principal && useAAD === false} />
      ) : (
        <S3Fields control={control} provider={provider} />
      )}
      <FormTextField
        control={control}
        name="credentialId"
        select
        label="Credential"
        required
        helperText={items.length ? " " : noCredentialHint(provider)}
      >
        {items}
      </FormTextField>
      {azure && principal && <AzureAuthField control={control} name="useAAD" />}
      {!azure && (
        <FormTextField control={control} name="caBundle" label="CA bundle (optional, PEM)" multiline minRows={2} />
      )}
    </FormDialog>
  );
}

type CreateControl = ReturnType<typeof useForm<z.input<typeof locationCreateInput>>>["control"];

function S3Fields({ control, provider }: { control: CreateControl; provider: LocationKind }) {
  return (
    <>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField control={control} name="bucket" label="Bucket" required sx={{ flex: 1 }} />
        <FormTextField
          control={control}
          name="prefix"
          label="Prefix"
          sx={{ flex: 1 }}
          helperText="A folder only Velero uses"
        />
      </Stack>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField
          control={control}
          name="region"
          label="Region"
          sx={{ flex: 1 }}
          required={provider === "AWS_S3"}
        />
        <FormTextField
          control={control}
          name="endpoint"
          label="Endpoint URL"
          sx={{ flex: 2 }}
          required={provider === "S3_COMPATIBLE"}
          placeholder="https://minio.example.com"
        />
      </Stack>
      <FormSwitch control={control} name="pathStyle" label="Path-style addressing (bucket in the path)" />
    </>
  );
}

/** The storage account's resource group and subscription: required when Velero reads the keys through ARM. */
export function AzureGroupFields<T extends FieldValues, O>({
  control,
  listKeys,
}: {
  control: Control<T, unknown, O>;
  listKeys: boolean;
}) {
  const help = listKeys ? "Where Velero reads the account keys (ListKeys)" : "Optional";
  return (
    <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
      <FormTextField
        control={control}
        name={"resourceGroup" as Path<T>}
        label={listKeys ? "Resource group" : "Resource group (optional)"}
        required={listKeys}
        helperText={help}
        sx={{ flex: 1 }}
      />
      <FormTextField
        control={control}
        name={"subscriptionId" as Path<T>}
        label={listKeys ? "Subscription id" : "Subscription id (optional)"}
        required={listKeys}
        helperText={help}
        sx={{ flex: 1 }}
      />
    </Stack>
  );
}

function AzureFields({ control, listKeys }: { control: CreateControl; listKeys: boolean }) {
  return (
    <>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField control={control} name="storageAccount" label="Storage account" required sx={{ flex: 1 }} />
        <FormTextField control={control} name="container" label="Container" required sx={{ flex: 1 }} />
      </Stack>
      <FormTextField control={control} name="prefix" label="Prefix" helperText="A folder only Velero uses" />
      <AzureGroupFields control={control} listKeys={listKeys} />
      <FormTextField
        control={control}
        name="blobEndpoint"
        label="Blob endpoint (optional)"
        placeholder="https://<account>.blob.core.windows.net"
        helperText="Empty: the credential's endpoint, else its cloud's own"
      />
    </>
  );
}

/** location.assign's choice as the form holds it: "clusterGroup:<id>" or "cluster:<id>", and read-only or not. */
const assignForm = locationAssignInput
  .pick({ readOnly: true })
  .extend({ target: z.string().regex(/^(clusterGroup|cluster):.+$/, "Choose a cluster group or cluster") });

/** Assigns a location to a cluster group or a cluster the user administers. */
export function AssignLocationDialog({
  location,
  targets,
  onDone,
  onClose,
}: {
  location: { id: string; name: string };
  targets: { value: string; label: string }[];
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const form = useForm({
    resolver: zodResolver(assignForm),
    defaultValues: { target: targets[0]?.value ?? "", readOnly: false },
  });
  const assign = useMutation(
    trpc.location.assign.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const submit = submitWith(
    form,
    (v) => {
      const [kind, id] = v.target.split(":") as ["clusterGroup" | "cluster", string];
      return assign.mutateAsync({ locationId: location.id, target: { kind, id }, readOnly: v.readOnly });
    },
    (path) => (path[0] === "target" ? "target" : path[0] === "readOnly" ? "readOnly" : null),
  );
  return (
    <FormDialog
      open
      title={`Assign ${location.name}`}
      submitLabel={assign.isPending ? "Applying to clusters…" : "Assign"}
      busy={assign.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submit}
    >
      <FormTextField control={form.control} name="target" select label="Cluster group or cluster">
        {targets.map((t) => (
          <MenuItem key={t.value} value={t.value}>
            {t.label}
          </MenuItem>
        ))}
      </FormTextField>
      <FormSwitch
        control={form.control}
        name="readOnly"
        label="Read-only: these clusters restore from the location but never write or delete backups there"
      />
    </FormDialog>
  );
}
