"use client";
import { useMutation } from "@tanstack/react-query";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useTRPC } from "@/lib/trpc/client";
import { locationUpdateInput, type LocationConfig } from "@/lib/schemas/locations";
import { AzureGroupFields, credentialItems } from "./LocationDialogs";
import { AzureAuthField } from "./AzureAuthField";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

type CredentialChoice = Parameters<typeof credentialItems>[0][number];

/**
 * Changes where a location points and with which keys, validated with the schema location.update validates with. The
 * server probes the new settings before saving (a refusal changes nothing), then rolls them out to every assigned
 * cluster. Read-only is the location's own switch (ReadOnly on every assigned cluster; the assignments keep their modes
 * and writers for when it is turned off), sent only when changed here.
 */
export function EditLocationDialog({
  location,
  credentials,
  onDone,
  onClose,
}: {
  location: {
    id: string;
    name: string;
    settings: LocationConfig;
    credential: { id: string };
    /** ReadOnly on every assigned cluster, whatever its assignments say. */
    readOnly: boolean;
    deployments: unknown[];
    /** A managed location's stack: its bucket, region and Velero key are the stack's, so only the prefix changes. */
    managedStack?: { stackName: string } | null;
  };
  credentials: CredentialChoice[];
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const settings = location.settings;
  const azure = settings.provider === "AZURE_BLOB";
  // The store itself stays (another bucket is another location); everything else may change.
  const store = azure
    ? `Container ${settings.container} of storage account ${settings.storageAccount}`
    : `Bucket ${settings.bucket}`;
  const editable = azure
    ? {
        provider: settings.provider,
        prefix: settings.prefix,
        resourceGroup: settings.resourceGroup,
        subscriptionId: settings.subscriptionId,
        blobEndpoint: settings.blobEndpoint,
        useAAD: settings.useAAD,
      }
    : {
        provider: settings.provider,
        prefix: settings.prefix,
        region: settings.region,
        endpoint: settings.endpoint,
        pathStyle: settings.pathStyle,
        caBundle: settings.caBundle ?? "",
      };
  const allReadOnly = location.readOnly;
  const form = useForm({
    resolver: zodResolver(locationUpdateInput, { error: formErrorMap }),
    defaultValues: { id: location.id, credentialId: location.credential.id, ...editable, readOnly: allReadOnly },
  });
  const update = useMutation(
    trpc.location.update.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const { control } = form;
  const n = location.deployments.length;
  const credentialId = useWatch({ control, name: "credentialId" });
  const useAAD = useWatch({ control, name: "useAAD" });
  const principal = azure && credentials.find((c) => c.id === credentialId)?.kind === "AZURE_SERVICE_PRINCIPAL";
  return (
    <FormDialog
      open
      title={`Edit ${location.name}`}
      submitLabel={update.isPending ? `Checking the ${azure ? "container" : "bucket"}…` : "Check and save"}
      busy={update.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      // Compared with what the dialog opened with: react-hook-form tracks dirtyFields only for a form that reads them
      // while rendering, so they cannot say whether the switch moved.
      onSubmit={submitWith(form, ({ readOnly, ...v }) =>
        update.mutateAsync(readOnly !== allReadOnly ? { ...v, readOnly } : v),
      )}
    >
      <Typography variant="body2" color="text.secondary">
        {store}. The changed settings are tried first; if the store cannot be reached with them nothing changes. Then{" "}
        {n === 1 ? "the cluster holding" : `the ${n} clusters holding`} this location get the new BackupStorageLocation.
      </Typography>
      {location.managedStack ? (
        <>
          <Typography variant="body2" color="text.secondary" data-testid="managed-edit-note">
            The bucket, its region and Velero&apos;s key come from the stack {location.managedStack.stackName}; rotate
            the key from the location&apos;s card.
          </Typography>
          <FormTextField control={control} name="prefix" label="Prefix" />
        </>
      ) : azure ? (
        <>
          <FormTextField control={control} name="prefix" label="Prefix" />
          <AzureGroupFields control={control} listKeys={principal && useAAD === false} />
          <FormTextField control={control} name="blobEndpoint" label="Blob endpoint" />
        </>
      ) : (
        <>
          <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
            <FormTextField control={control} name="prefix" label="Prefix" sx={{ flex: 1 }} />
            <FormTextField control={control} name="region" label="Region" sx={{ flex: 1 }} />
          </Stack>
          <FormTextField
            control={control}
            name="endpoint"
            label="Endpoint URL"
            placeholder="https://minio.example.com"
          />
          <FormSwitch control={control} name="pathStyle" label="Path-style addressing (bucket in the path)" />
        </>
      )}
      {!location.managedStack && (
        <FormTextField control={control} name="credentialId" select label="Credential" required>
          {credentialItems(credentials, settings.provider)}
        </FormTextField>
      )}
      {principal && <AzureAuthField control={control} name="useAAD" />}
      {!azure && !location.managedStack && (
        <FormTextField control={control} name="caBundle" label="CA bundle (optional, PEM)" multiline minRows={2} />
      )}
      <FormSwitch
        control={control}
        name="readOnly"
        label="Read-only on every assigned cluster (no new backups)"
        helperText="The clusters chosen to write keep that choice: turned off again, they write as before."
      />
    </FormDialog>
  );
}
