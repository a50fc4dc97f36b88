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
    return (
      <Tooltip
        title={
          lastError ? `Last check failed: ${lastError}` : `Last seen ${lastSeenAt ? relative(lastSeenAt) : "never"}`
        }
      >
        <Chip size="small" color={lastError ? "warning" : "success"} label="Connected" />
      </Tooltip>
    );
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
