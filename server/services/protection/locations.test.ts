import { describe, expect, it } from "vitest";
import { bslConfigFor } from "./locations";

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
