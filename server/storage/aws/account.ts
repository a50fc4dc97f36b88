import { socketErrorCode, TIMED_OUT, TLS_UNTRUSTED, UNREACHABLE } from "../../security/network-errors";
import { outboundRefusal } from "../../security/outbound";
import { checkOutboundUrl } from "../../security/outbound-url";
import { maskKeyId } from "../s3";
import { redactSecrets } from "../probe-steps";
import { awsClientConfig, DEFAULT_AWS_TIMEOUT_MS, roleCredentials, type AwsKeys } from "./clients";

// Checking an AWS account credential when it is saved: STS GetCallerIdentity (which needs no permission) with the key,
// or with the role's keys after STS AssumeRole with the source key and the external id. What it answers (the account
// id and the principal's ARN) is what the credential keeps in the clear. A refusal is told the way an operator acts on
// it, and never quotes the secret key, the session token or the external id.

export type AccountFailure = "InvalidCredentials" | "AccessDenied" | "Unreachable" | "Timeout" | "TLS" | "Other";
export type AccountStep = "assume" | "identity";

export interface AwsAccountTarget {
  /** "" = AWS itself; else an AWS-compatible API (moto in tests). */
  endpoint: string;
  /** The region STS is called in. */
  region: string;
}
export interface AwsRole {
  roleArn: string;
  externalId: string;
  sessionName: string;
}

export type AccountCheck =
  | { ok: true; accountId: string; arn: string; message: string }
  | { ok: false; failure: AccountFailure; message: string };

export interface AccountFailureContext {
  step: AccountStep;
  /** The custom endpoint, or "" for AWS itself. */
  endpoint: string;
  region: string;
  /** The access key id as maskKeyId shows it. */
  keyId: string;
  /** Whose key it is when it is not the credential's own (a role's source credential). */
  keyOwner?: string;
  /** The role being assumed (step "assume"). */
  roleArn?: string;
  timeoutMs: number;
}

export interface Classified {
  failure: AccountFailure;
  message: string;
}

type Loose = { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
const loose = (e: unknown): Loose => (e && typeof e === "object" ? (e as Loose) : {});
const nameOf = (e: unknown) => (typeof loose(e).name === "string" ? (loose(e).name as string) : undefined);
const messageOf = (e: unknown) => (typeof loose(e).message === "string" ? (loose(e).message as string) : "");

const BAD_TOKEN = new Set(["ExpiredToken", "InvalidToken", "ExpiredTokenException", "UnrecognizedClientException"]);
const CLOCK = new Set(["RequestExpired", "RequestTimeTooSkewed"]);

/** What went wrong when Lifeboat asked STS about a credential: a failure kind and a sentence that names no secret. */
export function classifyAccountError(e: unknown, c: AccountFailureContext): Classified {
  const where = c.endpoint ? `the AWS API at ${c.endpoint}` : `AWS STS (${c.region})`;
  const Where = where[0].toUpperCase() + where.slice(1);
  const doing =
    c.step === "assume"
      ? `assume the role ${c.roleArn ?? ""}`.trim()
      : "ask STS whose keys these are (GetCallerIdentity)";
  const keys = c.keyOwner ? `${c.keyId}, ${c.keyOwner}` : c.keyId;
  const name = nameOf(e);
  const status = loose(e).$metadata?.httpStatusCode;
  const code = socketErrorCode(e);

  const refusal = outboundRefusal(e);
  if (refusal) return { failure: "Unreachable", message: `Lifeboat will not connect to ${where}: ${refusal}` };
  if (name === "TimeoutError" || name === "AbortError" || (code && TIMED_OUT.has(code)))
    return {
      failure: "Timeout",
      message: `${Where} did not answer within ${c.timeoutMs / 1000} s when Lifeboat tried to ${doing}`,
    };
  if ((name && CLOCK.has(name)) || (name === "SignatureDoesNotMatch" && /signature expired/i.test(messageOf(e))))
    return {
      failure: "Other",
      message: `The clocks of Lifeboat and ${where} differ by more than 15 minutes (${name}): fix the server's time`,
    };
  if (name === "InvalidClientTokenId" || name === "InvalidAccessKeyId")
    return {
      failure: "InvalidCredentials",
      message: `${c.endpoint ? Where : "AWS"} does not know this access key id (${keys}; ${name}): check the access key id`,
    };
  if (name === "SignatureDoesNotMatch")
    return {
      failure: "InvalidCredentials",
      message: `The secret access key is wrong: it does not belong to the access key id ${keys} (SignatureDoesNotMatch)`,
    };
  if (name && BAD_TOKEN.has(name))
    return { failure: "InvalidCredentials", message: `${Where} refused the keys ${keys} (${name})` };
  if (name === "RegionDisabledException")
    return {
      failure: "Other",
      message:
        `STS is not activated in ${c.region} for this account (RegionDisabledException): ` +
        "activate the region in IAM's account settings, or use another region",
    };
  const vague = !name || name === "Unknown" || name === "Error";
  if (c.step === "assume" && (name === "AccessDenied" || (status === 403 && vague)))
    return {
      failure: "AccessDenied",
      message:
        `The role ${c.roleArn ?? ""} does not trust this principal, or the external id is wrong (AccessDenied): ` +
        `its trust policy must allow sts:AssumeRole to the source credential's principal with this external id, ` +
        "and the source credential must be allowed sts:AssumeRole on the role",
    };
  if (name === "AccessDenied" || (status === 403 && vague))
    return {
      failure: "AccessDenied",
      message: `The keys ${keys} may not ${doing} at ${where} (${vague ? "403 Forbidden" : name}): an organization policy may deny it`,
    };
  if (code === "ECONNREFUSED")
    return {
      failure: "Unreachable",
      message: `Nothing answers at ${where} (connection refused): is the endpoint right and the service up?`,
    };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return { failure: "Unreachable", message: `The host of ${where} could not be resolved (${code})` };
  if (code && UNREACHABLE.has(code)) return { failure: "Unreachable", message: `${Where} cannot be reached (${code})` };
  if (code && TLS_UNTRUSTED.has(code))
    return { failure: "TLS", message: `The certificate of ${where} is not trusted (${code})` };
  if (
    code &&
    (code.startsWith("CERT_") || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_") || code === "EPROTO")
  )
    return { failure: "TLS", message: `The TLS handshake with ${where} failed (${code}): is it an https:// endpoint?` };
  const detail = messageOf(e) && messageOf(e) !== "UnknownError" ? messageOf(e) : undefined;
  const what = [vague ? undefined : name, status && `HTTP ${status}`, code].filter(Boolean).join(", ");
  return {
    failure: "Other",
    message: `Lifeboat could not ${doing} at ${where}${detail ? `: ${detail}` : ""}${what ? ` (${what})` : ""}`,
  };
}

/**
 * Who the keys (or the role assumed with them) are in AWS: the account id and the principal's ARN. Never throws for
 * what it meets. The endpoint passes the outbound policy before anything connects.
 */
export async function checkAwsAccount(
  target: AwsAccountTarget,
  keys: { accessKeyId: string; secretAccessKey: string },
  role?: AwsRole,
  opts: { timeoutMs?: number } = {},
): Promise<AccountCheck> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS;
  const secrets = [keys.secretAccessKey, ...(role ? [role.externalId] : [])];
  let sessionToken: string | undefined;
  const redact = (s: string) =>
    redactSecrets([...secrets, sessionToken ?? ""], [[keys.accessKeyId, maskKeyId(keys.accessKeyId)]])(s);
  const fail = (c: Classified): AccountCheck => ({ ok: false, failure: c.failure, message: redact(c.message) });
  const context = {
    endpoint: target.endpoint,
    region: target.region,
    keyId: maskKeyId(keys.accessKeyId),
    timeoutMs,
  };

  if (target.endpoint) {
    const verdict = await checkOutboundUrl(target.endpoint, { schemes: ["https", "http"] });
    if (!verdict.ok)
      return fail({
        failure: "Unreachable",
        message: `Lifeboat will not connect to ${target.endpoint}: ${verdict.reason}`,
      });
  }

  let credentials: AwsKeys = { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  if (role) {
    try {
      credentials = await roleCredentials(keys, role.roleArn, role.externalId, {
        endpoint: target.endpoint,
        region: target.region,
        sessionName: role.sessionName,
        timeoutMs,
      })();
      sessionToken = credentials.sessionToken;
    } catch (e) {
      return fail(
        classifyAccountError(e, {
          ...context,
          step: "assume",
          roleArn: role.roleArn,
          keyOwner: "the source credential's",
        }),
      );
    }
  }

  const { GetCallerIdentityCommand, STSClient } = await import("@aws-sdk/client-sts");
  const sts = new STSClient(
    awsClientConfig({ credentials, region: target.region, endpoint: target.endpoint, timeoutMs }),
  );
  try {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    if (!me.Account || !me.Arn)
      return fail({ failure: "Other", message: "STS GetCallerIdentity answered without an account or an ARN" });
    const at = target.endpoint ? ` at ${target.endpoint}` : "";
    return {
      ok: true,
      accountId: me.Account,
      arn: me.Arn,
      message: role
        ? `The role ${role.roleArn} was assumed${at}: AWS account ${me.Account}, as ${me.Arn}`
        : `The key signs in to AWS account ${me.Account}${at} as ${me.Arn}`,
    };
  } catch (e) {
    return fail(
      classifyAccountError(e, {
        ...context,
        step: "identity",
        ...(role ? { keyId: maskKeyId(credentials.accessKeyId), keyOwner: "the role's temporary keys" } : {}),
      }),
    );
  } finally {
    sts.destroy();
  }
}
