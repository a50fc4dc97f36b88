"use client";
import Alert from "@mui/material/Alert";

export type ErrLike =
  { message?: string; data?: { fieldErrors?: { path: string; message: string }[] | null } | null } | null | undefined;

/** A tRPC error in words: the server's message, and each field's problem when validation failed. */
export function errorText(err: ErrLike): string {
  if (!err) return "";
  const fields = err.data?.fieldErrors;
  if (fields?.length) return fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ");
  return err.message ?? "Something went wrong";
}

export function ErrorAlert({ error }: { error: ErrLike }) {
  if (!error) return null;
  return (
    <Alert severity="error" sx={{ mb: 2 }}>
      {errorText(error)}
    </Alert>
  );
}
