"use client";
import Chip from "@mui/material/Chip";
import { Tooltip } from "@/components/common/Tooltip";
import { relative } from "../common/RelativeTime";

export function ConnectionState({
  state,
  lastSeenAt,
  lastError,
}: {
  state: "PENDING" | "CONNECTED" | "DISCONNECTED";
  lastSeenAt: Date | null;
  lastError: string | null;
}) {
  if (state === "CONNECTED") {
    // (When it was last checked is on the cluster's page: a check that finds nothing new does not refresh lists.)
    const chip = <Chip size="small" color={lastError ? "warning" : "success"} label="Connected" />;
    return lastError ? <Tooltip title={`Last check failed: ${lastError}`}>{chip}</Tooltip> : chip;
  }
  if (state === "DISCONNECTED") {
    return (
      <Tooltip title={lastError ?? ""}>
        <Chip
          size="small"
          color="error"
          label={`Disconnected · last seen ${lastSeenAt ? relative(lastSeenAt) : "never"}`}
        />
      </Tooltip>
    );
  }
  return <Chip size="small" label="Checking" />;
}
