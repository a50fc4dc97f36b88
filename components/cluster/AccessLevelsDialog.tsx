"use client";
import { useState } from "react";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import Typography from "@mui/material/Typography";
import type { ClusterAccessLevel, OnboardingLevel } from "@/lib/schemas/cluster";
import { OnboardingManifest } from "./OnboardingManifest";

const NOW: Record<ClusterAccessLevel, string> = {
  NONE: "none: some of the access that operate needs is missing",
  OPERATE: "operate",
  MANAGE: "manage Velero",
};

/**
 * The two access levels (#12 plan §5) for a cluster already attached: the same choice, manifest, command and table as
 * the attach dialog, and what to do after applying it.
 */
export function AccessLevelsDialog({
  open,
  onClose,
  current,
}: {
  open: boolean;
  onClose: () => void;
  current?: ClusterAccessLevel;
}) {
  // Opened for a cluster without manage access, the dialog starts on what it lacks.
  const [level, setLevel] = useState<OnboardingLevel>(current && current !== "MANAGE" ? "manage" : "operate");
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="md" aria-labelledby="access-levels-title">
      <DialogTitle id="access-levels-title">Access levels</DialogTitle>
      <DialogContent>
        {current && (
          <Typography variant="body1" sx={{ mb: 2 }} data-testid="access-level-now">
            Lifeboat&apos;s access on this cluster now: <strong>{NOW[current]}</strong>.
          </Typography>
        )}
        <OnboardingManifest
          level={level}
          onLevel={setLevel}
          enabled={open}
          intro={
            <>
              Apply the manifest of the level you want on the cluster, as its administrator. It grants the access to the
              same service account as the onboarding manifest. If the cluster&apos;s kubeconfig already uses that
              service account, &ldquo;Check now&rdquo; on the cluster picks the new access up; replace the
              cluster&apos;s kubeconfig (with the one the command prints) only if the service account changed.
            </>
          }
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
