"use client";
import { useMemo, useState, type ChangeEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import Tab from "@mui/material/Tab";
import Tabs from "@mui/material/Tabs";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { parseLabelText } from "@/lib/schemas/cluster";
import { ErrorAlert } from "../common/ErrorAlert";
import { VeleroSummary } from "./VeleroSummary";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 };
const suggestName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63) || "cluster";

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
  const [kubeconfig, setKubeconfig] = useState("");
  const [context, setContext] = useState<string | undefined>();
  const [name, setName] = useState("");
  const [groupId, setGroupId] = useState(groups[0]?.id ?? "");
  const [description, setDescription] = useState("");
  const [labelText, setLabelText] = useState("");
  const labels = useMemo(() => parseLabelText(labelText), [labelText]);
  const onboarding = useQuery({ ...trpc.cluster.onboarding.queryOptions(), enabled: open && tab === 1 });
  const preview = useMutation(
    trpc.cluster.preview.mutationOptions({
      onSuccess: (p) => {
        setContext(p.context.name);
        if (!name) setName(suggestName(p.context.name));
      },
    }),
  );
  const attach = useMutation(
    trpc.cluster.attach.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.clusterGroup.list.queryKey() });
        close();
      },
    }),
  );

  function close() {
    setKubeconfig("");
    setContext(undefined);
    setName("");
    setDescription("");
    setLabelText("");
    preview.reset();
    attach.reset();
    onClose();
  }
  async function upload(e: ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0];
    if (f) {
      setKubeconfig(await f.text());
      preview.reset();
    }
    e.target.value = "";
  }
  const checked = preview.data;
  const canAttach = Boolean(checked) && name && groupId && !labels.error && !attach.isPending;

  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="md" aria-labelledby="attach-title">
      <DialogTitle id="attach-title">Attach a cluster</DialogTitle>
      <DialogContent>
        <Tabs value={tab} onChange={(_, v) => setTab(v)} sx={{ mb: 2 }}>
          <Tab label="Kubeconfig" />
          <Tab label="Onboarding manifest" />
        </Tabs>
        {tab === 1 && (
          <Stack spacing={1.5} sx={{ mb: 2 }}>
            <Typography variant="body2">
              Apply this manifest on the cluster: it creates a service account with exactly the access Lifeboat needs.
              Then run the command and paste the kubeconfig it prints in the Kubeconfig tab.
            </Typography>
            <ErrorAlert error={onboarding.error} />
            <TextField
              label="Manifest"
              value={onboarding.data?.yaml ?? "Loading…"}
              multiline
              minRows={6}
              maxRows={14}
              slotProps={{ input: { readOnly: true, sx: mono } }}
            />
            <TextField
              label="Command that prints the kubeconfig"
              value={onboarding.data?.command ?? ""}
              multiline
              slotProps={{ input: { readOnly: true, sx: mono } }}
            />
          </Stack>
        )}
        {tab === 0 && (
          <Stack spacing={2}>
            <TextField
              label="Kubeconfig"
              placeholder="apiVersion: v1&#10;kind: Config&#10;…"
              value={kubeconfig}
              onChange={(e) => {
                setKubeconfig(e.target.value);
                preview.reset();
              }}
              multiline
              minRows={6}
              maxRows={14}
              slotProps={{ input: { sx: mono } }}
              helperText="Token or client-certificate users only; credential plugins and file references are refused. Stored sealed, never shown again."
            />
            <Box sx={{ display: "flex", gap: 1, alignItems: "center" }}>
              <Button component="label" variant="outlined">
                Upload file
                <input hidden type="file" accept=".yaml,.yml,.json,.conf,.config,text/*" onChange={upload} />
              </Button>
              <Button
                variant="contained"
                onClick={() => preview.mutate({ kubeconfig, context })}
                disabled={!kubeconfig.trim() || preview.isPending}
              >
                {preview.isPending ? "Checking…" : "Check connection"}
              </Button>
            </Box>
            <ErrorAlert error={preview.error} />
            {checked && (
              <Alert severity={checked.missingAccess.length ? "warning" : "success"} data-testid="attach-preview">
                <AlertTitle>
                  Connected to {checked.context.server} · Kubernetes {checked.kubernetesVersion}
                </AlertTitle>
                {checked.contexts.length > 1 && (
                  <TextField
                    select
                    size="small"
                    label="Context"
                    value={context ?? checked.context.name}
                    sx={{ my: 1, minWidth: 260 }}
                    onChange={(e) => {
                      setContext(e.target.value);
                      preview.mutate({ kubeconfig, context: e.target.value });
                    }}
                  >
                    {checked.contexts.map((c) => (
                      <MenuItem key={c.name} value={c.name}>
                        {c.name} ({c.server})
                      </MenuItem>
                    ))}
                  </TextField>
                )}
                <Box sx={{ my: 1 }}>
                  <VeleroSummary velero={checked.velero} />
                </Box>
                {checked.missingAccess.length > 0 && (
                  <>
                    <Typography variant="body2">Lifeboat may not do everything it needs here:</Typography>
                    <ul style={{ margin: 0 }}>
                      {checked.missingAccess.map((m) => (
                        <li key={m}>
                          <Typography variant="body2">{m}</Typography>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </Alert>
            )}
            {checked && (
              <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
                <TextField
                  label="Name"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  required
                  helperText="How Lifeboat names this cluster"
                  sx={{ flex: 1 }}
                />
                <TextField
                  select
                  label="Cluster group"
                  value={groupId}
                  onChange={(e) => setGroupId(e.target.value)}
                  required
                  sx={{ flex: 1 }}
                  helperText={groups.length ? "Where you are cluster admin" : "You are cluster admin of no group"}
                >
                  {groups.map((g) => (
                    <MenuItem key={g.id} value={g.id}>
                      {g.name}
                    </MenuItem>
                  ))}
                </TextField>
              </Stack>
            )}
            {checked && (
              <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
                <TextField
                  label="Description"
                  value={description}
                  onChange={(e) => setDescription(e.target.value)}
                  sx={{ flex: 1 }}
                />
                <TextField
                  label="Labels"
                  placeholder="env=prod, region=eu"
                  value={labelText}
                  onChange={(e) => setLabelText(e.target.value)}
                  error={Boolean(labels.error)}
                  helperText={labels.error ?? "key=value, comma-separated"}
                  sx={{ flex: 1 }}
                />
              </Stack>
            )}
            <ErrorAlert error={attach.error} />
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Cancel</Button>
        <Button
          variant="contained"
          disabled={!canAttach}
          onClick={() => attach.mutate({ kubeconfig, context, name, groupId, description, labels: labels.labels })}
        >
          {attach.isPending ? "Attaching…" : "Attach cluster"}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
