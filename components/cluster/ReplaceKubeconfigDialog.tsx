"use client";
import type { ChangeEvent } from "react";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { clusterReplaceKubeconfigInput, mentionsInsecureTls } from "@/lib/schemas/cluster";
import { formErrorMap } from "@/lib/forms/server-errors";
import { ErrorAlert } from "../common/ErrorAlert";
import { ConnectionCheck } from "./ConnectionCheck";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 };
const fieldOf = (path: readonly string[]) => (["kubeconfig", "context"].includes(path[0]) ? path[0] : null);

/**
 * Replace an attached cluster's kubeconfig (a rotated token, a new CA, a moved API server): checked live first, as
 * attaching is; a server other than the stored one, or one that is not verified, needs its own confirmation.
 */
export function ReplaceKubeconfigDialog({
  cluster,
  onClose,
}: {
  cluster: { id: string; name: string; server: string };
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(clusterReplaceKubeconfigInput, { error: formErrorMap }),
    defaultValues: {
      id: cluster.id,
      kubeconfig: "",
      context: undefined as string | undefined,
      allowInsecureTls: false,
      confirmServerChange: false,
    },
  });
  const { control } = form;
  const [kubeconfig, context, allowInsecureTls, confirmServerChange] = useWatch({
    control,
    name: ["kubeconfig", "context", "allowInsecureTls", "confirmServerChange"],
  });
  const preview = useMutation(
    trpc.cluster.replaceKubeconfigPreview.mutationOptions({
      onSuccess: (p) => form.setValue("context", p.context.name),
    }),
  );
  const replace = useMutation(
    trpc.cluster.replaceKubeconfig.mutationOptions({
      onSuccess: async (c) => {
        qc.setQueryData(trpc.cluster.get.queryKey({ id: c.id }), c);
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        onClose();
      },
    }),
  );
  /** A changed kubeconfig or confirmation needs a new check before saving. */
  const changed = () => {
    preview.reset();
    form.clearErrors("root");
  };

  async function check(ctx = context) {
    if (!(await form.trigger(["kubeconfig"]))) return;
    const v = form.getValues();
    preview.mutate({ ...v, context: ctx });
  }
  async function upload(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    if (f) {
      form.setValue("kubeconfig", await f.text(), { shouldValidate: true });
      changed();
    }
    e.target.value = "";
  }
  const checked = preview.data;
  const needsServerConfirmation = Boolean(checked?.serverChanged) && !confirmServerChange;
  return (
    <FormDialog
      open
      title={`Replace the kubeconfig of ${cluster.name}`}
      submitLabel={replace.isPending ? "Saving…" : "Save"}
      busy={!checked || needsServerConfirmation || preview.isPending || replace.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => replace.mutateAsync(v), fieldOf)}
    >
      <Typography variant="body2">
        A new kubeconfig for the same cluster ({cluster.server}): a rotated token, a new certificate authority, or an
        API server that moved. It is checked live before it replaces the stored one; until you save, nothing changes.
      </Typography>
      <FormTextField
        control={control}
        name="kubeconfig"
        label="New kubeconfig"
        placeholder="apiVersion: v1&#10;kind: Config&#10;…"
        afterChange={changed}
        multiline
        minRows={6}
        maxRows={14}
        slotProps={{ input: { sx: mono } }}
        helperText="Token or client-certificate users only; credential plugins and file references are refused. Stored sealed, never shown again."
      />
      {mentionsInsecureTls(kubeconfig) && (
        <Box>
          <FormControlLabel
            control={
              <Checkbox
                checked={allowInsecureTls}
                onChange={(e) => {
                  form.setValue("allowInsecureTls", e.target.checked);
                  changed();
                }}
                slotProps={{ input: { "aria-describedby": "replace-insecure-tls-risk" } }}
              />
            }
            label="Connect without verifying the server's certificate (insecure-skip-tls-verify)"
          />
          <FormHelperText id="replace-insecure-tls-risk">
            This kubeconfig turns off TLS verification: anyone on the network path could pose as the API server and read
            the cluster&apos;s token and the storage keys Lifeboat writes there. Prefer adding the server&apos;s
            certificate-authority-data. Check the box only if you accept that risk.
          </FormHelperText>
        </Box>
      )}
      <Box sx={{ display: "flex", gap: 1, alignItems: "center" }}>
        <Button component="label" variant="outlined">
          Upload file
          <input hidden type="file" accept=".yaml,.yml,.json,.conf,.config,text/*" onChange={upload} />
        </Button>
        <Button
          variant="contained"
          onClick={() => void check()}
          disabled={!kubeconfig.trim() || preview.isPending || replace.isPending}
        >
          {preview.isPending ? "Checking…" : "Check connection"}
        </Button>
      </Box>
      <ErrorAlert error={preview.error} />
      {checked && (
        <ConnectionCheck
          checked={checked}
          context={context}
          testId="replace-kubeconfig-preview"
          onContext={(name) => {
            form.setValue("context", name);
            void check(name);
          }}
        />
      )}
      {checked?.serverChanged && (
        <Alert severity="warning" data-testid="replace-kubeconfig-server-changed">
          <AlertTitle>Another API server</AlertTitle>
          This kubeconfig reaches {checked.context.server}, not {checked.storedServer}. Save it only if the API server
          of {cluster.name} moved there: Lifeboat would otherwise treat another cluster as this one. To protect another
          cluster, attach it instead.
          <FormControlLabel
            sx={{ display: "flex", mt: 1 }}
            control={
              <Checkbox
                checked={confirmServerChange}
                onChange={(e) => form.setValue("confirmServerChange", e.target.checked)}
              />
            }
            label={`It is the same cluster: its API server is now ${checked.context.server}`}
          />
        </Alert>
      )}
      {checked?.insecureTls && (
        <Alert severity="warning" data-testid="replace-kubeconfig-insecure">
          The connection to {checked.context.server} is not verified (insecure-skip-tls-verify). The cluster page will
          show this warning until its kubeconfig is replaced with a verified one.
        </Alert>
      )}
    </FormDialog>
  );
}
