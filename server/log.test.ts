import { describe, expect, it } from "vitest";
import { createLogger, formatPretty } from "./log";

describe("logger", () => {
  it("redacts secret fields at any level we log them", () => {
    const lines: string[] = [];
    const log = createLogger((s) => lines.push(s), { level: "info" });
    log.info(
      {
        password: "hunter2hunter2",
        input: { password: "p4ss", kubeconfig: "apiVersion: v1", accountKey: "Eby8vd" },
        creds: { secretAccessKey: "wJalr", accountKey: "K3yZ" },
        token: "eyJ",
      },
      "creating",
    );
    const out = lines.join("");
    for (const secret of ["hunter2hunter2", "p4ss", "apiVersion: v1", "Eby8vd", "wJalr", "K3yZ", "eyJ"])
      expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
    expect(JSON.parse(lines[0]).msg).toBe("creating");
  });

  it("redacts an AWS role's external id and the SDK's shapes of secret keys and session tokens", () => {
    const lines: string[] = [];
    const log = createLogger((s) => lines.push(s), { level: "info" });
    log.info(
      {
        externalId: "ext-top",
        input: { kind: "AWS_ACCOUNT_ROLE", externalId: "ext-input", roleArn: "arn:aws:iam::123456789012:role/r" },
        role: { externalId: "ext-nested", sessionToken: "tok-camel" },
        // IAM CreateAccessKey's AccessKey and STS AssumeRole's Credentials, as the SDK returns them.
        AccessKey: { AccessKeyId: "AKIAEXAMPLEEXAMPLE", SecretAccessKey: "iam-secret" },
        Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "sts-secret", SessionToken: "sts-token" },
        SecretAccessKey: "top-secret",
        SessionToken: "top-token",
      },
      "assuming",
    );
    const out = lines.join("");
    for (const secret of [
      "ext-top",
      "ext-input",
      "ext-nested",
      "tok-camel",
      "iam-secret",
      "sts-secret",
      "sts-token",
      "top-secret",
      "top-token",
    ])
      expect(out).not.toContain(secret);
    // What names the principal stays readable.
    expect(out).toContain("arn:aws:iam::123456789012:role/r");
    expect(out).toContain("AKIAEXAMPLEEXAMPLE");
  });

  it("redacts an Azure service principal's client secret, and keeps who it is readable", () => {
    const lines: string[] = [];
    const log = createLogger((s) => lines.push(s), { level: "info" });
    log.info(
      {
        clientSecret: "sp-top~secret",
        input: {
          kind: "AZURE_SERVICE_PRINCIPAL",
          clientId: "66666666-7777-8888-9999-000000000000",
          clientSecret: "sp-in",
        },
        form: { client_secret: "sp-form" },
      },
      "checking",
    );
    const out = lines.join("");
    for (const secret of ["sp-top~secret", "sp-in", "sp-form"]) expect(out).not.toContain(secret);
    expect(out).toContain("66666666-7777-8888-9999-000000000000");
  });

  it("formats a readable line for development", () => {
    const line = formatPretty(
      JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 0), msg: "hello", path: "team.create" }),
    );
    expect(line).toBe("12:00:00.000 WARN hello  path=team.create\n");
  });
});
