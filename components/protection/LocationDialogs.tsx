"use client";
import { useMutation } from "@tanstack/react-query";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import { useId } from "react";
import { Controller, useForm, useWatch, type Control, type FieldValues, type Path } from "react-hook-form";
import Checkbox from "@mui/material/Checkbox";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormGroup from "@mui/material/FormGroup";
import FormHelperText from "@mui/material/FormHelperText";
import FormLabel from "@mui/material/FormLabel";
import Typography from "@mui/material/Typography";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTRPC } from "@/lib/trpc/client";
import {
  CREDENTIAL_KIND_LABELS,
  LOCATION_CREDENTIAL_KINDS,
  locationAssignInput,
  locationCreateInput,
  locationWritersInput,
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

/** location.assign's choice as the form holds it: "clusterGroup:<id>" or "cluster:<id>", read-only, and writers. */
const assignForm = locationAssignInput
  .pick({ readOnly: true, writers: true })
  .extend({ target: z.string().regex(/^(clusterGroup|cluster):.+$/, "Choose a cluster group or cluster") });

/** A cluster group or cluster one may assign to; a group lists its clusters (the writers are chosen among them). */
export type AssignTarget = {
  value: string;
  label: string;
  /** A group's clusters (undefined for a cluster, null while they load). */
  clusters?: { id: string; name: string }[] | null;
};

const ONE_WRITER =
  "One writer per bucket and prefix: Velero on a cluster that writes deletes and garbage-collects the backups it " +
  "finds there, also another cluster's. The other clusters see every backup and restore from it (ReadOnly).";

/** Assigns a location to a cluster group or a cluster the user administers. */
export function AssignLocationDialog({
  location,
  targets,
  onDone,
  onClose,
}: {
  location: { id: string; name: string };
  targets: AssignTarget[];
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const form = useForm({
    resolver: zodResolver(assignForm),
    defaultValues: { target: targets[0]?.value ?? "", readOnly: false, writers: [] as string[] },
  });
  const assign = useMutation(
    trpc.location.assign.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const target = useWatch({ control: form.control, name: "target" });
  const chosen = targets.find((t) => t.value === target);
  const submit = submitWith(
    form,
    (v) => {
      const [kind, id] = v.target.split(":") as ["clusterGroup" | "cluster", string];
      // Only the chosen group's clusters (ticked ones of a group chosen before do not count).
      const writers = v.writers.filter((w) => chosen?.clusters?.some((c) => c.id === w));
      return assign.mutateAsync(
        kind === "clusterGroup"
          ? { locationId: location.id, target: { kind, id }, readOnly: true, writers }
          : { locationId: location.id, target: { kind, id }, readOnly: v.readOnly },
      );
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
      {chosen && chosen.clusters !== undefined ? (
        <Controller
          control={form.control}
          name="writers"
          render={({ field, fieldState }) => (
            <WriterChoice
              clusters={chosen.clusters ?? null}
              value={field.value ?? []}
              onChange={field.onChange}
              error={fieldState.error?.message}
            />
          )}
        />
      ) : (
        <FormSwitch
          control={form.control}
          name="readOnly"
          label="Read-only: this cluster restores from the location but never writes or deletes backups there"
          helperText={ONE_WRITER}
        />
      )}
    </FormDialog>
  );
}

/** Checkboxes: which clusters of a group write to the location; the others (and those added later) only read it. */
function WriterChoice({
  clusters,
  value,
  onChange,
  error,
}: {
  /** null while they load. */
  clusters: { id: string; name: string }[] | null;
  value: string[];
  onChange: (writers: string[]) => void;
  /** The field's error (a rule of the schema, or the server's word on it). */
  error?: string;
}) {
  const helpId = useId();
  return (
    <FormControl component="fieldset" aria-describedby={helpId} error={Boolean(error)}>
      <FormLabel component="legend">Clusters that write backups here</FormLabel>
      {clusters?.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          The group has no cluster yet.
        </Typography>
      )}
      {!clusters && (
        <Typography variant="body2" color="text.secondary" role="status">
          Loading the group&apos;s clusters…
        </Typography>
      )}
      <FormGroup>
        {clusters?.map((c) => (
          <FormControlLabel
            key={c.id}
            label={c.name}
            control={
              <Checkbox
                checked={value.includes(c.id)}
                onChange={(e) => onChange(e.target.checked ? [...value, c.id] : value.filter((x) => x !== c.id))}
              />
            }
          />
        ))}
      </FormGroup>
      <FormHelperText id={helpId} error={false}>
        The others, and clusters that join the group later, are read-only. {ONE_WRITER}
      </FormHelperText>
      {error && <FormHelperText role="alert">{error}</FormHelperText>}
    </FormControl>
  );
}

const writersForm = locationWritersInput;

/** Chooses which clusters of a group assignment's group write to the location. */
export function LocationWritersDialog({
  location,
  assignment,
  clusters,
  onDone,
  onClose,
}: {
  location: { name: string };
  assignment: { id: string; group: string; writers: string[] };
  /** The group's clusters; null while they load. */
  clusters: { id: string; name: string }[] | null;
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const form = useForm({
    resolver: zodResolver(writersForm),
    defaultValues: { id: assignment.id, writers: assignment.writers },
  });
  const save = useMutation(
    trpc.location.setWriters.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  return (
    <FormDialog
      open
      title={`Writers of ${location.name} in group ${assignment.group}`}
      submitLabel={save.isPending ? "Applying to clusters…" : "Save"}
      busy={save.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => save.mutateAsync(v))}
    >
      <Controller
        control={form.control}
        name="writers"
        render={({ field, fieldState }) => (
          <WriterChoice
            clusters={clusters}
            value={field.value}
            onChange={field.onChange}
            error={fieldState.error?.message}
          />
        )}
      />
    </FormDialog>
  );
}
