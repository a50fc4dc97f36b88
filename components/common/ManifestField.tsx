"use client";
import TextField from "@mui/material/TextField";

/** YAML (or a command) to read and copy, not to edit: a read-only monospace text area with its label. */
export function ManifestField({
  label,
  value,
  minRows = 10,
  maxRows = 20,
  testId,
}: {
  label: string;
  value: string;
  minRows?: number;
  maxRows?: number;
  /** A data-testid on the text area itself (so a test reads its value). */
  testId?: string;
}) {
  return (
    <TextField
      label={label}
      value={value}
      multiline
      minRows={minRows}
      maxRows={maxRows}
      slotProps={{
        input: { readOnly: true, sx: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 } },
        htmlInput: testId ? { "data-testid": testId } : undefined,
      }}
    />
  );
}
