"use client";
import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import MenuItem from "@mui/material/MenuItem";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { restoreFormDefaults, toRestoreInput } from "@/lib/forms/restore-form";
import { FormDialog } from "../common/FormDialog";
import { PreflightPanel } from "./PreflightPanel";
import { ShareLocationOffer } from "./ShareLocationOffer";

// #14 §1 "on demand from a backup's page": check a restore of the whole backup into a chosen cluster before opening
// the wizard (whose review step checks again with the options chosen there).
export function RestoreCheckDialog({
  open,
  onClose,
  source,
}: {
  open: boolean;
  onClose: () => void;
  source: { clusterId: string; backupName: string };
}) {
  const trpc = useTRPC();
  const clusters = useQuery({ ...trpc.cluster.list.queryOptions(), enabled: open });
  const eligible = (clusters.data ?? []).filter(
    (c) => (c.myRole === "OPERATOR" || c.myRole === "CLUSTER_ADMIN") && c.velero?.installed,
  );
  const [picked, setTarget] = useState(source.clusterId);
  // The backup's own cluster when the user may restore there, else the first cluster they may restore into.
  const target = eligible.some((c) => c.id === picked) ? picked : (eligible[0]?.id ?? picked);
  const check = useMutation(trpc.restore.preflight.mutationOptions());
  const run = () =>
    check.mutateAsync({
      clusterId: target,
      backupName: source.backupName,
      sourceClusterId: source.clusterId,
      spec: toRestoreInput(restoreFormDefaults({ clusterId: target, backupName: source.backupName })),
    });
  const seen = check.data && !check.data.findings.some((f) => f.id === "backup-not-seen");
  return (
    <FormDialog
      open={open}
      title={`Check a restore of ${source.backupName}`}
      submitLabel={check.data ? "Check again" : "Check"}
      busy={check.isPending}
      error={check.error}
      onSubmit={run}
      onClose={onClose}
    >
      <TextField
        select
        label="Restore into cluster"
        value={target}
        onChange={(e) => {
          setTarget(e.target.value);
          check.reset();
        }}
        helperText="The whole backup with default options; the restore wizard checks again with the options you choose"
      >
        {eligible.map((c) => (
          <MenuItem key={c.id} value={c.id}>
            {c.name} ({c.groupName})
          </MenuItem>
        ))}
        {!eligible.some((c) => c.id === target) && <MenuItem value={target} sx={{ display: "none" }} />}
      </TextField>
      <PreflightPanel result={check.data} pending={check.isPending} />
      {/* Keyed by target and location: a share made for one target says nothing of the next. */}
      <ShareLocationOffer key={`${check.data?.clusterId}/${check.data?.share?.locationId}`} result={check.data} />
      {seen && (
        <Button
          component={Link}
          href={`/restores?backup=${target}/${encodeURIComponent(source.backupName)}`}
          sx={{ alignSelf: "flex-start" }}
        >
          Restore into {check.data?.clusterName}…
        </Button>
      )}
    </FormDialog>
  );
}
