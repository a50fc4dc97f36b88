import { describe, expect, it } from "vitest";
import { awsS3Config, locationCreateInput, s3CompatibleConfig } from "@/lib/schemas/locations";
import { awsS3Provider, bslConfigFor, checkAwsBslConfig, s3CompatibleProvider } from "./s3";
import { ProviderError } from "./types";

// The S3 driver: what an AWS S3 or S3-compatible location becomes for velero-plugin-for-aws (velero-api.md §6.1).
const S3_KEY = "S3RVER";
const keys = { kind: "AWS_ACCESS_KEY" as const, accessKeyId: S3_KEY, secretAccessKey: S3_KEY };
const ceph = s3CompatibleConfig.parse({
  provider: "S3_COMPATIBLE",
  bucket: "velero",
  prefix: "cluster-a/",
  endpoint: "https://ceph.example.com",
  pathStyle: true,
});

/** The error `fn` throws (it must throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a refusal");
}

// The BackupStorageLocation config a target location becomes (velero-plugin-for-aws keys, velero-api.md §6.1).
describe("bslConfigFor", () => {
  it.each([
    [
      "AWS S3 keeps the plugin's default checksums",
      { provider: "AWS_S3", region: "eu-west-1", endpoint: "", pathStyle: false },
      { region: "eu-west-1" },
    ],
    [
      "AWS S3 through an endpoint, path-style",
      { provider: "AWS_S3", region: "", endpoint: "https://s3.eu-west-1.amazonaws.com", pathStyle: true },
      { region: "us-east-1", s3Url: "https://s3.eu-west-1.amazonaws.com", s3ForcePathStyle: "true" },
    ],
    [
      "an S3-compatible store turns CRC32 checksums off",
      { provider: "S3_COMPATIBLE", region: "", endpoint: "https://ceph.example.com", pathStyle: true },
      { region: "us-east-1", s3Url: "https://ceph.example.com", s3ForcePathStyle: "true", checksumAlgorithm: "" },
    ],
    [
      "an S3-compatible store with virtual-hosted buckets",
      {
        provider: "S3_COMPATIBLE",
        region: "us-west-002",
        endpoint: "https://s3.us-west-002.backblazeb2.com",
        pathStyle: false,
      },
      { region: "us-west-002", s3Url: "https://s3.us-west-002.backblazeb2.com", checksumAlgorithm: "" },
    ],
  ] as const)("%s", (_what, location, config) => {
    expect(bslConfigFor(location)).toEqual(config);
  });
});

describe("the S3 drivers", () => {
  it("serve their kinds with an access key pair through velero-plugin-for-aws", () => {
    for (const [p, kind] of [
      [awsS3Provider, "AWS_S3"],
      [s3CompatibleProvider, "S3_COMPATIBLE"],
    ] as const) {
      expect(p.kind).toBe(kind);
      expect(p.credentialKinds).toEqual(["AWS_ACCESS_KEY"]);
      expect(p.requiredPlugin).toBe("velero/velero-plugin-for-aws");
    }
  });

  it("turn a location into the provider half of a BackupStorageLocation", () => {
    expect(s3CompatibleProvider.backupStorageLocation(ceph)).toEqual({
      provider: "aws",
      objectStorage: { bucket: "velero", prefix: "cluster-a" },
      config: {
        region: "us-east-1",
        s3Url: "https://ceph.example.com",
        s3ForcePathStyle: "true",
        checksumAlgorithm: "",
      },
    });
    const aws = awsS3Config.parse({
      provider: "AWS_S3",
      bucket: "backups",
      region: "eu-west-1",
      caBundle: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    });
    expect(awsS3Provider.backupStorageLocation(aws)).toEqual({
      provider: "aws",
      objectStorage: { bucket: "backups", caCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" },
      config: { region: "eu-west-1" },
    });
  });

  it("write the AWS credentials file and name the secrets in it", () => {
    expect(s3CompatibleProvider.credentialsFile(keys, ceph)).toEqual({
      content: `[default]\naws_access_key_id=${S3_KEY}\naws_secret_access_key=${S3_KEY}\n`,
      secrets: [S3_KEY, S3_KEY],
    });
  });

  it("refuse what Velero would reject, without quoting a key", () => {
    const secretKey = "super-secret\nvalue-0123456789";
    const e1 = thrown(() => s3CompatibleProvider.credentialsFile({ ...keys, secretAccessKey: secretKey }, ceph));
    expect(e1).toBeInstanceOf(ProviderError);
    expect(e1.message).toBe("The secret access key must be a single line without surrounding spaces");
    const e3 = thrown(() => checkAwsBslConfig({ endpoint: "http://x" }));
    expect(e3.message).toMatch(/^The config key endpoint is not one velero-plugin-for-aws accepts/);
    expect(thrown(() => checkAwsBslConfig({ profile: "no spaces please" })).message).toBe(
      'The profile "no spaces please" is not a valid AWS profile name',
    );
  });

  it("describe where a location points", () => {
    expect(s3CompatibleProvider.describe(ceph)).toBe("s3://velero/cluster-a · https://ceph.example.com");
    expect(
      awsS3Provider.describe(awsS3Config.parse({ provider: "AWS_S3", bucket: "backups", region: "eu-west-1" })),
    ).toBe("s3://backups/ · eu-west-1");
  });

  it("explain a probe that did not reach the bucket, and never connect where the outbound policy forbids", async () => {
    const metadata = s3CompatibleConfig.parse({ ...ceph, endpoint: "http://169.254.169.254" });
    const r = await s3CompatibleProvider.probe(metadata, keys);
    expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
    expect(r.message).toMatch(
      /^The bucket could not be used \(Other\): Lifeboat will not connect to http:\/\/169\.254/,
    );
  });
});

// The form's fields and messages stay as they were: the location input is a union on the provider, flat.
describe("the location input", () => {
  const base = { name: "primary", credentialId: "c1", bucket: "velero" };
  const issues = (v: unknown) =>
    locationCreateInput.safeParse(v).error?.issues.map((i) => [i.path.join("."), i.message]) ?? [];

  it.each([
    [{ ...base, provider: "AWS_S3" }, [["region", "AWS S3 needs the bucket's region"]]],
    [{ ...base, provider: "S3_COMPATIBLE" }, [["endpoint", "S3-compatible storage needs its endpoint URL"]]],
    [
      { ...base, provider: "S3_COMPATIBLE", endpoint: "https://x", caBundle: "not pem" },
      [["caBundle", "The CA bundle must be PEM certificates"]],
    ],
    [
      { ...base, provider: "AWS_S3", region: "eu-west-1", bucket: "Bad_Bucket" },
      [["bucket", "Lowercase letters, digits, '.' and '-'"]],
    ],
    [
      { ...base, provider: "AWS_S3", region: "eu-west-1", prefix: "/abs" },
      [["prefix", "No leading '/' and no spaces"]],
    ],
    [
      { ...base, provider: "GCS" },
      [["provider", "Invalid discriminator value. Expected 'AWS_S3' | 'S3_COMPATIBLE' | 'AZURE_BLOB'"]],
    ],
  ])("%j → %j", (input, expected) => expect(issues(input)).toEqual(expected));

  it("defaults and trims what the form leaves out", () => {
    expect(
      locationCreateInput.parse({
        ...base,
        provider: "S3_COMPATIBLE",
        endpoint: "https://x",
        prefix: "a/b/",
        caBundle: " ",
      }),
    ).toEqual({
      ...base,
      provider: "S3_COMPATIBLE",
      endpoint: "https://x",
      prefix: "a/b",
      region: "",
      pathStyle: false,
      caBundle: undefined,
    });
  });
});

// Where Velero's files of an S3 location live (#14 §3): two locations with the same key share them.
describe("the storage key of an S3 location", () => {
  const key = (c: Record<string, unknown>) =>
    (c.provider === "AWS_S3" ? awsS3Provider : s3CompatibleProvider).storageKey(
      (c.provider === "AWS_S3" ? awsS3Config : s3CompatibleConfig).parse(c) as never,
    );
  const minio = {
    provider: "S3_COMPATIBLE",
    bucket: "velero",
    prefix: "team-a",
    endpoint: "https://minio.example.com",
  };

  it("is the endpoint's host and path, the bucket and the prefix without its slashes", () => {
    expect(key(minio)).toBe("s3:minio.example.com/velero/team-a");
    expect(key({ ...minio, prefix: "" })).toBe("s3:minio.example.com/velero/");
    expect(key({ ...minio, endpoint: "https://gw.example.com/s3/" })).toBe("s3:gw.example.com/s3/velero/team-a");
  });

  it("counts a prefix with or without a trailing slash, the endpoint's scheme, case, default port and trailing slash the same", () => {
    for (const same of [
      { prefix: "team-a/" },
      { endpoint: "http://minio.example.com" },
      { endpoint: "https://MINIO.Example.com/" },
      { endpoint: "https://minio.example.com:443" },
    ])
      expect(key({ ...minio, ...same })).toBe(key(minio));
    // A stored config from before prefixes were trimmed: the key strips slashes on both ends itself.
    expect(s3CompatibleProvider.storageKey({ ...ceph, prefix: "/cluster-a/" })).toBe(
      s3CompatibleProvider.storageKey(ceph),
    );
  });

  it("tells apart another prefix, bucket, store or port, and a prefix's case", () => {
    for (const other of [
      { prefix: "team-b" },
      { prefix: "team-a/sub" },
      { prefix: "Team-A" },
      { bucket: "velero-2" },
      { endpoint: "https://ceph.example.com" },
      { endpoint: "https://minio.example.com:9000" },
    ])
      expect(key({ ...minio, ...other })).not.toBe(key(minio));
  });

  it("puts AWS S3 without an endpoint at aws, whose bucket names are global, apart from an S3-compatible store", () => {
    const aws = { provider: "AWS_S3", bucket: "velero", prefix: "team-a", region: "eu-west-1" };
    expect(key(aws)).toBe("s3:aws/velero/team-a");
    expect(key({ ...aws, region: "us-east-1" })).toBe(key(aws));
    // A regional endpoint reaches the same bucket.
    expect(key({ ...aws, endpoint: "https://s3.eu-west-1.amazonaws.com" })).toBe(key(aws));
    expect(key(aws)).not.toBe(key(minio));
  });

  it("puts an S3-compatible location at aws when its endpoint is AWS's own (regional, FIPS, dual-stack), not a look-alike", () => {
    const aws = key({ provider: "AWS_S3", bucket: "velero", prefix: "team-a", region: "eu-west-1" });
    const at = (endpoint: string) => key({ ...minio, endpoint });
    for (const endpoint of [
      "https://s3.eu-west-1.amazonaws.com",
      "https://S3.amazonaws.com/",
      "https://s3-fips.us-east-1.amazonaws.com",
      "https://s3.dualstack.eu-west-1.amazonaws.com",
    ])
      expect(at(endpoint), endpoint).toBe(aws);
    for (const endpoint of ["https://amazonaws.com.example.com", "https://notamazonaws.com", "https://s3.example.com"])
      expect(at(endpoint), endpoint).not.toBe(aws);
    // China's partition has bucket names of its own.
    expect(at("https://s3.cn-north-1.amazonaws.com.cn")).toBe("s3:aws-cn/velero/team-a");
  });
});
