import { outboundNodeAgents, type OutboundTls } from "../../security/outbound";

// What every AWS client Lifeboat builds (S3, STS, IAM, CloudFormation) shares: its requests leave through the outbound
// path's agents (fresh, without keep-alive, so nothing stays open once a client is done), each call has a deadline, and
// there is one attempt unless the caller asks for more (a check reports what it meets; retries would only stretch an
// Unreachable or a Timeout). The adapters build their clients from this, never from the SDK's defaults.

export const DEFAULT_AWS_TIMEOUT_MS = 8_000;
/** The deadline of a control-plane call the reconcilers make (CloudFormation, IAM, a bucket's listing and deletes). */
export const CONTROL_PLANE_TIMEOUT_MS = 15_000;

/** An access key pair, or the temporary keys of an assumed role (with their session token and expiry). */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
/** Keys found when a call needs them (the SDK's AwsCredentialIdentityProvider). */
export type AwsKeysProvider = () => Promise<AwsKeys>;

export interface AwsClientOptions {
  credentials: AwsKeys | AwsKeysProvider;
  region: string;
  /** An AWS-compatible API (moto in tests, an S3-compatible store); absent or "" for AWS itself. */
  endpoint?: string;
  /** How long connecting may take, and the whole request (default 8 s); then the call fails with a TimeoutError. */
  timeoutMs?: number;
  /** Default 1. */
  maxAttempts?: number;
  /** TLS for the agents, e.g. the CA bundle an S3-compatible endpoint is signed by. */
  tls?: OutboundTls;
}

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials: AwsKeys | AwsKeysProvider;
  maxAttempts: number;
  requestHandler: ReturnType<typeof outboundNodeAgents> & {
    connectionTimeout: number;
    requestTimeout: number;
    throwOnRequestTimeout: true;
  };
}

/**
 * An AWS SDK client's module, loaded at the first call, with the client made from it. The SDKs take most of a second
 * to load; a console (or a test file) that never reaches a location of that kind never loads them.
 */
export function lazyClient<M, C>(load: () => Promise<M>, make: (sdk: M) => C): () => Promise<{ sdk: M; client: C }> {
  let made: Promise<{ sdk: M; client: C }> | undefined;
  return () => (made ??= load().then((sdk) => ({ sdk, client: make(sdk) })));
}

/** The client config shared by Lifeboat's AWS clients (spread into `new S3Client(...)`, `new STSClient(...)`, …). */
export function awsClientConfig(o: AwsClientOptions): AwsClientConfig {
  const timeoutMs = o.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS;
  return {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    // A copy: the SDK tags the credentials object it is given, which must stay the caller's own.
    credentials: typeof o.credentials === "function" ? o.credentials : { ...o.credentials },
    maxAttempts: o.maxAttempts ?? 1,
    requestHandler: {
      ...outboundNodeAgents(o.tls ?? {}),
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and a call that never answers waits on.
      throwOnRequestTimeout: true,
    },
  };
}

/** AssumeRole's session length: the shortest AWS allows; the keys are asked for again when they are about to expire. */
export const ROLE_SESSION_SECONDS = 900;
/** How long before their expiry assumed keys are replaced. */
export const ROLE_REFRESH_MARGIN_MS = 2 * 60_000;

export interface RoleOptions {
  region: string;
  endpoint?: string;
  sessionName: string;
  timeoutMs?: number;
  /** The clock, for tests of the refresh (default Date.now). */
  now?: () => number;
}

/**
 * The keys of an assumed role (STS AssumeRole with the source keys and the external id, through the outbound path),
 * as an AWS credential provider: one AssumeRole, then the same keys until 2 minutes before they expire. Calls while
 * an AssumeRole is on its way share it; a failed one is not kept, so the next call tries again.
 */
export function roleCredentials(
  source: { accessKeyId: string; secretAccessKey: string },
  roleArn: string,
  externalId: string,
  opts: RoleOptions,
): AwsKeysProvider {
  const now = opts.now ?? Date.now;
  let current: AwsKeys | undefined;
  let pending: Promise<AwsKeys> | undefined;
  const fresh = (k: AwsKeys | undefined): k is AwsKeys =>
    Boolean(k && (!k.expiration || k.expiration.getTime() - ROLE_REFRESH_MARGIN_MS > now()));

  async function assume(): Promise<AwsKeys> {
    const { AssumeRoleCommand, STSClient } = await import("@aws-sdk/client-sts");
    const sts = new STSClient(
      awsClientConfig({
        credentials: { accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey },
        region: opts.region,
        endpoint: opts.endpoint,
        timeoutMs: opts.timeoutMs,
      }),
    );
    try {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: opts.sessionName,
          ExternalId: externalId,
          DurationSeconds: ROLE_SESSION_SECONDS,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new Error(`STS AssumeRole of ${roleArn} answered without keys`);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } finally {
      sts.destroy();
    }
  }

  return async () => {
    if (fresh(current)) return current;
    pending ??= assume()
      .then((k) => (current = k))
      .finally(() => (pending = undefined));
    return pending;
  };
}
