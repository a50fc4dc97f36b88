"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import Key from "@mui/icons-material/Key";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { PageHeader } from "../common/PageHeader";
import { DetailSkeleton } from "../common/LoadingSkeletons";
import { EmptyState } from "../common/EmptyState";
import { ErrorAlert } from "../common/ErrorAlert";
import { ConfirmDialog } from "../common/ConfirmDialog";
import { RelativeTime } from "../common/RelativeTime";
import { useMe } from "../common/useMe";
import Typography from "@mui/material/Typography";
import { CREDENTIAL_KIND_LABELS } from "@/lib/schemas/locations";
import dynamic from "next/dynamic";

// The forms (react-hook-form, zod, the dialog) load when one is opened, not with the list.
const CreateCredentialDialog = dynamic(() => import("./CreateCredentialDialog").then((m) => m.CreateCredentialDialog), {
  ssr: false,
});
const RotateCredentialDialog = dynamic(() => import("./RotateCredentialDialog").then((m) => m.RotateCredentialDialog), {
  ssr: false,
});

type Row = inferRouterOutputs<AppRouter>["credential"]["list"][number];

export function CredentialsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { can, isLoading } = useMe();
  const allowed = can("credential.list");
  const list = useQuery({ ...trpc.credential.list.queryOptions(), enabled: allowed });
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const [rotating, setRotating] = useState<Row | null>(null);
  // What the last check on save found (e.g. the account a key belongs to), said until dismissed.
  const [note, setNote] = useState<string | null>(null);
  const del = useMutation(
    trpc.credential.delete.mutationOptions({
      onSuccess: () => {
        setDeleting(null);
        refresh();
      },
    }),
  );

  const columns: Column<Row>[] = [
    { id: "name", header: "Name", sortValue: (c) => c.name, cell: (c) => c.name },
    { id: "kind", header: "Kind", hideBelow: "md", cell: (c) => CREDENTIAL_KIND_LABELS[c.kind] },
    {
      id: "key",
      header: "Key",
      cell: (c) => (
        <>
          <code>{c.keyIdMasked}</code>
          {c.details && (
            <Typography variant="caption" color="text.secondary" component="div">
              {c.details}
            </Typography>
          )}
        </>
      ),
    },
    {
      id: "used",
      header: "Used by",
      cell: (c) =>
        c.locations.length
          ? c.locations.map((l) => <Chip key={l.id} size="small" variant="outlined" label={l.name} sx={{ mr: 0.5 }} />)
          : "—",
    },
    {
      id: "created",
      header: "Created",
      hideBelow: "md",
      sortValue: (c) => c.createdAt,
      cell: (c) => <RelativeTime date={c.createdAt} />,
    },
    {
      id: "actions",
      header: "Actions",
      align: "right",
      cell: (c) => (
        <>
          {can("credential.rotate") &&
            (c.kind === "AWS_ACCOUNT_ROLE" ? (
              <Button size="small" onClick={() => setRotating(c)} aria-label={`Replace the external id of ${c.name}`}>
                Replace external id
              </Button>
            ) : c.kind === "AZURE_SERVICE_PRINCIPAL" ? (
              <Button size="small" onClick={() => setRotating(c)} aria-label={`Replace the client secret of ${c.name}`}>
                Replace client secret
              </Button>
            ) : (
              <Button size="small" onClick={() => setRotating(c)} aria-label={`Replace keys of ${c.name}`}>
                Replace keys
              </Button>
            ))}
          <Button
            size="small"
            color="error"
            onClick={() => {
              del.reset();
              setDeleting({ id: c.id, name: c.name });
            }}
          >
            Delete
          </Button>
        </>
      ),
    },
  ];

  if (isLoading) return <DetailSkeleton label="Loading credentials" />;
  if (!allowed) {
    return (
      <>
        <PageHeader title="Credentials" subtitle="Keys Lifeboat uses to reach object storage." />
        <EmptyState icon={<Key />} title="Managed by organization admins">
          Data-protection credentials are created and seen only by organization admins. Target locations you can use
          appear under Target locations.
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Credentials"
        subtitle={
          "Keys Lifeboat uses to reach object storage (AWS, S3-compatible and Azure) and the AWS account it provisions " +
          "in. Sealed at rest; after saving only a masked identifier is shown."
        }
        actions={
          <Button variant="contained" onClick={() => setCreating(true)}>
            Create credential
          </Button>
        }
      />
      {note && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setNote(null)} data-testid="credential-note">
          {note}
        </Alert>
      )}
      <ResourceTable
        label="Credentials"
        size="medium"
        columns={columns}
        rows={list.data}
        rowKey={(c) => c.id}
        rowTestId={(c) => `credential-row-${c.name}`}
        loading={list.isLoading}
        error={list.error}
        onRetry={() => void list.refetch()}
        defaultSort={{ column: "name", direction: "asc" }}
        empty={{
          icon: <Key />,
          title: "No data-protection credentials yet",
          message:
            "Create one with an access key that may read and write your backup bucket; target locations then use it.",
        }}
      />
      {creating && <CreateCredentialDialog onClose={() => setCreating(false)} onDone={setNote} />}
      {rotating && <RotateCredentialDialog credential={rotating} onClose={() => setRotating(null)} onDone={setNote} />}
      <ConfirmDialog
        open={Boolean(deleting)}
        title={`Delete credential ${deleting?.name ?? ""}?`}
        confirmLabel="Delete"
        destructive
        busy={del.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && del.mutate({ id: deleting.id })}
      >
        <ErrorAlert error={del.error} />A credential still used by a target location, or that an AWS role credential
        assumes its role with, cannot be deleted.
      </ConfirmDialog>
    </>
  );
}
