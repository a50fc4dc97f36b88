import { randomUUID } from "node:crypto";
import net from "node:net";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { testSandbox } from "../testing/sandbox";
import { probeS3Location, type S3Location } from "./s3";

// The probe against the sandbox's S3 emulator (s3rver, plain HTTP on 127.0.0.1), reached over the network as a real
// bucket would be. s3rver checks access key IDs but not signatures or permissions, so AccessDenied and
// SignatureDoesNotMatch are pinned by the unit tests of s3-failures.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const s3 = testSandbox().s3;
const keys = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
const location = (more: Partial<S3Location> = {}): S3Location => ({
  bucket: "lifeboat-backups",
  endpoint: s3.endpoint,
  region: s3.region,
  pathStyle: true,
  ...more,
});
const freshPrefix = () => `probe-test/${randomUUID()}`;

// The test's own client, to arrange and inspect the bucket.
const admin = new S3Client({
  region: s3.region,
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: keys,
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const put = (key: string) => admin.send(new PutObjectCommand({ Bucket: "lifeboat-backups", Key: key, Body: "x" }));
const keysUnder = async (prefix: string) =>
  (
    (await admin.send(new ListObjectsV2Command({ Bucket: "lifeboat-backups", Prefix: `${prefix}/` }))).Contents ?? []
  ).map((o) => o.Key);

afterAll(() => admin.destroy());

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("probeS3Location against s3rver", () => {
  it("passes a good location with a fresh prefix in four steps and leaves nothing behind", async () => {
    const prefix = freshPrefix();
    const r = await probeS3Location(location({ prefix }), keys);
    expect(r).toEqual({ ok: true, steps: expect.any(Array) });
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ["head", true],
      ["list", true],
      ["write", true],
      ["delete", true],
    ]);
    for (const s of r.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it("passes a prefix that holds only Velero's folders", async () => {
    const prefix = freshPrefix();
    await put(`${prefix}/backups/nightly-1/velero-backup.json`);
    await put(`${prefix}/kopia/app/kopia.repository`);
    const r = await probeS3Location(location({ prefix: `${prefix}/` }), keys);
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.step === "list")?.message).toBe("Velero folders present: backups, kopia");
    expect((await keysUnder(prefix)).sort()).toEqual([
      `${prefix}/backups/nightly-1/velero-backup.json`,
      `${prefix}/kopia/app/kopia.repository`,
    ]);
  });

  it("refuses a prefix that holds a folder Velero does not own, naming it, and writes nothing", async () => {
    const prefix = freshPrefix();
    await put(`${prefix}/photos/cat.jpg`);
    await put(`${prefix}/backups/nightly-1/velero-backup.json`);
    const r = await probeS3Location(location({ prefix }), keys);
    expect(r).toMatchObject({ ok: false, failure: "ForeignData" });
    if (r.ok) return;
    expect(r.message).toContain("folders that are not Velero's: photos. ");
    expect(r.message).toContain(`"${prefix}/"`);
    expect(r.message).toContain("Unavailable");
    expect(r.steps.map((s) => [s.step, s.ok, s.message])).toEqual([
      ["head", true, undefined],
      ["list", false, "Folders that are not Velero's: photos"],
    ]);
    expect((await keysUnder(prefix)).sort()).toEqual([
      `${prefix}/backups/nightly-1/velero-backup.json`,
      `${prefix}/photos/cat.jpg`,
    ]);
  });

  it("reports a missing bucket as NoSuchBucket, naming it and the region", async () => {
    const r = await probeS3Location(location({ bucket: "no-such-bucket-here", prefix: freshPrefix() }), keys);
    expect(r).toMatchObject({ ok: false, failure: "NoSuchBucket" });
    expect(!r.ok && r.message).toBe(
      `The bucket "no-such-bucket-here" does not exist in region ${s3.region} at ${s3.endpoint}`,
    );
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([["head", false]]);
  });

  it("tells an unknown access key from missing permissions, and never shows the secret", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const r = await probeS3Location(location({ prefix: freshPrefix() }), {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: secret,
    });
    expect(r).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(!r.ok && r.message).toMatch(/does not know the access key AKIA…MPLE/);
    // HeadBucket's 403 has no body; the listing that follows carries InvalidAccessKeyId.
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ["head", false],
      ["list", false],
    ]);
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(r)).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("reports a closed port as Unreachable without waiting for the deadline", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const r = await probeS3Location(location({ endpoint }), keys, { timeoutMs: 5_000 });
    expect(r).toMatchObject({ ok: false, failure: "Unreachable" });
    expect(!r.ok && r.message).toContain(endpoint);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0].ms).toBeLessThan(5_000);
  });

  it("gives up on an endpoint that accepts but never answers when the step's deadline passes", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const r = await probeS3Location(location({ endpoint }), keys, { timeoutMs: 300 });
      expect(r).toMatchObject({ ok: false, failure: "Timeout" });
      expect(!r.ok && r.message).toBe(
        `${endpoint} did not answer within 0.3 s when Lifeboat tried to read the bucket "lifeboat-backups"`,
      );
      expect(r.steps.map((s) => [s.step, s.ok])).toEqual([["head", false]]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("refuses a loopback endpoint unless LIFEBOAT_ALLOW_LOOPBACK=1", async () => {
    const saved = process.env.LIFEBOAT_ALLOW_LOOPBACK;
    delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    try {
      const r = await probeS3Location(location({ prefix: freshPrefix() }), keys);
      expect(r).toMatchObject({ ok: false, failure: "Other", steps: [] });
      expect(!r.ok && r.message).toMatch(new RegExp(`^Lifeboat will not connect to ${s3.endpoint}: .*loopback`));
    } finally {
      process.env.LIFEBOAT_ALLOW_LOOPBACK = saved;
    }
  });
});
