import { CREDENTIAL_KIND_LABELS, type CredentialConfig } from "@/lib/schemas/locations";
import { checkAwsAccount, type AccountCheck } from "../aws/account";
import { maskKeyId } from "../s3";
import type { CredentialCheck, CredentialCheckOptions, CredentialType } from "./types";

// The AWS account Lifeboat provisions in (CloudFormation, IAM, STS): an access key, or a role assumed with one. These are
// Lifeboat's own, never Velero's: no location kind lists them (LOCATION_CREDENTIAL_KINDS), so they never reach a
// cluster. Both are checked on save with STS, which fills in the account id and the principal's ARN.

type AccountConfig = Extract<CredentialConfig, { kind: "AWS_ACCOUNT_KEY" | "AWS_ACCOUNT_ROLE" }>;

/** "Account 123456789012 · arn:aws:iam::123456789012:user/admin", and the endpoint when it is not AWS itself. */
export const accountDetails = (c: AccountConfig) =>
  [`Account ${c.accountId}`, c.arn, c.endpoint].filter(Boolean).join(" · ");

/** "role/<name>": a role ARN's last path segment. */
export const maskedRole = (roleArn: string) => `role/${roleArn.slice(roleArn.lastIndexOf("/") + 1)}`;

/**
 * The check's answer as the credential keeps it: the account id and ARN for its clear config. When rotating, the new
 * keys (or external id) must lead to the same account: managed locations live there.
 */
function asCredentialCheck(
  r: AccountCheck,
  current?: { accountId: string },
): { ok: true; message: string; config: { accountId: string; arn: string } } | Extract<CredentialCheck, { ok: false }> {
  if (!r.ok) return r;
  if (current && current.accountId !== r.accountId)
    return {
      ok: false,
      failure: "Other",
      message:
        `The new keys belong to AWS account ${r.accountId}, not to ${current.accountId}, the account this credential ` +
        "is for; create another credential for another account",
    };
  return { ok: true, message: r.message, config: { accountId: r.accountId, arn: r.arn } };
}

export const awsAccountKeyType: CredentialType<"AWS_ACCOUNT_KEY"> = {
  kind: "AWS_ACCOUNT_KEY",
  provider: "AWS",
  sealPurpose: "aws-account-credential",
  sealedFields: ["accessKeyId", "secretAccessKey"],
  masked: (s) => maskKeyId(s.accessKeyId),
  details: accountDetails,
  check: async (d, opts) =>
    asCredentialCheck(
      await checkAwsAccount({ endpoint: d.endpoint, region: d.region }, d, undefined, opts),
      opts?.current,
    ),
};

async function checkRole(
  d: Parameters<NonNullable<CredentialType<"AWS_ACCOUNT_ROLE">["check"]>>[0],
  opts: CredentialCheckOptions<"AWS_ACCOUNT_ROLE"> = {},
): Promise<CredentialCheck<"AWS_ACCOUNT_ROLE">> {
  const source = (await opts.resolve?.(d.sourceCredentialId)) ?? null;
  if (!source) return { ok: false, failure: "Other", message: "The source credential was not found" };
  if (source.kind !== "AWS_ACCOUNT_KEY")
    return {
      ok: false,
      failure: "Other",
      message:
        `The source credential must be an "${CREDENTIAL_KIND_LABELS.AWS_ACCOUNT_KEY}" credential, ` +
        `not "${CREDENTIAL_KIND_LABELS[source.kind]}"`,
    };
  if (source.endpoint !== d.endpoint)
    return {
      ok: false,
      failure: "Other",
      message:
        `The source credential calls ${source.endpoint || "AWS itself"}, and this role ${d.endpoint || "AWS itself"}: ` +
        "give the role its source's endpoint",
    };
  const role = { roleArn: d.roleArn, externalId: d.externalId, sessionName: d.sessionName };
  return asCredentialCheck(
    await checkAwsAccount({ endpoint: d.endpoint, region: d.region }, source, role, opts),
    opts.current,
  );
}

export const awsAccountRoleType: CredentialType<"AWS_ACCOUNT_ROLE"> = {
  kind: "AWS_ACCOUNT_ROLE",
  provider: "AWS",
  sealPurpose: "aws-account-credential",
  sealedFields: ["externalId"],
  masked: (s) => maskedRole(s.roleArn),
  details: accountDetails,
  check: checkRole,
};
