"use client";
import type { Control } from "react-hook-form";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import { FormTextField } from "./FormFields";

/** The fields every form with Velero's resource filters has, whatever else it holds. */
export interface ResourceFilterValues {
  includeResources: string;
  excludeResources: string;
  clusterResources: "auto" | "yes" | "no";
}

/**
 * Velero's resource filters, as the backup and the restore wizards ask for them: resource types to include and to
 * exclude (comma-separated), and what happens to cluster-scoped resources.
 */
export function ResourceFilterFields<T extends ResourceFilterValues>({
  control,
  action,
}: {
  control: Control<T>;
  /** What the object does with resources, for the choices' wording. */
  action: "backup" | "restore";
}) {
  // T has these fields (its constraint says so); react-hook-form's Control cannot be narrowed to them by type.
  const c = control as unknown as Control<ResourceFilterValues>;
  const verb = action === "backup" ? "Include" : "Restore";
  return (
    <>
      <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
        <FormTextField
          control={c}
          name="includeResources"
          label="Only these resource types"
          placeholder="deployments, configmaps"
          helperText="Optional, comma-separated"
          sx={{ flex: 1 }}
        />
        <FormTextField
          control={c}
          name="excludeResources"
          label="Not these resource types"
          placeholder="secrets"
          helperText="Optional, comma-separated"
          sx={{ flex: 1 }}
        />
      </Stack>
      <FormTextField
        control={c}
        name="clusterResources"
        select
        label="Cluster-scoped resources"
        helperText={
          action === "backup"
            ? "Automatic: all of them for the whole cluster, otherwise only those related to what is backed up (such as the volumes of included claims)"
            : "Automatic: all of them for an entire backup, otherwise only those related to what is restored (such as the volumes of restored claims)"
        }
      >
        <MenuItem value="auto">Automatic</MenuItem>
        <MenuItem value="yes">{verb} them all</MenuItem>
        <MenuItem value="no">{verb} none</MenuItem>
      </FormTextField>
    </>
  );
}
