import http from "node:http";
import https from "node:https";
import { describe, expect, it } from "vitest";
import { s3ClientConfig } from "../s3";
import { awsClientConfig, DEFAULT_AWS_TIMEOUT_MS } from "./clients";

const keys = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

describe("awsClientConfig", () => {
  it("gives one attempt, the outbound path's agents and the deadline, and no endpoint for AWS itself", () => {
    const c = awsClientConfig({ credentials: keys, region: "eu-west-1" });
    expect(c).toEqual({
      region: "eu-west-1",
      credentials: keys,
      maxAttempts: 1,
      requestHandler: {
        httpAgent: expect.any(http.Agent),
        httpsAgent: expect.any(https.Agent),
        connectionTimeout: DEFAULT_AWS_TIMEOUT_MS,
        requestTimeout: DEFAULT_AWS_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
    expect("endpoint" in c).toBe(false);
    // Without keep-alive: nothing stays open once a client is done.
    expect(c.requestHandler.httpsAgent.options.keepAlive).toBe(false);
  });

  it("takes an endpoint, a deadline and more attempts when asked, and an empty endpoint means AWS", () => {
    const c = awsClientConfig({
      credentials: keys,
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
      timeoutMs: 1_500,
      maxAttempts: 3,
    });
    expect(c).toMatchObject({
      endpoint: "http://127.0.0.1:4566",
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 1_500, requestTimeout: 1_500 },
    });
    expect("endpoint" in awsClientConfig({ credentials: keys, region: "us-east-1", endpoint: "" })).toBe(false);
  });

  it("copies static keys (the SDK tags the object it gets) and passes a provider as it is", () => {
    const c = awsClientConfig({ credentials: keys, region: "us-east-1" });
    expect(c.credentials).toEqual(keys);
    expect(c.credentials).not.toBe(keys);
    const provider = async () => keys;
    expect(awsClientConfig({ credentials: provider, region: "us-east-1" }).credentials).toBe(provider);
  });

  it("gives its agents the TLS options it is given (a location's CA bundle)", () => {
    const c = awsClientConfig({ credentials: keys, region: "us-east-1", tls: { ca: "PEM" } });
    expect(c.requestHandler.httpsAgent.options.ca).toBe("PEM");
  });
});

describe("s3ClientConfig", () => {
  it("asks for checksums only when S3 requires them, and only at a custom endpoint", () => {
    const custom = s3ClientConfig(
      { bucket: "b", endpoint: "https://minio.example.com", pathStyle: true },
      keys,
      "us-east-1",
      8_000,
    );
    expect(custom).toMatchObject({
      endpoint: "https://minio.example.com",
      forcePathStyle: true,
      followRegionRedirects: false,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1,
    });
    // AWS S3 itself keeps the SDK's checksums: a PutObject into a bucket with object lock needs one.
    const aws = s3ClientConfig({ bucket: "b", region: "eu-west-1" }, keys, "eu-west-1", 8_000);
    expect(aws).not.toHaveProperty("requestChecksumCalculation");
    expect(aws).not.toHaveProperty("responseChecksumValidation");
    expect(aws).not.toHaveProperty("endpoint");
  });

  it("follows AWS's region redirect only when the location names no region, and uses the CA bundle", () => {
    expect(s3ClientConfig({ bucket: "b" }, keys, "us-east-1", 8_000).followRegionRedirects).toBe(true);
    expect(s3ClientConfig({ bucket: "b", region: "eu-west-1" }, keys, "eu-west-1", 8_000).followRegionRedirects).toBe(
      false,
    );
    const withCa = s3ClientConfig({ bucket: "b", endpoint: "https://ceph", caBundle: "PEM" }, keys, "us-east-1", 2_000);
    const handler = withCa.requestHandler as ReturnType<typeof awsClientConfig>["requestHandler"];
    expect(handler.httpsAgent.options.ca).toBe("PEM");
    expect(handler.requestTimeout).toBe(2_000);
  });
});
