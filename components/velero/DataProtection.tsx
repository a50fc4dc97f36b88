"use client";
import { useState } from "react";
import dynamic from "next/dynamic";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Step from "@mui/material/Step";
import StepLabel from "@mui/material/StepLabel";
import Stepper from "@mui/material/Stepper";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import {
  ACTIVE_PHASES,
  type VeleroOperationSummary,
  type VeleroSettings,
  type VeleroStatus,
} from "@/lib/schemas/velero";
import { useLiveInterval } from "../common/LiveUpdates";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";

const EnableVeleroDialog = dynamic(() => import("./EnableVeleroDialog").then((m) => m.EnableVeleroDialog), {
  ssr: false,
});
const ManifestReview = dynamic(() => import("./ManifestReview").then((m) => m.ManifestReview), { ssr: false });
const AccessLevelsDialog = dynamic(() => import("../cluster/AccessLevelsDialog").then((m) => m.AccessLevelsDialog), {
  ssr: false,
});

const STEPS: { name: string; label: string }[] = [
  { name: "render", label: "Run the installer" },
  { name: "review", label: "Review" },
  { name: "crds", label: "CRDs" },
  { name: "workloads", label: "Namespace, RBAC, workloads" },
  { name: "rollout", label: "Roll out" },
  { name: "verify", label: "Velero answers" },
];
const ACTIVE: readonly string[] = ACTIVE_PHASES;

const management = (s: VeleroStatus) =>
  ({
    OFF: { label: "Not protected", color: "default", text: "No Velero runs on this cluster." },
    ADOPTED: {
      label: `Velero ${s.version ?? ""} · installed by someone else`,
      color: "info",
      text: "Lifeboat drives this Velero as it is; its settings stay with whoever installed it.",
    },
    MANAGED: {
      label: `Protected · Velero ${s.version ?? ""}`,
      color: "success",
      text: "Lifeboat installed this Velero and keeps it.",
    },
    DISABLED: { label: "Disabled", color: "default", text: "Lifeboat removed Velero from this cluster." },
  })[s.management] as { label: string; color: "default" | "info" | "success"; text: string };

const ACCESS = {
  NONE: "none",
  OPERATE: "operate (drive a Velero someone else installed)",
  MANAGE: "manage Velero (install, upgrade and remove it)",
};

function settingsText(s: VeleroSettings): string {
  const fsb = s.fsBackup.enabled
    ? `file-system backup ${s.fsBackup.default === "optOut" ? "of every volume (opt-out)" : "of annotated volumes (opt-in)"}`
    : "no file-system backup";
  const csi = s.csi.enabled
    ? `CSI snapshots${s.csi.moveDataByDefault ? " with data movement" : ""}`
    : "no CSI snapshots";
  return `${fsb}; ${csi}; images from ${s.registry ?? "Docker Hub"}`;
}

/** Where an operation is, step by step, with its message and rollout progress. */
function OperationProgress({ op }: { op: VeleroOperationSummary }) {
  const done = new Set(op.steps.filter((s) => s.state === "done").map((s) => s.name));
  if (["APPLYING", "ROLLING_OUT", "VERIFYING", "SUCCEEDED"].includes(op.phase) || done.has("crds")) done.add("review");
  const failedStep = op.steps.find((s) => s.state === "failed")?.name;
  const active = STEPS.findIndex((s) => !done.has(s.name) && !(s.name === "workloads" && done.has("namespace-rbac")));
  const failed = op.phase === "FAILED";
  return (
    <Box data-testid="velero-operation" data-phase={op.phase}>
      <Stepper activeStep={active < 0 ? STEPS.length : active} alternativeLabel sx={{ mb: 1 }}>
        {STEPS.map((s) => (
          <Step key={s.name} completed={done.has(s.name) || (s.name === "workloads" && done.has("namespace-rbac"))}>
            <StepLabel error={failed && (failedStep === s.name || (!failedStep && STEPS[active]?.name === s.name))}>
              {s.label}
            </StepLabel>
          </Step>
        ))}
      </Stepper>
      {op.progress && op.progress.desired > 0 && (
        <LinearProgress
          variant="determinate"
          value={(100 * op.progress.ready) / op.progress.desired}
          aria-label={`${op.progress.ready} of ${op.progress.desired} pods ready`}
          sx={{ mb: 1 }}
        />
      )}
      {ACTIVE.includes(op.phase) && op.phase !== "REVIEW" && <LinearProgress aria-label="Working" sx={{ mb: 1 }} />}
    </Box>
  );
}

/** The cluster's Data protection section: who runs Velero here, Lifeboat's access, and enabling it. */
export function DataProtection({
  clusterId,
  clusterName,
  isAdmin,
}: {
  clusterId: string;
  clusterName: string;
  isAdmin: boolean;
}) {
  const trpc = useTRPC();
  const live = useLiveInterval(3_000);
  const q = useQuery({ ...trpc.velero.get.queryOptions({ clusterId }), refetchInterval: live });
  const [dialog, setDialog] = useState<"enable" | "review" | "access" | null>(null);
  const qc = useQueryClient();
  const cancel = useMutation(
    trpc.velero.cancel.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.velero.get.queryKey({ clusterId }) }),
    }),
  );
  if (q.error) return <ErrorAlert error={q.error} />;
  if (!q.data) return <LinearProgress aria-label="Loading data protection" />;
  const s = q.data;
  const m = management(s);
  const op = s.operation;
  const running = op && ACTIVE.includes(op.phase);
  const canEnable = isAdmin && !running && (s.management === "OFF" || s.management === "DISABLED");
  const manage = s.accessLevel === "MANAGE";
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="data-protection-title">
      <Stack direction="row" spacing={1} sx={{ mb: 1, alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography variant="h6" component="h2" id="data-protection-title">
          Data protection
        </Typography>
        <Chip label={m.label} color={m.color} size="small" data-testid="velero-management" />
        <Box sx={{ flex: 1 }} />
        {isAdmin && (
          <Button size="small" onClick={() => setDialog("access")}>
            Access levels
          </Button>
        )}
        {canEnable && (
          <Button variant="contained" size="small" disabled={!manage} onClick={() => setDialog("enable")}>
            Enable data protection
          </Button>
        )}
      </Stack>
      <ErrorAlert error={cancel.error} />
      <Typography variant="body2">{m.text}</Typography>
      <Typography variant="body2" color="text.secondary" data-testid="velero-access">
        Lifeboat&apos;s access here: {ACCESS[s.accessLevel]}.
      </Typography>
      {canEnable && !manage && (
        <Alert severity="info" sx={{ mt: 1 }} data-testid="velero-needs-manage">
          Installing Velero needs the &quot;manage Velero&quot; access level; Lifeboat has {s.accessLevel.toLowerCase()}{" "}
          access here. Apply the manage manifest (Access levels), then check the cluster again.
        </Alert>
      )}
      {s.management === "MANAGED" && s.appliedSettings && (
        <Typography variant="body2" sx={{ mt: 1 }} data-testid="velero-settings">
          Settings: {settingsText(s.appliedSettings)}.
        </Typography>
      )}
      {op && (running || op.phase === "FAILED") && (
        <Box sx={{ mt: 2 }}>
          <OperationProgress op={op} />
          <Alert
            severity={op.phase === "FAILED" ? "error" : op.phase === "REVIEW" ? "warning" : "info"}
            data-testid="velero-operation-message"
            action={
              op.phase === "REVIEW" ? (
                <Button color="inherit" size="small" onClick={() => setDialog("review")}>
                  {isAdmin ? "Review and apply" : "View"}
                </Button>
              ) : isAdmin && (op.phase === "PENDING" || op.phase === "RENDERING") ? (
                <Button
                  color="inherit"
                  size="small"
                  disabled={cancel.isPending}
                  onClick={() => cancel.mutate({ clusterId, operationId: op.id })}
                >
                  Cancel
                </Button>
              ) : undefined
            }
          >
            <span style={{ whiteSpace: "pre-wrap" }}>{op.message}</span>{" "}
            <Typography component="span" variant="caption">
              (started <RelativeTime date={op.createdAt} />)
            </Typography>
          </Alert>
        </Box>
      )}
      {dialog === "enable" && (
        <EnableVeleroDialog
          clusterId={clusterId}
          clusterName={clusterName}
          kubernetesVersion={s.kubernetesVersion}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "review" && op && (
        <ManifestReview clusterId={clusterId} operationId={op.id} canApply={isAdmin} onClose={() => setDialog(null)} />
      )}
      {dialog === "access" && <AccessLevelsDialog open onClose={() => setDialog(null)} current={s.accessLevel} />}
    </Paper>
  );
}
