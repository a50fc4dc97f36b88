"use client";
import { Controller, type Control, type FieldPath, type FieldValues } from "react-hook-form";
import Autocomplete from "@mui/material/Autocomplete";
import TextField from "@mui/material/TextField";

/** The first message of a field's error, or of one of its items' (a list's errors are per item). */
export function firstError(err: unknown): string | undefined {
  if (!err || typeof err !== "object") return undefined;
  const own = (err as { message?: unknown }).message;
  if (typeof own === "string" && own) return own;
  for (const item of Object.values(err as Record<string, unknown>)) {
    const m = firstError(item);
    if (m) return m;
  }
  return undefined;
}

/**
 * A list of namespace names: typed, each added with Enter (or when the field loses focus), removed with its chip's
 * delete or Backspace. Empty means every namespace of the backup.
 */
export function NamespacesField<T extends FieldValues, O>({
  control,
  name,
  label,
  helperText,
}: {
  control: Control<T, unknown, O>;
  name: FieldPath<T>;
  label: string;
  helperText: string;
}) {
  return (
    <Controller
      control={control}
      name={name}
      render={({ field, fieldState }) => {
        const error = firstError(fieldState.error);
        return (
          <Autocomplete
            multiple
            freeSolo
            autoSelect
            options={[] as string[]}
            value={(field.value as string[] | undefined) ?? []}
            onChange={(_, v) => field.onChange((v as string[]).map((x) => x.trim()).filter(Boolean))}
            onBlur={field.onBlur}
            renderInput={(params) => (
              <TextField
                {...params}
                label={label}
                inputRef={field.ref}
                error={Boolean(error)}
                helperText={error ?? helperText}
                slotProps={{ ...params.slotProps, formHelperText: error ? { role: "alert" } : undefined }}
              />
            )}
          />
        );
      }}
    />
  );
}
