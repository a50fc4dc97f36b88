"use client";
import Box from "@mui/material/Box";
import type { VeleroSettings } from "@/lib/schemas/velero";
import { settingsRows } from "./settings-view";

/** The settings Velero runs with, as a definition list (each value with its test id, velero-settings-<id>). */
export function VeleroSettingsList({ settings }: { settings: VeleroSettings }) {
  return (
    <Box
      component="dl"
      data-testid="velero-settings-list"
      sx={{
        display: "grid",
        gridTemplateColumns: { xs: "1fr", sm: "max-content 1fr" },
        columnGap: 2,
        rowGap: 0.5,
        m: 0,
        mt: 1,
        typography: "body2",
      }}
    >
      {settingsRows(settings).map((r) => (
        <Box key={r.id} sx={{ display: "contents" }}>
          <Box component="dt" sx={{ color: "text.secondary" }}>
            {r.term}
          </Box>
          <Box component="dd" sx={{ m: 0, mb: { xs: 1, sm: 0 } }} data-testid={`velero-settings-${r.id}`}>
            {r.value}
          </Box>
        </Box>
      ))}
    </Box>
  );
}
