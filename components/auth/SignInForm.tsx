"use client";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Divider from "@mui/material/Divider";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import { sameOriginPath } from "@/lib/auth/callback-url";

const ERRORS: Record<string, string> = {
  AccessDenied: "Your account may not sign in here: it is disabled, or it conflicts with an existing account.",
  OAuthSignin: "The identity provider could not be reached.",
  OAuthCallback: "The identity provider's answer could not be verified. Try again.",
  SessionRequired: "Sign in to continue.",
  OidcUnverifiedEmail:
    "An account with your email address already exists, and your identity provider has not confirmed that the address " +
    "is yours, so single sign-on cannot be linked to it. Sign in with your password, or ask your identity provider " +
    "administrator to verify your email address.",
};

export function SignInForm({
  oidc,
  initialError,
  callbackUrl: requested,
}: {
  oidc: { enabled: boolean; name: string };
  initialError?: string;
  callbackUrl: string;
}) {
  // Checked again here: the page passes a same-origin path, and nothing else may reach window.location.
  const callbackUrl = sameOriginPath(requested);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(initialError ? (ERRORS[initialError] ?? "Sign-in failed. Try again.") : "");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError("");
    const res = await signIn("credentials", { email, password, redirect: false, callbackUrl });
    if (res?.ok && !res.error) {
      window.location.assign(sameOriginPath(callbackUrl, window.location.origin));
      return;
    }
    setBusy(false);
    setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Email or password is incorrect");
  }

  return (
    <Stack spacing={2} component="form" onSubmit={submit} noValidate aria-label="Sign in">
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
      <TextField
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <Button type="submit" variant="contained" size="large" disabled={busy || !email || !password}>
        {busy ? "Signing in…" : "Sign in"}
      </Button>
      {oidc.enabled && (
        <>
          <Divider>or</Divider>
          <Button variant="outlined" size="large" onClick={() => signIn("oidc", { callbackUrl })}>
            Sign in with {oidc.name}
          </Button>
        </>
      )}
    </Stack>
  );
}
