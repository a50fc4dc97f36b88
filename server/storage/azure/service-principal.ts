import type { CredentialCheck } from "../providers/types";
import { AadError, armCall, ServicePrincipalCredential, type AadOptions, type ServicePrincipal } from "./aad";
import { redactSecrets } from "../probe-steps";

// What Lifeboat does with a service principal besides the blob calls: checking it on save (a management token, then
// reading its resource group through Azure Resource Manager), and reading a storage account's keys (ListKeys), which is
// what Velero's plugin does when a location does not use an Entra ID token.

export interface ServicePrincipalSettings extends ServicePrincipal {
  subscriptionId: string;
  resourceGroup: string;
}

/** The resource group read's API version (Resource Groups - Get). */
export const RESOURCE_GROUPS_API = "2021-04-01";
/** The storage accounts' API version (Storage Accounts - List Keys). */
export const STORAGE_API = "2023-05-01";

const rgPath = (s: { subscriptionId: string; resourceGroup: string }) =>
  `/subscriptions/${encodeURIComponent(s.subscriptionId)}/resourceGroups/${encodeURIComponent(s.resourceGroup)}`;

/**
 * Signs in for Azure Resource Manager and reads the principal's resource group. A wrong secret, client or tenant is
 * refused with Entra ID's reason; an unknown subscription or group is refused; a principal that may not read the group
 * passes with a warning (it may hold only data-plane roles, such as Storage Blob Data Contributor on an account).
 */
export async function checkServicePrincipal(
  sp: ServicePrincipalSettings,
  opts: AadOptions = {},
): Promise<CredentialCheck<"AZURE_SERVICE_PRINCIPAL">> {
  const redact = redactSecrets([sp.clientSecret]);
  const credential = new ServicePrincipalCredential(sp, opts);
  const who = `application ${sp.clientId} in tenant ${sp.tenantId}`;
  const group = `resource group ${sp.resourceGroup} of subscription ${sp.subscriptionId}`;
  try {
    const r = await armCall(credential, sp, "GET", `${rgPath(sp)}?api-version=${RESOURCE_GROUPS_API}`, opts);
    if (r.status === 200) return { ok: true, message: `Signed in as ${who}; it may read ${group}` };
    const why = `${r.code ?? `HTTP ${r.status}`}${r.message ? `: ${r.message}` : ""}`;
    if (r.status === 404)
      return {
        ok: false,
        failure: "NoSuchBucket",
        message:
          r.code === "SubscriptionNotFound"
            ? `Signed in as ${who}, but subscription ${sp.subscriptionId} was not found (${why})`
            : `Signed in as ${who}, but there is no ${group} (${why})`,
      };
    if (r.status === 403)
      return {
        ok: true,
        message:
          `Signed in as ${who}. It may not read ${group} (${r.code ?? "403"}): enough for locations that use an ` +
          "Entra ID token (Storage Blob Data Contributor on the account); reading the account keys needs ListKeys there",
      };
    return { ok: false, failure: "Other", message: redact(`Azure Resource Manager refused to read ${group} (${why})`) };
  } catch (e) {
    if (e instanceof AadError) return { ok: false, failure: e.failure, message: redact(e.message) };
    return { ok: false, failure: "Other", message: `Signing in as ${who} failed` };
  }
}

/**
 * A storage account's first full-permission key, read through Azure Resource Manager as Velero's plugin does without
 * useAAD. Throws an AadError that says what to grant or fix; the message never holds a key or the secret.
 */
export async function listAccountKey(
  credential: ServicePrincipalCredential,
  sp: ServicePrincipal,
  account: { subscriptionId: string; resourceGroup: string; accountName: string },
  opts: AadOptions = {},
): Promise<string> {
  const path =
    `${rgPath(account)}/providers/Microsoft.Storage/storageAccounts/${encodeURIComponent(account.accountName)}` +
    `/listKeys?api-version=${STORAGE_API}`;
  const where = `storage account ${account.accountName} in resource group ${account.resourceGroup} of subscription ${account.subscriptionId}`;
  const r = await armCall(credential, sp, "POST", path, opts);
  const why = `${r.code ?? `HTTP ${r.status}`}${r.message ? `: ${r.message}` : ""}`;
  if (r.status === 200) {
    const keys = Array.isArray(r.body.keys) ? (r.body.keys as { value?: unknown; permissions?: unknown }[]) : [];
    const full = keys.find((k) => typeof k.value === "string" && String(k.permissions).toUpperCase() === "FULL");
    if (full) return full.value as string;
    throw new AadError("AccessDenied", `Azure Resource Manager listed no full-access key of ${where}`);
  }
  if (r.status === 404)
    throw new AadError("NoSuchBucket", `Azure Resource Manager knows no ${where} (${why})`, r.code, r.status);
  if (r.status === 403)
    throw new AadError(
      "AccessDenied",
      `The service principal may not read the keys of ${where} (${r.code ?? "403"}): grant it a role with ` +
        "Microsoft.Storage/storageAccounts/listKeys/action (e.g. Storage Account Key Operator Service Role), or use " +
        "an Entra ID token instead",
      r.code,
      r.status,
    );
  if (r.code === "KeyBasedAuthenticationNotPermitted" || r.status === 409)
    throw new AadError("AccessDenied", `The ${where} does not allow account keys (${why}): use an Entra ID token`);
  throw new AadError("Other", `Azure Resource Manager could not list the keys of ${where} (${why})`, r.code, r.status);
}
