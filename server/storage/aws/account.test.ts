import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { refusedError } from "../../security/outbound";
import {
  checkAwsAccount,
  classifyAccountError,
  type AccountFailure,
  type AccountFailureContext,
  type AccountStep,
} from "./account";

// Errors shaped as @aws-sdk/client-sts and Node's sockets throw them: service errors carry their code as `name` and the
// HTTP status in $metadata; socket errors carry `code`, sometimes under a cause.
const stsError = (name: string, status: number, message = "UnknownError") =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

const ROLE = "arn:aws:iam::123456789012:role/lifeboat-provisioner";
const ctx = (step: AccountStep, more: Partial<AccountFailureContext> = {}): AccountFailureContext => ({
  step,
  endpoint: "",
  region: "eu-west-1",
  keyId: "AKIA…MPLE",
  timeoutMs: 8_000,
  ...(step === "assume" ? { roleArn: ROLE, keyOwner: "the source credential's" } : {}),
  ...more,
});

describe("classifyAccountError", () => {
  it.each<[string, unknown, AccountFailureContext, AccountFailure, RegExp]>([
    [
      "an unknown access key id",
      stsError("InvalidClientTokenId", 403, "The security token included in the request is invalid."),
      ctx("identity"),
      "InvalidCredentials",
      /^AWS does not know this access key id \(AKIA…MPLE; InvalidClientTokenId\): check the access key id$/,
    ],
    [
      "an unknown source key when assuming a role",
      stsError("InvalidClientTokenId", 403),
      ctx("assume"),
      "InvalidCredentials",
      /^AWS does not know this access key id \(AKIA…MPLE, the source credential's; InvalidClientTokenId\)/,
    ],
    [
      "an unknown key at an AWS-compatible endpoint",
      stsError("InvalidClientTokenId", 403),
      ctx("identity", { endpoint: "http://127.0.0.1:4566" }),
      "InvalidCredentials",
      /^The AWS API at http:\/\/127\.0\.0\.1:4566 does not know this access key id/,
    ],
    [
      "a wrong secret",
      stsError("SignatureDoesNotMatch", 403, "The request signature we calculated does not match"),
      ctx("identity"),
      "InvalidCredentials",
      /^The secret access key is wrong: it does not belong to the access key id AKIA…MPLE \(SignatureDoesNotMatch\)$/,
    ],
    [
      "a signature that expired (the clocks differ)",
      stsError("SignatureDoesNotMatch", 403, "Signature expired: 20261205T000000Z is now earlier than …"),
      ctx("identity"),
      "Other",
      /clocks of Lifeboat and AWS STS \(eu-west-1\) differ by more than 15 minutes/,
    ],
    [
      "a request that expired",
      stsError("RequestExpired", 400),
      ctx("assume"),
      "Other",
      /clocks .* \(RequestExpired\): fix the server's time/,
    ],
    [
      "AccessDenied on AssumeRole: the trust policy or the external id",
      stsError("AccessDenied", 403, "User: arn:aws:iam::123456789012:user/source is not authorized to perform"),
      ctx("assume"),
      "AccessDenied",
      new RegExp(
        `^The role ${ROLE.replace(/[/.]/g, "\\$&")} does not trust this principal, or the external id is wrong \\(AccessDenied\\)`,
      ),
    ],
    [
      "a 403 without a code on AssumeRole",
      stsError("Unknown", 403),
      ctx("assume"),
      "AccessDenied",
      /does not trust this principal, or the external id is wrong/,
    ],
    [
      "AccessDenied on GetCallerIdentity (an organization policy)",
      stsError("AccessDenied", 403),
      ctx("identity"),
      "AccessDenied",
      /^The keys AKIA…MPLE may not ask STS whose keys these are \(GetCallerIdentity\) at AWS STS \(eu-west-1\) \(AccessDenied\)/,
    ],
    [
      "an expired session token",
      stsError("ExpiredToken", 400),
      ctx("identity", { keyId: "ASIA…TEMP", keyOwner: "the role's temporary keys" }),
      "InvalidCredentials",
      /refused the keys ASIA…TEMP, the role's temporary keys \(ExpiredToken\)/,
    ],
    [
      "STS not activated in the region",
      stsError("RegionDisabledException", 403),
      ctx("assume"),
      "Other",
      /^STS is not activated in eu-west-1 for this account/,
    ],
    [
      "the outbound path refused the address",
      Object.assign(new Error("socket"), { cause: refusedError("169.254.169.254 is a link-local (metadata) address") }),
      ctx("identity", { endpoint: "http://169.254.169.254" }),
      "Unreachable",
      /^Lifeboat will not connect to the AWS API at http:\/\/169\.254\.169\.254: 169\.254\.169\.254 is a link-local/,
    ],
    [
      "connection refused",
      socketError("ECONNREFUSED"),
      ctx("identity", { endpoint: "http://127.0.0.1:1" }),
      "Unreachable",
      /^Nothing answers at the AWS API at http:\/\/127\.0\.0\.1:1 \(connection refused\)/,
    ],
    [
      "a name that does not resolve",
      Object.assign(new Error("wrapped"), { cause: socketError("ENOTFOUND") }),
      ctx("identity"),
      "Unreachable",
      /^The host of AWS STS \(eu-west-1\) could not be resolved \(ENOTFOUND\)$/,
    ],
    [
      "the SDK's deadline",
      Object.assign(new Error("a request has exceeded the configured 8000 ms requestTimeout"), {
        name: "TimeoutError",
        code: "ETIMEDOUT",
      }),
      ctx("assume", { endpoint: "https://sts.example.com" }),
      "Timeout",
      new RegExp(
        `^The AWS API at https://sts\\.example\\.com did not answer within 8 s when Lifeboat tried to assume the role ${ROLE.replace(/[/.]/g, "\\$&")}$`,
      ),
    ],
    [
      "an untrusted certificate",
      socketError("SELF_SIGNED_CERT_IN_CHAIN"),
      ctx("identity", { endpoint: "https://sts.example.com" }),
      "TLS",
      /certificate of the AWS API at https:\/\/sts\.example\.com is not trusted/,
    ],
    [
      "anything else, with its code and status",
      stsError("ValidationError", 400, "1 validation error detected: Value at 'roleArn' failed"),
      ctx("assume"),
      "Other",
      /^Lifeboat could not assume the role .* at AWS STS \(eu-west-1\): 1 validation error detected.* \(ValidationError, HTTP 400\)$/,
    ],
  ])("%s", (_label, error, context, failure, message) => {
    const c = classifyAccountError(error, context);
    expect(c.failure).toBe(failure);
    expect(c.message).toMatch(message);
  });
});

describe("checkAwsAccount on the wire", () => {
  const keys = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  const listen = async (onConnection: (s: net.Socket) => void) => {
    const server = net.createServer((s) => {
      sockets.push(s);
      onConnection(s);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  };
  const loopback = process.env.LIFEBOAT_ALLOW_LOOPBACK;
  afterEach(async () => {
    if (loopback === undefined) delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    else process.env.LIFEBOAT_ALLOW_LOOPBACK = loopback;
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it("refuses a metadata endpoint before connecting", async () => {
    const r = await checkAwsAccount({ endpoint: "http://169.254.169.254", region: "us-east-1" }, keys);
    expect(r).toMatchObject({ ok: false, failure: "Unreachable" });
    expect(!r.ok && r.message).toMatch(/^Lifeboat will not connect to http:\/\/169\.254\.169\.254: .*metadata/);
  });

  it("refuses loopback unless LIFEBOAT_ALLOW_LOOPBACK=1", async () => {
    delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    const endpoint = await listen((s) => s.destroy());
    const r = await checkAwsAccount({ endpoint, region: "us-east-1" }, keys);
    expect(r).toMatchObject({ ok: false, failure: "Unreachable" });
    expect(!r.ok && r.message).toMatch(/loopback/);
  });

  it("says nothing answers at a closed port", async () => {
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    const endpoint = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const r = await checkAwsAccount({ endpoint, region: "us-east-1" }, keys);
    expect(r).toMatchObject({ ok: false, failure: "Unreachable" });
    expect(!r.ok && r.message).toContain("connection refused");
  });

  it("gives up at its deadline when the endpoint never answers, and never shows the secret or the external id", async () => {
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    const endpoint = await listen(() => {}); // accepts, reads, never answers
    const role = { roleArn: ROLE, externalId: "the-external-id", sessionName: "lifeboat" };
    const r = await checkAwsAccount({ endpoint, region: "us-east-1" }, keys, role, { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, failure: "Timeout" });
    expect(!r.ok && r.message).toMatch(/did not answer within 0\.3 s when Lifeboat tried to assume the role/);
    expect(JSON.stringify(r)).not.toContain(keys.secretAccessKey);
    expect(JSON.stringify(r)).not.toContain("the-external-id");
  });
});
