"use client";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { useMutation } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { setupInput, PASSWORD_MIN } from "@/lib/schemas/admin";
import { errorText } from "../common/ErrorAlert";

/** `tokenRequired`: the console listens beyond loopback, so setup asks for the one-time token from the server log. */
export function SetupForm({ tokenRequired = false }: { tokenRequired?: boolean }) {
  const trpc = useTRPC();
  const [form, setForm] = useState({ name: "", email: "", password: "", confirm: "", token: "" });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const create = useMutation(trpc.setup.create.mutationOptions());

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = setupInput.safeParse({ ...form, token: tokenRequired ? form.token : undefined });
    const errs: Record<string, string> = {};
    if (!parsed.success) for (const i of parsed.error.issues) errs[String(i.path[0])] ??= i.message;
    if (form.password !== form.confirm) errs.confirm = "The passwords do not match";
    setFieldErrors(errs);
    if (Object.keys(errs).length || !parsed.success) return;
    await create.mutateAsync(parsed.data);
    const res = await signIn("credentials", { email: parsed.data.email, password: form.password, redirect: false });
    window.location.assign(res?.ok ? "/" : "/signin");
  }

  const field = (name: keyof typeof form, label: string, extra: object = {}) => (
    <TextField
      label={label}
      value={form[name]}
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      error={Boolean(fieldErrors[name])}
      helperText={fieldErrors[name] ?? " "}
      required
      {...extra}
    />
  );

  return (
    <Stack spacing={1} component="form" onSubmit={submit} noValidate aria-label="Create the first admin">
      {create.error && (
        <Alert severity="error" role="alert">
          {errorText(create.error)}
        </Alert>
      )}
      {tokenRequired &&
        field("token", "Setup token", {
          autoFocus: true,
          autoComplete: "off",
          helperText:
            fieldErrors.token ??
            "Printed in the server log (“First-run setup token”): this console is reachable beyond this machine",
        })}
      {field("name", "Your name", { autoFocus: !tokenRequired, autoComplete: "name" })}
      {field("email", "Email", { type: "email", autoComplete: "username" })}
      {field("password", "Password", {
        type: "password",
        autoComplete: "new-password",
        helperText: fieldErrors.password ?? `At least ${PASSWORD_MIN} characters`,
      })}
      {field("confirm", "Confirm password", { type: "password", autoComplete: "new-password" })}
      <Button type="submit" variant="contained" size="large" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create admin and sign in"}
      </Button>
    </Stack>
  );
}
