"use client";
import Chip from "@mui/material/Chip";
import { Tooltip } from "@/components/common/Tooltip";
import { RelativeTime } from "../common/RelativeTime";

/** A cluster's name in a list of Velero objects; a disconnected cluster's rows say how old their state is. */
export function ClusterNameCell({
  name,
  state,
  observedAt,
}: {
  name: string;
  state: "PENDING" | "CONNECTED" | "DISCONNECTED";
  observedAt: Date;
}) {
  return (
    <>
      {name}
      {state === "DISCONNECTED" && (
        <Tooltip title="The cluster is disconnected: this is its last-known state">
          <Chip
            size="small"
            color="warning"
            variant="outlined"
            label={
              <>
                seen <RelativeTime date={observedAt} />
              </>
            }
            sx={{ ml: 1 }}
          />
        </Tooltip>
      )}
    </>
  );
}
