"use client";
import { useCallback, useState, type ChangeEvent } from "react";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Checkbox from "@mui/material/Checkbox";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import Tab from "@mui/material/Tab";
import Tabs from "@mui/material/Tabs";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { clusterAttachInput, mentionsInsecureTls, parseLabelText, type OnboardingLevel } from "@/lib/schemas/cluster";
import { formErrorMap } from "@/lib/forms/server-errors";
import { ErrorAlert } from "../common/ErrorAlert";
import { ConnectionCheck } from "./ConnectionCheck";
import { FormTextField } from "../common/FormFields";
import { focusFirstField } from "../common/focus";
import { formError, submitWith } from "../common/form-submit";
import { OnboardingManifest } from "./OnboardingManifest";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 };
const suggestName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63) || "cluster";

/** cluster.attach's input, with the labels as the operator types them ("env=prod, team=payments"). */
const attachForm = clusterAttachInput
  .omit({ labels: true })
  .extend({ labelText: z.string() })
  .transform((v, ctx) => {
    const { labelText, ...rest } = v;
    const parsed = parseLabelText(labelText);
    if (parsed.error) ctx.addIssue({ code: "custom", path: ["labelText"], message: parsed.error });
    return { ...rest, labels: parsed.labels };
  });

/** Where cluster.attach's errors go: its labels are typed in "labelText". */
const attachFieldOf = (path: readonly string[]) =>
  path[0] === "labels"
    ? "labelText"
    : ["kubeconfig", "context", "name", "groupId", "description"].includes(path[0])
      ? path[0]
      : null;

/** Attach a cluster: a kubeconfig (pasted, uploaded, or from the onboarding manifest), checked live before saving. */
export function AttachClusterDialog({
  open,
  onClose,
  groups,
}: {
  open: boolean;
  onClose: () => void;
  groups: { id: string; name: string }[];
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [tab, setTab] = useState(0);
  const form = useForm({
    resolver: zodResolver(attachForm, { error: formErrorMap }),
    defaultValues: {
      kubeconfig: "",
      context: undefined as string | undefined,
      name: "",
      groupId: groups[0]?.id ?? "",
      allowInsecureTls: false,
      description: "",
      labelText: "",
    },
  });
  const { control } = form;
  const [kubeconfig, context, groupId, allowInsecureTls] = useWatch({
    control,
    name: ["kubeconfig", "context", "groupId", "allowInsecureTls"],
  });
  const groupName = groups.find((g) => g.id === groupId)?.name ?? "the group";
  const insecureAsked = mentionsInsecureTls(kubeconfig);
  const [level, setLevel] = useState<OnboardingLevel>("operate");
  const preview = useMutation(
    trpc.cluster.preview.mutationOptions({
      onSuccess: (p) => {
        form.setValue("context", p.context.name);
        if (!form.getValues("name")) form.setValue("name", suggestName(p.context.name));
      },
    }),
  );
  const attach = useMutation(
    trpc.cluster.attach.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.clusterGroup.list.queryKey() });
        onClose();
      },
    }),
  );
  const focusOnMount = useCallback((node: HTMLDivElement | null) => focusFirstField(node), []);

  /** Checks the connection with the kubeconfig (and context), for the group, as they are now. */
  async function check(ctx = context) {
    if (!(await form.trigger(["kubeconfig", "groupId"]))) return;
    const v = form.getValues();
    preview.mutate({
      kubeconfig: v.kubeconfig,
      context: ctx,
      groupId: v.groupId,
      allowInsecureTls: v.allowInsecureTls,
    });
  }
  async function upload(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    if (f) {
      form.setValue("kubeconfig", await f.text(), { shouldValidate: true });
      preview.reset();
    }
    e.target.value = "";
  }
  const checked = preview.data;
  const submit = submitWith(form, (v) => attach.mutateAsync(v), attachFieldOf);

  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="md" aria-labelledby="attach-title">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (checked && !attach.isPending) void submit();
        }}
      >
        <DialogTitle id="attach-title">Attach a cluster</DialogTitle>
        <DialogContent ref={focusOnMount}>
          <Tabs value={tab} onChange={(_, v) => setTab(v)} sx={{ mb: 2 }}>
            <Tab label="Kubeconfig" />
            <Tab label="Onboarding manifest" />
          </Tabs>
          {tab === 1 && (
            <Box sx={{ mb: 2 }}>
              <OnboardingManifest
                level={level}
                onLevel={setLevel}
                enabled={open}
                intro={
                  <>
                    Apply this manifest on the cluster: it creates a service account with exactly the access Lifeboat
                    needs at the level you choose. Then run the command and paste the kubeconfig it prints in the
                    Kubeconfig tab.
                  </>
                }
              />
            </Box>
          )}
          {tab === 0 && (
            <Stack spacing={2}>
              <FormTextField
                control={control}
                name="kubeconfig"
                label="Kubeconfig"
                placeholder="apiVersion: v1&#10;kind: Config&#10;…"
                afterChange={() => preview.reset()}
                multiline
                minRows={6}
                maxRows={14}
                slotProps={{ input: { sx: mono } }}
                helperText="Token or client-certificate users only; credential plugins and file references are refused. Stored sealed, never shown again."
              />
              <FormTextField
                control={control}
                name="groupId"
                select
                label="Cluster group"
                required
                afterChange={() => {
                  if (preview.data) void check();
                }}
                helperText={
                  groups.length
                    ? "Where you are cluster admin; the check shows which storage keys this group's locations put on the cluster"
                    : "You are cluster admin of no group"
                }
              >
                {groups.map((g) => (
                  <MenuItem key={g.id} value={g.id}>
                    {g.name}
                  </MenuItem>
                ))}
              </FormTextField>
              {insecureAsked && (
                <Box>
                  <FormControlLabel
                    control={
                      <Checkbox
                        checked={allowInsecureTls}
                        onChange={(e) => {
                          form.setValue("allowInsecureTls", e.target.checked);
                          preview.reset();
                        }}
                        slotProps={{ input: { "aria-describedby": "insecure-tls-risk" } }}
                      />
                    }
                    label="Connect without verifying the server's certificate (insecure-skip-tls-verify)"
                  />
                  <FormHelperText id="insecure-tls-risk">
                    This kubeconfig turns off TLS verification: anyone on the network path could pose as the API server
                    and read the cluster&apos;s token and the storage keys Lifeboat writes there. Prefer adding the
                    server&apos;s certificate-authority-data. Check the box only if you accept that risk.
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
                  disabled={!kubeconfig.trim() || preview.isPending}
                >
                  {preview.isPending ? "Checking…" : "Check connection"}
                </Button>
              </Box>
              <ErrorAlert error={preview.error} />
              {checked && (
                <ConnectionCheck
                  checked={checked}
                  context={context}
                  testId="attach-preview"
                  onContext={(name) => {
                    form.setValue("context", name);
                    void check(name);
                  }}
                />
              )}
              {checked?.insecureTls && (
                <Alert severity="warning" data-testid="attach-insecure">
                  The connection to {checked.context.server} is not verified (insecure-skip-tls-verify). The cluster
                  page will show this warning until it is attached with a verified kubeconfig.
                </Alert>
              )}
              {checked && (
                <Alert
                  severity={checked.keys.length ? "warning" : "info"}
                  data-testid="attach-keys"
                  aria-labelledby="attach-keys-title"
                >
                  <AlertTitle id="attach-keys-title">
                    {checked.keys.length
                      ? `Attaching to ${groupName} writes these storage keys to the cluster`
                      : `No target location is shared with ${groupName}: attaching writes no storage keys`}
                  </AlertTitle>
                  {checked.keys.length > 0 && (
                    <>
                      <Typography variant="body2">
                        Each becomes a Secret in Velero&apos;s namespace that the cluster&apos;s administrators can
                        read.
                      </Typography>
                      <ul style={{ margin: 0 }}>
                        {checked.keys.map((k) => (
                          <li key={k.location}>
                            <Typography variant="body2">
                              Location <strong>{k.location}</strong> ({k.provider}, bucket {k.bucket}
                              {k.prefix ? `/${k.prefix}` : ""}
                              {k.readOnly ? ", read-only" : ""}): keys of credential <strong>{k.credential}</strong>
                            </Typography>
                          </li>
                        ))}
                      </ul>
                    </>
                  )}
                </Alert>
              )}
              {checked && (
                <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
                  <FormTextField
                    control={control}
                    name="name"
                    label="Name"
                    required
                    helperText="How Lifeboat names this cluster"
                    sx={{ flex: 1 }}
                  />
                </Stack>
              )}
              {checked && (
                <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
                  <FormTextField control={control} name="description" label="Description" sx={{ flex: 1 }} />
                  <FormTextField
                    control={control}
                    name="labelText"
                    label="Labels"
                    placeholder="env=prod, region=eu"
                    helperText="key=value, comma-separated"
                    sx={{ flex: 1 }}
                  />
                </Stack>
              )}
              <ErrorAlert error={formError(form.formState.errors)} />
            </Stack>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={!checked || attach.isPending}>
            {attach.isPending ? "Attaching…" : "Attach cluster"}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
