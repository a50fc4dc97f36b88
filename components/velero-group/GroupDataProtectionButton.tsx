"use client";
import { useState } from "react";
import dynamic from "next/dynamic";
import Button from "@mui/material/Button";
import Dialog from "@mui/material/Dialog";
import DialogActions from "@mui/material/DialogActions";
import DialogContent from "@mui/material/DialogContent";
import DialogTitle from "@mui/material/DialogTitle";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import type { ClusterRole } from "@/lib/rbac/permissions";

const GroupDataProtection = dynamic(() => import("./GroupDataProtection").then((m) => m.GroupDataProtection), {
  ssr: false,
});

/**
 * In a list of cluster groups: opens the group's Data protection (its Velero policy and its clusters' progress) for
 * someone with a role on the group itself; its code loads when it opens.
 */
export function GroupDataProtectionButton({
  group,
}: {
  group: { id: string; name: string; myRole: ClusterRole | null };
}) {
  const [open, setOpen] = useState(false);
  const fullScreen = useMediaQuery(useTheme().breakpoints.down("md"));
  if (!group.myRole) return null;
  const titleId = `group-dp-title-${group.id}`;
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} aria-label={`Data protection of ${group.name}`}>
        Data protection
      </Button>
      {open && (
        <Dialog
          open
          onClose={() => setOpen(false)}
          fullWidth
          maxWidth="lg"
          fullScreen={fullScreen}
          aria-labelledby={titleId}
        >
          <DialogTitle id={titleId}>{group.name}</DialogTitle>
          <DialogContent>
            <GroupDataProtection groupId={group.id} groupName={group.name} isAdmin={group.myRole === "CLUSTER_ADMIN"} />
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>Close</Button>
          </DialogActions>
        </Dialog>
      )}
    </>
  );
}
