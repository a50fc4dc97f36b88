import { describe, expect, it } from "vitest";
import { caBundleProblem, foreignFolders, keyPrefix, maskKeyId, probeS3Location } from "./s3";

describe("maskKeyId", () => {
  it.each([
    ["AKIAIOSFODNN7EXAMPLE", "AKIA…MPLE"],
    ["ASIAXXXXXXXXXXXXWXYZ", "ASIA…WXYZ"],
    ["  AKIAIOSFODNN7EXAMPLE\n", "AKIA…MPLE"],
    ["123456789012", "1234…9012"],
    ["12345678901", "****"],
    ["S3RVER", "****"],
    ["minio", "****"],
    ["", "****"],
  ])("%j → %s", (id, masked) => expect(maskKeyId(id)).toBe(masked));

  it("never shows the middle of an id", () => {
    const id = "AKIAIOSFODNN7EXAMPLE";
    expect(maskKeyId(id)).not.toContain(id.slice(4, -4));
  });
});

describe("keyPrefix", () => {
  it.each([
    [undefined, ""],
    ["", ""],
    ["/", ""],
    ["cluster-a", "cluster-a/"],
    ["cluster-a/", "cluster-a/"],
    ["team/cluster-a//", "team/cluster-a/"],
  ])("%j → %j", (prefix, base) => expect(keyPrefix(prefix)).toBe(base));
});

describe("foreignFolders", () => {
  it.each([
    [[], []],
    [["backups", "restores", "restic", "metadata", "plugins", "kopia"], []],
    [["backups", "photos"], ["photos"]],
    [
      ["zeta", "backups", "alpha", "zeta"],
      ["alpha", "zeta"],
    ],
    [["Backups"], ["Backups"]],
  ])("%j → %j", (folders, foreign) => expect(foreignFolders(folders)).toEqual(foreign));
});

// A throwaway self-signed certificate (CN=lifeboat-probe-test; its key was discarded), test material only.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBkjCCATegAwIBAgIUNtJ0Rd7hCPT/PcT8e/Y1uu7CtzowCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTbGlmZWJvYXQtcHJvYmUtdGVzdDAeFw0yNjExMjMxODQ3NTha
Fw0zNjExMjAxODQ3NThaMB4xHDAaBgNVBAMME2xpZmVib2F0LXByb2JlLXRlc3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATbijvxLscEQTHhngzfLHrey3NSx8fY
L93C1mZ93C41k7/F+jfjKE7NJIajjCIEFAT/CU5491/7QsMA0b2nV6UQo1MwUTAd
BgNVHQ4EFgQUq0h+ye1/dNyiRd53VqsCBtjyN4MwHwYDVR0jBBgwFoAUq0h+ye1/
dNyiRd53VqsCBtjyN4MwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
AiEAxZs/2c540z6kpEZIQTFL9WoWHyWHv+Wlc9ZgLXesuHwCIQDEpImH/GrGVIQs
1jLKj9Z0VwVMqA/FmULoTou32v6BrQ==
-----END CERTIFICATE-----`;

describe("caBundleProblem", () => {
  it("accepts one or more PEM certificates", () => {
    expect(caBundleProblem(CERT)).toBeNull();
    expect(caBundleProblem(`${CERT}\n${CERT}\n`)).toBeNull();
  });

  it("refuses text without a PEM certificate", () => {
    expect(caBundleProblem("not a certificate")).toMatch(/no PEM certificate/);
  });

  it("refuses a PEM block that does not parse", () => {
    expect(caBundleProblem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).toMatch(
      /Certificate 1 .* not a valid/,
    );
  });

  it("names which certificate of a bundle is broken", () => {
    expect(caBundleProblem(`${CERT}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`)).toMatch(
      /Certificate 2 /,
    );
  });
});

describe("probeS3Location before connecting", () => {
  const keys = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

  it("refuses an endpoint the outbound policy refuses, with its reason", async () => {
    const r = await probeS3Location({ bucket: "b", endpoint: "http://169.254.169.254", pathStyle: true }, keys);
    expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
    expect(!r.ok && r.message).toMatch(/169\.254\.169\.254.*metadata/);
  });

  it("refuses a scheme other than http(s)", async () => {
    const r = await probeS3Location({ bucket: "b", endpoint: "ftp://203.0.113.10", pathStyle: true }, keys);
    expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
  });

  it("refuses a CA bundle that is not PEM as a TLS failure, without connecting", async () => {
    const r = await probeS3Location(
      { bucket: "b", endpoint: "https://203.0.113.10", pathStyle: true, caBundle: "garbage" },
      keys,
    );
    expect(r).toMatchObject({ ok: false, failure: "TLS", steps: [] });
    expect(!r.ok && r.message).toMatch(/CA bundle.*203\.0\.113\.10/);
  });
});
