import { azureEndpointProblem, blobServiceClient, DEFAULT_AZURE_TIMEOUT_MS, shownEndpoint } from "./client";
import { classifyAzureError } from "./probe";
import type { CredentialCheck } from "../providers/types";
import { redactSecrets } from "../probe-steps";

// Checking an Azure storage account key when it is saved, before any location uses it: one call that needs the key and
// no container (Get Account Information), on the outbound path. A location's probe then proves the container.

export async function checkAzureAccountKey(
  account: { endpoint: string; accountName: string },
  key: { accountKey: string },
  opts: { timeoutMs?: number } = {},
): Promise<CredentialCheck<"AZURE_STORAGE_KEY">> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AZURE_TIMEOUT_MS;
  const redact = redactSecrets([key.accountKey]);
  const refusal = await azureEndpointProblem(account.endpoint);
  if (refusal) return { ok: false, failure: "Other", message: refusal };
  const where = shownEndpoint(new URL(account.endpoint));
  try {
    const info = await (await blobServiceClient({ ...account, ...key, timeoutMs })).getAccountInfo();
    return {
      ok: true,
      message: `The key opens storage account ${account.accountName} at ${where}${info.accountKind ? ` (${info.accountKind})` : ""}`,
    };
  } catch (e) {
    const c = classifyAzureError(e, {
      step: "head",
      container: "",
      accountName: account.accountName,
      endpoint: where,
      timeoutMs,
    });
    // The probe's words name a container; here there is none, only the account.
    return {
      ok: false,
      failure: c.failure,
      message: redact(c.message.replace(/read the container "" of /, "read ")),
    };
  }
}
