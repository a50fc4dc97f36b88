import http from "node:http";
import zlib from "node:zlib";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadHosts, fetchSigned, MAX_DOWNLOAD_BYTES, type HostRule } from "./downloads";

// Velero's download URL is chosen by the cluster: only the location's endpoint is fetched, without redirects or
// transparent decoding, and the bytes read and unpacked are capped. A local server plays a hostile bucket.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

let server: http.Server;
let base: string;
// Compressed once, quickly (quality 4): still a few hundred bytes that decode to 200 MiB.
const gzipBomb = zlib.gzipSync(Buffer.alloc(100 * 2 ** 20), { level: 1 });
const brotliBomb = zlib.brotliCompressSync(Buffer.alloc(200 * 2 ** 20), {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 },
});
const routes: Record<string, (res: http.ServerResponse) => void> = {
  "/ok": (res) => res.end(zlib.gzipSync("hello log")),
  // A few hundred bytes of brotli that would decode to 200 MiB: never decoded.
  "/brotli": (res) => {
    res.setHeader("content-encoding", "br");
    res.end(brotliBomb);
  },
  // A gzip bomb in the file itself: gunzip stops at the cap.
  "/gzip-bomb": (res) => res.end(gzipBomb),
  "/huge": (res) => {
    const chunk = Buffer.alloc(2 ** 20, 1);
    let sent = 0;
    const pump = () => {
      while (sent < 64 && res.write(chunk)) sent++;
      if (sent >= 64) res.end();
      else res.once("drain", pump);
    };
    res.on("close", () => (sent = 64));
    pump();
  },
  "/redirect": (res) => {
    res.statusCode = 302;
    res.setHeader("location", "http://169.254.169.254/latest/meta-data");
    res.end();
  },
  "/missing": (res) => {
    res.statusCode = 404;
    res.end();
  },
};
beforeAll(async () => {
  server = http.createServer((req, res) => (routes[req.url ?? ""] ?? routes["/missing"])(res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const owner = () => ({ bslName: "default", hosts: [{ host: new URL(base).host }] as HostRule[] });

describe("fetchSigned: a hostile bucket", () => {
  it("fetches and unpacks an ordinary file", async () => {
    expect((await fetchSigned(`${base}/ok`, owner(), "BackupLog"))?.toString()).toBe("hello log");
    expect(await fetchSigned(`${base}/missing`, owner(), "BackupLog")).toBeNull();
  });

  it("never decodes a Content-Encoding (a 329-byte brotli body must not become 200 MiB)", async () => {
    await expect(fetchSigned(`${base}/brotli`, owner(), "BackupLog")).rejects.toThrow(
      /encoded as br, which Lifeboat does not unpack/,
    );
  });

  it("caps gunzip and the bytes read", async () => {
    await expect(fetchSigned(`${base}/gzip-bomb`, owner(), "BackupResults")).rejects.toThrow(/could not be unpacked/);
    await expect(fetchSigned(`${base}/huge`, owner(), "BackupLog")).rejects.toThrow(
      `larger than ${MAX_DOWNLOAD_BYTES / 2 ** 20} MiB; Lifeboat stopped reading it`,
    );
  });

  it("does not follow redirects", async () => {
    await expect(fetchSigned(`${base}/redirect`, owner(), "BackupLog")).rejects.toThrow(/redirect \(302\)/);
  });

  it("fetches only from the location's endpoint", async () => {
    const other = { bslName: "default", hosts: [{ host: "minio.example.com:9000" }] };
    await expect(fetchSigned(`${base}/ok`, other, "BackupLog")).rejects.toThrow(
      /points at 127\.0\.0\.1:\d+, which is not the endpoint of the location default; Lifeboat did not fetch it/,
    );
    await expect(fetchSigned(`${base}/ok`, { bslName: "x", hosts: [] }, "BackupLog")).rejects.toThrow(
      /does not know that location's endpoint/,
    );
  });
});

describe("downloadHosts", () => {
  const matches = (rules: HostRule[], host: string) =>
    rules.some((r) => ("host" in r ? r.host === host : r.pattern.test(host)));
  const bsl = (provider: string, config: Record<string, string>, bucket = "backups") => ({
    spec: { provider, config, objectStorage: { bucket } },
  });

  it("S3-compatible: the s3Url's host (and the bucket's virtual host unless path-style); publicUrl wins", () => {
    const path = downloadHosts(bsl("aws", { s3Url: "https://minio.example.com:9000", s3ForcePathStyle: "true" }));
    expect(path).toEqual([{ host: "minio.example.com:9000" }]);
    const virtual = downloadHosts(bsl("velero.io/aws", { s3Url: "https://ceph.example.com" }));
    expect(virtual).toEqual([{ host: "ceph.example.com" }, { host: "backups.ceph.example.com" }]);
    const pub = downloadHosts(bsl("aws", { s3Url: "http://minio.svc:9000", publicUrl: "https://files.example.com" }));
    expect(pub[0]).toEqual({ host: "files.example.com" });
  });

  it("AWS: the bucket's S3 hosts, nothing else at amazonaws.com", () => {
    const rules = downloadHosts(bsl("aws", { region: "eu-west-1" }));
    for (const ok of ["backups.s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "s3.amazonaws.com"])
      expect(matches(rules, ok)).toBe(true);
    expect(matches(rules, "backups.s3.dualstack.eu-west-1.amazonaws.com")).toBe(true);
    for (const bad of ["evil.s3.eu-west-1.amazonaws.com", "ec2.amazonaws.com", "s3.amazonaws.com.evil.io"])
      expect(matches(rules, bad)).toBe(false);
  });

  it("Azure: the account's blob endpoint; other providers: nothing unless an endpoint is named", () => {
    expect(downloadHosts(bsl("azure", { storageAccount: "Lifeboat01" }))).toEqual([
      { host: "lifeboat01.blob.core.windows.net" },
    ]);
    expect(downloadHosts(bsl("example.com/other", {}))).toEqual([]);
  });
});
