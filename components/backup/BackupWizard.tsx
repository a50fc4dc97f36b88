"use client";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import FormControlLabel from "@mui/material/FormControlLabel";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import Step from "@mui/material/Step";
import StepLabel from "@mui/material/StepLabel";
import Stepper from "@mui/material/Stepper";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { backupName } from "@/lib/velero/names";
import { PROTECTED_NAMESPACES } from "@/lib/schemas/protection";
import { ErrorAlert } from "../common/ErrorAlert";

const STEPS = ["Cluster", "Scope", "Volumes", "Location and retention", "Review"];
const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/** "app=web, tier=db" → matchLabels; refuses anything else with a clear message. */
function parseSelector(text: string): { matchLabels: Record<string, string> } | string {
  const matchLabels: Record<string, string> = {};
  for (const part of list(text)) {
    const m = /^([A-Za-z0-9./_-]+)\s*=\s*([A-Za-z0-9._-]*)$/.exec(part);
    if (!m) return `"${part}" is not key=value`;
    matchLabels[m[1]] = m[2];
  }
  return Object.keys(matchLabels).length ? { matchLabels } : "Enter at least one key=value label";
}

export function BackupWizard({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const clusters = useQuery(trpc.cluster.list.queryOptions());
  const locations = useQuery(trpc.location.list.queryOptions());
  const [step, setStep] = useState(0);
  const [clusterId, setClusterId] = useState("");
  const [scope, setScope] = useState<"cluster" | "namespaces" | "excludeNamespaces" | "labels">("namespaces");
  const [namespaces, setNamespaces] = useState("");
  const [selector, setSelector] = useState("");
  const [labelMode, setLabelMode] = useState<"include" | "exclude">("include");
  const [fsBackup, setFsBackup] = useState<"off" | "optIn" | "optOut">("optIn");
  const [csi, setCsi] = useState(true);
  const [move, setMove] = useState(false);
  const [location, setLocation] = useState("");
  const [ttl, setTtl] = useState({ value: 30, unit: "days" as "hours" | "days" });
  const eligible = (clusters.data ?? []).filter((c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed);
  const cluster = eligible.find((c) => c.id === clusterId);
  const name = useMemo(() => (cluster ? backupName({ cluster: cluster.name, now: new Date() }) : ""), [cluster]);
  const bsls = (locations.data ?? []).flatMap((l) => l.deployments.filter((d) => d.clusterId === clusterId && !d.error && !d.readOnly).map((d) => ({ bsl: d.bslName, label: `${l.name} (${d.phase ?? "applied"})` })));
  const nodeAgent = Boolean(cluster?.velero?.nodeAgent);
  const csiOk = Boolean(cluster?.velero?.csi.enabled && cluster.velero.csi.snapshotClasses.length);

  const sel = parseSelector(selector);
  const scopeValue =
    scope === "cluster" ? { kind: "cluster" as const }
    : scope === "namespaces" ? { kind: "namespaces" as const, include: list(namespaces) }
    : scope === "excludeNamespaces" ? { kind: "excludeNamespaces" as const, exclude: list(namespaces) }
    : { kind: "labels" as const, selectors: typeof sel === "string" ? [] : [sel], mode: labelMode };
  const spec = { scope: scopeValue, volumes: { fsBackup: nodeAgent ? fsBackup : "off", csiSnapshots: csiOk && csi, dataMovement: csiOk && nodeAgent && csi && move }, location, ttl };
  const preview = useMutation(trpc.backup.preview.mutationOptions());
  const create = useMutation(trpc.backup.create.mutationOptions({ onSuccess: async () => { await qc.invalidateQueries({ queryKey: trpc.backup.list.queryKey() }); close(); } }));

  function close() {
    setStep(0); preview.reset(); create.reset();
    onClose();
  }
  const stepError =
    step === 0 && !cluster ? "Choose a cluster"
    : step === 1 && (scope === "namespaces" || scope === "excludeNamespaces") && !list(namespaces).length ? "Enter at least one namespace"
    : step === 1 && scope === "labels" && typeof sel === "string" ? sel
    : step === 3 && !location ? "Choose a target location"
    : null;
  function next() {
    if (step === 3) preview.mutate({ clusterId, name, spec });
    setStep(step + 1);
  }

  return (
    <Dialog open={open} onClose={close} fullWidth maxWidth="md" aria-labelledby="backup-title">
      <DialogTitle id="backup-title">Back up now</DialogTitle>
      <DialogContent>
        <Stepper activeStep={step} alternativeLabel sx={{ mb: 3 }}>{STEPS.map((s) => <Step key={s}><StepLabel>{s}</StepLabel></Step>)}</Stepper>
        {step === 0 && (
          <TextField select fullWidth label="Cluster" value={clusterId} onChange={(e) => { setClusterId(e.target.value); setLocation(""); }} autoFocus
            helperText={eligible.length ? "Clusters with Velero where you are operator or cluster admin" : "No cluster with Velero where you may back up"}>
            {eligible.map((c) => <MenuItem key={c.id} value={c.id}>{c.name} ({c.groupName})</MenuItem>)}
          </TextField>
        )}
        {step === 1 && (
          <Stack spacing={2}>
            <RadioGroup value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} aria-label="Scope">
              <FormControlLabel value="cluster" control={<Radio />} label="The whole cluster" />
              <FormControlLabel value="namespaces" control={<Radio />} label="Selected namespaces" />
              <FormControlLabel value="excludeNamespaces" control={<Radio />} label="All namespaces except some (globs allowed)" />
              <FormControlLabel value="labels" control={<Radio />} label="Resources selected by labels" />
            </RadioGroup>
            {(scope === "namespaces" || scope === "excludeNamespaces") && <TextField label={scope === "namespaces" ? "Namespaces" : "Excluded namespaces"} value={namespaces} onChange={(e) => setNamespaces(e.target.value)} helperText="Comma-separated; globs like team-* are allowed" />}
            {scope === "labels" && (
              <Stack direction="row" spacing={2}>
                <TextField label="Label selector" value={selector} onChange={(e) => setSelector(e.target.value)} placeholder="app=payments-api" sx={{ flex: 2 }} helperText="key=value, comma-separated: all must match" />
                <TextField select label="Mode" value={labelMode} onChange={(e) => setLabelMode(e.target.value as typeof labelMode)} sx={{ flex: 1 }}>
                  <MenuItem value="include">Back up matching</MenuItem>
                  <MenuItem value="exclude">Back up all but matching</MenuItem>
                </TextField>
              </Stack>
            )}
            <Alert severity="info">{PROTECTED_NAMESPACES.join(", ")} are never backed up, whatever the scope.</Alert>
          </Stack>
        )}
        {step === 2 && (
          <Stack spacing={2}>
            <TextField select label="File-system backup (kopia)" value={nodeAgent ? fsBackup : "off"} onChange={(e) => setFsBackup(e.target.value as typeof fsBackup)} disabled={!nodeAgent}
              helperText={nodeAgent ? "Copies pod volumes from the node; opt-in uses the backup.velero.io/backup-volumes annotation, opt-out backs up every volume not excluded" : "Not available: no node-agent on this cluster"}>
              <MenuItem value="off">Off</MenuItem><MenuItem value="optIn">Opt-in (annotated volumes)</MenuItem><MenuItem value="optOut">Opt-out (all volumes but excluded ones)</MenuItem>
            </TextField>
            <FormControlLabel control={<Switch checked={csiOk && csi} onChange={(e) => setCsi(e.target.checked)} disabled={!csiOk} />} label={csiOk ? "CSI snapshots of persistent volumes" : "CSI snapshots — not available: EnableCSI is off or no VolumeSnapshotClass"} />
            <FormControlLabel control={<Switch checked={csiOk && nodeAgent && csi && move} onChange={(e) => setMove(e.target.checked)} disabled={!csiOk || !nodeAgent || !csi} />} label={csiOk && nodeAgent ? "Move snapshot data to the location (portable to other clusters)" : "Data movement — not available: needs CSI snapshots and the node-agent"} />
          </Stack>
        )}
        {step === 3 && (
          <Stack spacing={2}>
            <TextField select label="Target location" value={location} onChange={(e) => setLocation(e.target.value)} helperText={bsls.length ? " " : "No writable target location is assigned to this cluster"}>
              {bsls.map((b) => <MenuItem key={b.bsl} value={b.bsl}>{b.label}</MenuItem>)}
            </TextField>
            <Stack direction="row" spacing={2}>
              <TextField type="number" label="Keep for" value={ttl.value} onChange={(e) => setTtl({ ...ttl, value: Number(e.target.value) })} slotProps={{ htmlInput: { min: 1 } }} />
              <TextField select label="Unit" value={ttl.unit} onChange={(e) => setTtl({ ...ttl, unit: e.target.value as typeof ttl.unit })}><MenuItem value="hours">hours</MenuItem><MenuItem value="days">days</MenuItem></TextField>
            </Stack>
          </Stack>
        )}
        {step === 4 && (
          <Stack spacing={1}>
            <Typography variant="body2">Lifeboat will create this Velero Backup on {cluster?.name}:</Typography>
            <ErrorAlert error={preview.error} />
            <TextField label="Backup manifest" value={preview.data?.yaml ?? (preview.isPending ? "Building…" : "")} multiline minRows={10} maxRows={20} slotProps={{ input: { readOnly: true, sx: { fontFamily: "monospace", fontSize: 13 } } }} />
            <ErrorAlert error={create.error} />
          </Stack>
        )}
        {stepError && step < 4 && <Typography variant="caption" color="text.secondary" sx={{ display: "block", mt: 1 }}>{stepError}</Typography>}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Cancel</Button>
        {step > 0 && <Button onClick={() => setStep(step - 1)}>Back</Button>}
        {step < 4 && <Button variant="contained" onClick={next} disabled={Boolean(stepError)}>Next</Button>}
        {step === 4 && <Button variant="contained" disabled={!preview.data || create.isPending} onClick={() => create.mutate({ clusterId, name, spec })}>{create.isPending ? "Creating…" : "Create backup"}</Button>}
      </DialogActions>
    </Dialog>
  );
}
