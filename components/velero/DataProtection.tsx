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
import Typography from "@mui/material/Typography";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTRPC } from "@/lib/trpc/client";
import { ACTIVE_PHASES, type VeleroStatus } from "@/lib/schemas/velero";
import { compatibility, newerReleases, VELERO_RELEASES } from "@/lib/velero/versions";
import { useLiveInterval } from "../common/LiveUpdates";
import { ErrorAlert } from "../common/ErrorAlert";
import { RelativeTime } from "../common/RelativeTime";
import { OperationProgress } from "./OperationProgress";
import { operationTitle } from "./operation-steps";
import { settingsText } from "./settings-view";
import { VeleroDrift } from "./VeleroDrift";
import { VeleroSettingsList } from "./VeleroSettingsList";

const EnableVeleroDialog = dynamic(() => import("./EnableVeleroDialog").then((m) => m.EnableVeleroDialog), {
  ssr: false,
});
const DisableVeleroDialog = dynamic(() => import("./DisableVeleroDialog").then((m) => m.DisableVeleroDialog), {
  ssr: false,
});
const ManifestReview = dynamic(() => import("./ManifestReview").then((m) => m.ManifestReview), { ssr: false });
const AccessLevelsDialog = dynamic(() => import("../cluster/AccessLevelsDialog").then((m) => m.AccessLevelsDialog), {
  ssr: false,
});

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
    DISABLED: {
      label: "Data protection off",
      color: "default",
      text: "Data protection is off: Lifeboat removed Velero from this cluster.",
    },
  })[s.management] as { label: string; color: "default" | "info" | "success"; text: string };

const ACCESS = {
  NONE: "none",
  OPERATE: "operate (drive a Velero someone else installed)",
  MANAGE: "manage Velero (install, upgrade and remove it)",
};

type Dialog =
  | { kind: "enable" }
  | { kind: "change"; upgradeTo?: string }
  | { kind: "takeOver" }
  | { kind: "disable" }
  | { kind: "review" }
  | { kind: "access" };

/**
 * The cluster's Data protection section: who runs Velero here and Lifeboat's access; enabling it; for a Velero
 * Lifeboat manages, its settings, changing or upgrading them, drift and turning it off; taking over one someone else
 * installed; and the operation under way, step by step.
 */
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
  const [dialog, setDialog] = useState<Dialog | null>(null);
  // The fleet's versions page links here with ?velero=upgrade: the upgrade dialog opens once the section knows it may.
  const upgradeAsked = useSearchParams().get("velero") === "upgrade";
  const router = useRouter();
  const pathname = usePathname();
  const [askDone, setAskDone] = useState(false);
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
  const running = Boolean(op && ACTIVE.includes(op.phase));
  const manage = s.accessLevel === "MANAGE";
  // Under a group's policy, the group decides: Velero is installed, changed and upgraded from there.
  const free = !running && s.groupPolicy === null;
  const canEnable = isAdmin && free && (s.management === "OFF" || s.management === "DISABLED");
  const applied = s.management === "MANAGED" ? s.appliedSettings : null;
  const canChange = isAdmin && free && applied !== null;
  const canTakeOver = isAdmin && free && s.management === "ADOPTED" && s.detectedSettings !== null;
  // The newest release that goes with the cluster's Kubernetes (not one Velero's matrix calls unsupported).
  const upgrade = applied
    ? newerReleases(applied.version).find(
        (r) => !s.kubernetesVersion || compatibility(s.kubernetesVersion, r.version).level !== "unsupported",
      )
    : undefined;
  const shown: Dialog | null =
    dialog ??
    (upgradeAsked && !askDone && canChange && manage && upgrade
      ? { kind: "change", upgradeTo: upgrade.version }
      : null);
  const close = () => {
    setDialog(null);
    // Asked once: a reload does not open the upgrade again.
    if (upgradeAsked && !askDone) router.replace(pathname, { scroll: false });
    setAskDone(true);
  };
  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="data-protection-title">
      <Stack direction="row" spacing={1} sx={{ mb: 1, alignItems: "center", flexWrap: "wrap" }} useFlexGap>
        <Typography variant="h6" component="h2" id="data-protection-title">
          Data protection
        </Typography>
        <Chip label={m.label} color={m.color} size="small" data-testid="velero-management" />
        <Box sx={{ flex: 1 }} />
        {isAdmin && (
          <Button size="small" onClick={() => setDialog({ kind: "access" })}>
            Access levels
          </Button>
        )}
        {canEnable && (
          <Button variant="contained" size="small" disabled={!manage} onClick={() => setDialog({ kind: "enable" })}>
            Enable data protection
          </Button>
        )}
      </Stack>
      <ErrorAlert error={cancel.error} />
      <Typography variant="body2">{m.text}</Typography>
      <Typography variant="body2" color="text.secondary" data-testid="velero-access">
        Lifeboat&apos;s access here: {ACCESS[s.accessLevel]}.
      </Typography>
      {s.groupPolicy !== null && (
        <Alert severity="info" sx={{ mt: 1 }} data-testid="velero-group-policy">
          Velero here follows the data protection policy of the cluster group {s.groupPolicy}: its settings, upgrades
          and removal are changed on the group.
        </Alert>
      )}
      {(canEnable || canChange || canTakeOver) && !manage && (
        <Alert severity="info" sx={{ mt: 1 }} data-testid="velero-needs-manage">
          {canEnable ? "Installing" : canTakeOver ? "Taking over" : "Changing, upgrading or removing"} Velero needs the
          &quot;manage Velero&quot; access level; Lifeboat has {s.accessLevel.toLowerCase()} access here. Apply the
          manage manifest (Access levels), then check the cluster again.
        </Alert>
      )}

      {applied && (
        <Box sx={{ mt: 1 }}>
          <Typography variant="body2" data-testid="velero-settings">
            Settings: {settingsText(applied)}.
          </Typography>
          <VeleroSettingsList settings={applied} />
          {canChange && (
            <Stack direction="row" spacing={1} sx={{ mt: 1.5, alignItems: "center", flexWrap: "wrap" }} useFlexGap>
              <Button size="small" variant="outlined" disabled={!manage} onClick={() => setDialog({ kind: "change" })}>
                Change settings
              </Button>
              {upgrade && (
                <>
                  <Typography variant="body2" color="text.secondary" data-testid="velero-upgrade-available">
                    Velero {upgrade.version} is available.
                  </Typography>
                  <Button
                    size="small"
                    variant="contained"
                    disabled={!manage}
                    onClick={() => setDialog({ kind: "change", upgradeTo: upgrade.version })}
                  >
                    Upgrade
                  </Button>
                </>
              )}
              <Box sx={{ flex: 1 }} />
              <Button
                size="small"
                color="error"
                variant="outlined"
                disabled={!manage}
                onClick={() => setDialog({ kind: "disable" })}
              >
                Disable data protection
              </Button>
            </Stack>
          )}
          {canChange && <VeleroDrift clusterId={clusterId} canRepair={manage} />}
        </Box>
      )}

      {s.management === "ADOPTED" &&
        isAdmin &&
        !running &&
        (s.detectedSettings ? (
          <Alert
            severity="info"
            sx={{ mt: 1 }}
            data-testid="velero-take-over"
            action={
              <Button color="inherit" size="small" disabled={!manage} onClick={() => setDialog({ kind: "takeOver" })}>
                Take over
              </Button>
            }
          >
            To let Lifeboat manage this Velero (its settings, upgrades, drift and removal), take it over: Lifeboat
            renders Velero&apos;s objects with its own settings and, once you have reviewed the differences with what
            runs, re-applies them.
          </Alert>
        ) : (
          <Alert severity="info" sx={{ mt: 1 }} data-testid="velero-take-over-unavailable">
            Lifeboat cannot take over Velero {s.version ?? "of an unknown version"}: it installs{" "}
            {VELERO_RELEASES.map((r) => r.version).join(" and ")}, and takes over only those or older versions it can
            upgrade. It keeps driving this Velero as it is.
          </Alert>
        ))}

      {op && (running || op.phase === "FAILED") && (
        <Box sx={{ mt: 2 }}>
          <OperationProgress op={op} asked={op.disable ?? undefined} />
          <Alert
            severity={op.phase === "FAILED" ? "error" : op.phase === "REVIEW" ? "warning" : "info"}
            data-testid="velero-operation-message"
            action={
              op.phase === "REVIEW" ? (
                <Button color="inherit" size="small" onClick={() => setDialog({ kind: "review" })}>
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
      {op && (op.phase === "SUCCEEDED" || op.phase === "CANCELLED") && (
        <Typography
          variant="body2"
          color="text.secondary"
          sx={{ mt: 1 }}
          data-testid="velero-last-operation"
          data-phase={op.phase}
        >
          Last operation: {operationTitle(op)}
          {op.phase === "CANCELLED" ? ", cancelled" : ""}
          {op.message && op.message !== "Cancelled" ? `: ${op.message}` : ""} (
          <RelativeTime date={op.finishedAt ?? op.createdAt} />
          ).
        </Typography>
      )}

      {shown?.kind === "enable" && (
        <EnableVeleroDialog
          clusterId={clusterId}
          clusterName={clusterName}
          kubernetesVersion={s.kubernetesVersion}
          // Enabled again after it was turned off: from the settings it last ran with.
          initial={s.management === "DISABLED" ? s.appliedSettings : null}
          onClose={close}
        />
      )}
      {shown?.kind === "change" && applied && (
        <EnableVeleroDialog
          mode="change"
          clusterId={clusterId}
          clusterName={clusterName}
          kubernetesVersion={s.kubernetesVersion}
          initial={applied}
          runningVersion={applied.version}
          upgradeTo={shown.upgradeTo}
          busy={s.busy}
          onClose={close}
        />
      )}
      {shown?.kind === "takeOver" && s.detectedSettings && (
        <EnableVeleroDialog
          mode="takeOver"
          clusterId={clusterId}
          clusterName={clusterName}
          kubernetesVersion={s.kubernetesVersion}
          initial={s.detectedSettings}
          runningVersion={s.version}
          busy={s.busy}
          onClose={close}
        />
      )}
      {shown?.kind === "disable" && (
        <DisableVeleroDialog clusterId={clusterId} clusterName={clusterName} busy={s.busy} onClose={close} />
      )}
      {shown?.kind === "review" && op && (
        <ManifestReview clusterId={clusterId} operationId={op.id} canApply={isAdmin} onClose={close} />
      )}
      {shown?.kind === "access" && <AccessLevelsDialog open onClose={close} current={s.accessLevel} />}
    </Paper>
  );
}
