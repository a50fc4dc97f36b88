"use client";
import { useId } from "react";
import { Controller, type Control, type FieldValues, type Path } from "react-hook-form";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import FormLabel from "@mui/material/FormLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";

// How Velero (and Lifeboat's probe) reach an Azure location with a service principal: the location's `useAAD`, as
// two explained choices rather than a bare switch, because each needs a different role in Azure.

export const AZURE_AUTH_CHOICES = [
  {
    value: true,
    label: "Entra ID token (needs Storage Blob Data Contributor)",
    help: "Recommended. The principal needs the Storage Blob Data Contributor role on the account or the container.",
  },
  {
    value: false,
    label: "Account keys through Azure Resource Manager (needs ListKeys)",
    help:
      "Velero reads the account's keys with the principal and uses a key: it needs the resource group and " +
      "subscription of the account, and a role with Microsoft.Storage/storageAccounts/listKeys/action there.",
  },
] as const;

/** The `useAAD` choice of an Azure location that uses a service principal. */
export function AzureAuthField<T extends FieldValues, O>({
  control,
  name,
}: {
  control: Control<T, unknown, O>;
  name: Path<T>;
}) {
  const labelId = useId();
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => {
        const chosen = AZURE_AUTH_CHOICES.find((c) => c.value === Boolean(field.value)) ?? AZURE_AUTH_CHOICES[0];
        return (
          <FormControl error={Boolean(fieldState.error)}>
            <FormLabel id={labelId}>How Velero reaches the blobs with the service principal</FormLabel>
            <RadioGroup
              aria-labelledby={labelId}
              value={String(Boolean(field.value))}
              onChange={(e) => field.onChange(e.target.value === "true")}
              onBlur={field.onBlur}
            >
              {AZURE_AUTH_CHOICES.map((c, i) => (
                <FormControlLabel
                  key={String(c.value)}
                  value={String(c.value)}
                  control={<Radio slotProps={{ input: { ref: i === 0 ? field.ref : undefined } }} />}
                  label={c.label}
                />
              ))}
            </RadioGroup>
            <FormHelperText role={fieldState.error ? "alert" : undefined}>
              {fieldState.error?.message ?? chosen.help}
            </FormHelperText>
          </FormControl>
        );
      }}
    />
  );
}
