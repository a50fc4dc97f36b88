import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";
import { logger } from "./log";

// The environment, validated once. Every variable is documented in README's configuration table.
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url().optional(),
  LIFEBOAT_DATA_DIR: z.string().default(path.resolve(process.cwd(), ".data")),
  LIFEBOAT_SECRET_KEY: z.string().optional(),
  LIFEBOAT_SECRET_KEYS_PREVIOUS: z.string().optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  LIFEBOAT_OIDC_ISSUER: z.string().url().optional(),
  LIFEBOAT_OIDC_CLIENT_ID: z.string().optional(),
  LIFEBOAT_OIDC_CLIENT_SECRET: z.string().optional(),
  LIFEBOAT_OIDC_GROUPS_CLAIM: z.string().default("groups"),
  LIFEBOAT_OIDC_NAME: z.string().default("Single sign-on"),
  LIFEBOAT_OIDC_SCOPES: z.string().default("openid email profile"),
  LIFEBOAT_SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  LIFEBOAT_SESSION_MAX_HOURS: z.coerce.number().int().positive().default(12),
  LIFEBOAT_TRUSTED_PROXIES: z.string().optional(),
  LIFEBOAT_ALLOW_LOOPBACK: z.enum(["0", "1"]).default("0"),
  // Entra ID and Azure Resource Manager for Azure service principals, instead of the cloud's own (an Azure Stack, a
  // test's stand-in); read when used, by server/storage/azure/aad.ts, which also holds them to https.
  LIFEBOAT_AZURE_AUTHORITY_HOST: z.string().url().optional(),
  LIFEBOAT_AZURE_RESOURCE_MANAGER: z.string().url().optional(),
  // How long a controller lease (the fleet's, and each cluster's) lasts without renewal; renewed every third of it.
  LIFEBOAT_LEASE_SECONDS: z.coerce.number().min(1).max(300).default(15),
  // How often a cluster's access and Velero are read again (the health checks in between only ask for the version).
  LIFEBOAT_ACCESS_CHECK_SECONDS: z.coerce.number().min(1).max(86_400).default(600),
  LIFEBOAT_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export type Env = z.infer<typeof schema>;
let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    // An empty variable means unset (npm test clears DATABASE_URL that way).
    const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    cached = parsed.data;
  }
  return cached;
}

/** Forgets the parsed environment, so the next env() reads process.env again (unit files sharing a process). */
export function forgetEnv(): void {
  cached = undefined;
}

export const isProduction = () => env().NODE_ENV === "production";

/**
 * Why the console must not start as configured, or null. In production on a database of your own, the sealing key and
 * the session secret must come from the environment: generated into a local file they would differ between console
 * processes and vanish with a container, leaving every sealed kubeconfig and credential unreadable.
 */
export function startupRefusal(e: Env = env(), embedded = process.env.LIFEBOAT_EMBEDDED === "1"): string | null {
  if (e.NODE_ENV !== "production" || !e.DATABASE_URL || embedded) return null;
  const missing = (["LIFEBOAT_SECRET_KEY", "NEXTAUTH_SECRET"] as const).filter((name) => !e[name]);
  if (!missing.length) return null;
  return (
    `Refusing to start: ${missing.join(" and ")} must be set in production with DATABASE_URL. ` +
    "LIFEBOAT_SECRET_KEY seals every kubeconfig and credential, NEXTAUTH_SECRET signs sessions; generated into a local " +
    "file they would differ between console processes and be lost with the container, leaving sealed values " +
    "unreadable. Set each to `openssl rand -base64 32` (keep the sealing key safe: without it the secrets are lost)."
  );
}

/** A secret from the environment or, outside production, one generated once into the data directory. */
export function secretFromEnvOrFile(
  name: "NEXTAUTH_SECRET" | "LIFEBOAT_SECRET_KEY",
  file: string,
  make: () => string,
): string {
  const fromEnv = env()[name];
  if (fromEnv) return fromEnv;
  const p = path.join(env().LIFEBOAT_DATA_DIR, file);
  if (fs.existsSync(p)) return fs.readFileSync(p, "utf8").trim();
  if (isProduction() && process.env.LIFEBOAT_EMBEDDED !== "1") {
    throw new Error(
      `${name} must be set: it is generated automatically only for the embedded database (npm run demo, npm run dev)`,
    );
  }
  fs.mkdirSync(path.dirname(p), { recursive: true });
  const value = make();
  try {
    fs.writeFileSync(p, value + "\n", { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another process generated it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(p, "utf8").trim();
    throw e;
  }
  logger.warn({ file: p }, `${name} is not set: generated one into ${p}. Set ${name} in production.`);
  return value;
}

export const randomKey = () => crypto.randomBytes(32).toString("base64");
