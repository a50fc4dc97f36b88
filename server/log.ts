import fs from "node:fs";
import pino from "pino";

// Fields that may hold a secret, at any depth we log. pino replaces them with "[redacted]".
export const REDACT_PATHS = [
  "password",
  "*.password",
  "newPassword",
  "*.newPassword",
  "passwordHash",
  "*.passwordHash",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "accessToken",
  "*.accessToken",
  "idToken",
  "*.idToken",
  "secretAccessKey",
  "*.secretAccessKey",
  "accountKey",
  "*.accountKey",
  // An Azure service principal's client secret (and the token endpoint's form field of it).
  "clientSecret",
  "*.clientSecret",
  "client_secret",
  "*.client_secret",
  // An AWS role credential's external id, assumed keys, and the SDK's shapes of them (AccessKey.SecretAccessKey from
  // IAM CreateAccessKey, Credentials.SecretAccessKey and .SessionToken from STS AssumeRole).
  "externalId",
  "*.externalId",
  "sessionToken",
  "*.sessionToken",
  "SecretAccessKey",
  "*.SecretAccessKey",
  "SessionToken",
  "*.SessionToken",
  "kubeconfig",
  "*.kubeconfig",
  "plaintext",
  "*.plaintext",
  "authorization",
  "*.authorization",
  "headers.cookie",
  "*.headers.cookie",
  "req.headers.authorization",
  "input.password",
  "input.*.password",
  "input.secretAccessKey",
  "input.accountKey",
  "input.clientSecret",
  "input.externalId",
  "input.kubeconfig",
];

const level = process.env.LIFEBOAT_LOG_LEVEL ?? "info";
const pretty = process.env.NODE_ENV !== "production" && process.env.LIFEBOAT_LOG_FORMAT !== "json";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** A readable one-line format for development; production writes pino's JSON lines. No worker threads. */
export function formatPretty(line: string): string {
  try {
    const { level: l, time, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line);
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `${new Date(time).toISOString().slice(11, 23)} ${LEVELS[l] ?? l} ${msg ?? ""}${extras ? "  " + extras : ""}\n`;
  } catch {
    return line;
  }
}

/** LIFEBOAT_LOG_FILE: every line also appended there as JSON (the end-to-end canary test reads it). */
const logFile = process.env.LIFEBOAT_LOG_FILE
  ? fs.createWriteStream(process.env.LIFEBOAT_LOG_FILE, { flags: "a" })
  : null;

export function createLogger(write?: (s: string) => void, opts: { level?: string } = {}) {
  const out =
    write ??
    ((s: string) => {
      logFile?.write(s);
      process.stdout.write(pretty ? formatPretty(s) : s);
    });
  return pino(
    { level: opts.level ?? level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "lifeboat" } },
    { write: out },
  );
}

export const logger = createLogger();
