import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  ArchiveError,
  buildBackupTarball,
  createTar,
  createTarGz,
  gunzipJson,
  gunzipText,
  gzipJson,
  gzipText,
  parseBackupTarball,
  readTar,
  readTarGz,
  type BackupItem,
  type TarEntry,
} from "./archive";

// --- helpers ------------------------------------------------------------------------------------------------

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-archive-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const TAR = ["/usr/bin/tar", "/bin/tar"].find((p) => existsSync(p));
const isGnuTar = TAR !== undefined && spawnSync(TAR, ["--version"], { encoding: "utf8" }).stdout.includes("GNU tar");
const TAR_ENV = { ...process.env, LC_ALL: "C.UTF-8" };

function runTar(args: string[], input?: Buffer): Buffer {
  const res = spawnSync(TAR!, args, { env: TAR_ENV, input, maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`tar ${args.join(" ")} exited ${res.status}: ${res.stderr.toString()}`);
  return res.stdout;
}

/** Typeflags and names of the raw headers in an uncompressed tar (data blocks skipped). */
function rawHeaders(tar: Buffer): { type: string; name: string }[] {
  const out: { type: string; name: string }[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString("latin1").replace(/\0.*$/s, "").trim() || "0", 8);
    const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    out.push({ type: String.fromCharCode(h[156]!), name });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function writeTree(root: string, files: Record<string, Buffer>): void {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
}

// 250-character paths: one that ustar can split into prefix + name, one that needs a PAX 'path' record.
const SPLITTABLE_250 = `${"a".repeat(75)}/${"b".repeat(75)}/${"c".repeat(93)}.json`;
const UNSPLITTABLE_250 = `dir/${"f".repeat(242)}.txt`;
const UTF8_NAME = "données/über/日本語-ファイル.txt";
const MTIME = new Date("2024-05-06T07:08:09Z");

function sampleEntries(): TarEntry[] {
  return [
    { name: "metadata/version", data: Buffer.from("1.1.0\n") },
    { name: SPLITTABLE_250, data: Buffer.from('{"kind":"Pod"}') },
    { name: UNSPLITTABLE_250, data: Buffer.from("needs pax\n"), mtime: MTIME },
    { name: UTF8_NAME, data: Buffer.from("héllo wörld ✓ 日本\n", "utf8"), mode: 0o600 },
    { name: "empty/file", data: Buffer.alloc(0) },
    { name: "big/blob.bin", data: randomBytes(1024 * 1024), mtime: MTIME, mode: 0o755 },
  ];
}

// --- tar writer / reader ------------------------------------------------------------------------------------

describe("createTarGz / readTarGz", () => {
  it("round-trips long, UTF-8, empty and large entries", async () => {
    expect(SPLITTABLE_250).toHaveLength(250);
    expect(UNSPLITTABLE_250).toHaveLength(250);
    const entries = sampleEntries();
    const read = await readTarGz(createTarGz(entries));
    expect(read.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    read.forEach((got, i) => {
      const want = entries[i]!;
      expect(got.data.equals(want.data)).toBe(true);
      expect(got.mtime).toEqual(want.mtime ?? new Date(0));
      expect(got.mode).toBe(want.mode ?? 0o644);
    });
  });

  it("writes ustar headers: prefix split where possible, PAX path otherwise, two zero blocks, files only", async () => {
    const tar = createTar(sampleEntries());
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
    const headers = rawHeaders(tar);
    // Only the unsplittable name gets a PAX header; no directory entries anywhere.
    expect(headers.map((h) => h.type)).toEqual(["0", "0", "x", "0", "0", "0", "0"]);
    expect(headers[2]!.name.startsWith("PaxHeaders.0/")).toBe(true);

    // The split name: prefix field (345..500) holds the directories, name field the rest.
    const second = tar.subarray(1024, 1536);
    const field = (from: number, len: number) =>
      second
        .subarray(from, from + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    expect(`${field(345, 155)}/${field(0, 100)}`).toBe(SPLITTABLE_250);
    expect(field(257, 6)).toBe("ustar");
    expect(second.subarray(257, 265).toString("latin1")).toBe("ustar\u000000");
    expect(field(100, 8)).toBe("0000644");
    expect(field(108, 8)).toBe("0000000");
    expect(field(116, 8)).toBe("0000000");
    expect(field(265, 32)).toBe(""); // uname
    expect(field(297, 32)).toBe(""); // gname
    // Checksum: six octal digits, NUL, space; equals the byte sum with the field read as spaces.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : second[i]!;
    expect(second.subarray(148, 156).toString("latin1")).toBe(`${sum.toString(8).padStart(6, "0")}\u0000 `);
  });

  it("is deterministic for the same input", async () => {
    const entries = sampleEntries();
    expect(createTarGz(entries).equals(createTarGz(entries))).toBe(true);
    const a = createTarGz([{ name: "x", data: Buffer.from("1") }]);
    const b = createTarGz([{ name: "x", data: Buffer.from("1"), mtime: new Date(0) }]);
    expect(a.equals(b)).toBe(true);
  });

  it("keeps out-of-range mtimes via PAX", async () => {
    const old = new Date("1960-01-01T00:00:00Z");
    const [got] = await readTarGz(createTarGz([{ name: "old", data: Buffer.from("x"), mtime: old }]));
    expect(got!.mtime).toEqual(old);
  });

  it("rejects invalid entries", async () => {
    expect(() => createTarGz([{ name: "", data: Buffer.alloc(0) }])).toThrow(ArchiveError);
    expect(() => createTarGz([{ name: "dir/", data: Buffer.alloc(0) }])).toThrow(ArchiveError);
    expect(() => createTarGz([{ name: "a\0b", data: Buffer.alloc(0) }])).toThrow(ArchiveError);
    expect(() => createTarGz([{ name: "a", data: Buffer.alloc(0), mtime: new Date(NaN) }])).toThrow(ArchiveError);
  });

  it("throws ArchiveError on a corrupted header", async () => {
    const tar = createTar([
      { name: "first.txt", data: Buffer.from("one") },
      { name: "second.txt", data: Buffer.from("two") },
    ]);
    for (const pos of [3, 130, 150, 1024 + 5]) {
      const bad = Buffer.from(tar);
      bad[pos] = bad[pos]! ^ 0x01;
      await expect(readTarGz(gzipSync(bad)), `byte ${pos}`).rejects.toThrow(ArchiveError);
      await expect(readTar(bad)).rejects.toThrow(/checksum|invalid/);
    }
    // The intact archive still reads.
    expect(await readTar(tar)).toHaveLength(2);
  });

  it("throws ArchiveError on truncated archives and non-gzip input", async () => {
    const tar = createTar([{ name: "f", data: Buffer.alloc(2000, 7) }]);
    await expect(readTar(tar.subarray(0, 1024))).rejects.toThrow(ArchiveError);
    await expect(readTar(tar.subarray(0, 700))).rejects.toThrow(ArchiveError);
    await expect(readTarGz(Buffer.from("definitely not gzip"))).rejects.toThrow(ArchiveError);
    await expect(readTarGz(createTarGz([]).subarray(0, 10))).rejects.toThrow(ArchiveError);
    expect(await readTarGz(createTarGz([]))).toEqual([]);
  });
});

// --- interop with GNU tar -----------------------------------------------------------------------------------

describe.skipIf(!isGnuTar)("interop with GNU tar", () => {
  it("GNU tar lists and extracts what createTarGz writes", async () => {
    const entries = sampleEntries();
    const dir = tempDir();
    const archive = join(dir, "out.tar.gz");
    writeFileSync(archive, createTarGz(entries));

    const listed = runTar(["-tzf", archive]).toString("utf8").split("\n").filter(Boolean);
    expect(listed).toEqual(entries.map((e) => e.name));

    const out = join(dir, "x");
    mkdirSync(out);
    runTar(["-xzf", archive, "-C", out]);
    for (const e of entries) {
      const path = join(out, e.name);
      expect(readFileSync(path).equals(e.data), e.name).toBe(true);
      const st = statSync(path);
      expect(st.mtime.getTime()).toBe((e.mtime ?? new Date(0)).getTime());
      expect(st.mode & 0o777).toBe(e.mode ?? 0o644);
    }
  });

  for (const format of ["gnu", "pax"] as const) {
    it(`readTarGz reads an archive GNU tar creates with --format=${format}`, async () => {
      const dir = tempDir();
      const src = join(dir, "src");
      const longDir = `${"deep".repeat(20)}/${"nested".repeat(15)}`; // directory path > 100 bytes
      const files: Record<string, Buffer> = {
        [SPLITTABLE_250]: Buffer.from("split\n"),
        [UNSPLITTABLE_250]: Buffer.from("long name\n"),
        [`${longDir}/leaf.json`]: Buffer.from("{}"),
        [UTF8_NAME]: Buffer.from("héllo ✓\n", "utf8"),
        "empty.txt": Buffer.alloc(0),
        "big.bin": randomBytes(300_000),
      };
      writeTree(src, files);
      const fileMtime = new Date("2023-03-04T05:06:07.891Z");
      for (const rel of Object.keys(files)) utimesSync(join(src, rel), fileMtime, fileMtime);
      symlinkSync("empty.txt", join(src, "link-to-empty"));
      mkdirSync(join(src, "an-empty-dir"));

      const archive = join(dir, "gnu.tar.gz");
      // GNU tar 1.34 puts a "key=value" --pax-option in a global ('g') header, which the reader must ignore.
      const extra = format === "pax" ? ["--pax-option=comment=made-by-lifeboat-test"] : [];
      runTar(["-czf", archive, `--format=${format}`, ...extra, "-C", src, "."]);
      const gz = readFileSync(archive);

      // Make sure the archive really exercises the extension headers we mean to test.
      const types = new Set(rawHeaders(gunzipSync(gz)).map((h) => h.type));
      if (format === "gnu") expect(types.has("L")).toBe(true);
      else expect([...types].filter((t) => t === "x" || t === "g").sort()).toEqual(["g", "x"]);
      expect(types.has("5")).toBe(true);
      expect(types.has("2")).toBe(true);

      const read = await readTarGz(gz);
      const byName = new Map(read.map((e) => [e.name, e]));
      expect([...byName.keys()].sort()).toEqual(
        Object.keys(files)
          .map((f) => `./${f}`)
          .sort(),
      );
      for (const [rel, data] of Object.entries(files)) {
        const got = byName.get(`./${rel}`)!;
        expect(got.data.equals(data), rel).toBe(true);
        const st = lstatSync(join(src, rel));
        // PAX records keep sub-second mtimes; GNU/ustar headers hold whole seconds.
        expect(got.mtime).toEqual(format === "pax" ? fileMtime : new Date("2023-03-04T05:06:07Z"));
        expect(got.mode).toBe(st.mode & 0o7777);
      }
    });
  }

  it("parseBackupTarball reads a backup re-packed by GNU tar (./ prefixes, directory entries)", async () => {
    const dir = tempDir();
    const out = join(dir, "x");
    mkdirSync(out);
    const archive = join(dir, "backup.tar.gz");
    writeFileSync(archive, buildBackupTarball(backupItems()));
    runTar(["-xzf", archive, "-C", out]);
    expect(readFileSync(join(out, "metadata/version"), "utf8")).toBe("1.1.0\n");
    const repacked = join(dir, "repacked.tar.gz");
    runTar(["-czf", repacked, "--format=gnu", "-C", out, "."]);
    const parsed = await parseBackupTarball(readFileSync(repacked));
    expect(parsed.version).toBe("1.1.0");
    expect(sortItems(parsed.items)).toEqual(sortItems(backupItems()));
  });
});

// --- Velero backup tarball ----------------------------------------------------------------------------------

function backupItems(): BackupItem[] {
  return [
    {
      resource: "pods",
      group: "",
      version: "v1",
      namespace: "app",
      name: "web-0",
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "web-0", namespace: "app" },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
    },
    {
      resource: "deployments",
      group: "apps",
      version: "v1",
      namespace: "app",
      name: "web",
      object: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "app" },
        spec: { replicas: 2 },
      },
    },
    {
      resource: "persistentvolumes",
      group: "",
      version: "v1",
      name: "pv-1",
      object: { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-1" } },
    },
    {
      resource: "storageclasses",
      group: "storage.k8s.io",
      version: "v1",
      name: "standard",
      object: {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "standard" },
        provisioner: "kubernetes.io/no-provisioner",
      },
    },
    {
      resource: "backups",
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      name: "nightly",
      object: {
        apiVersion: "velero.io/v1",
        kind: "Backup",
        metadata: { name: "nightly", namespace: "velero" },
        spec: { ttl: "720h0m0s" },
      },
    },
  ];
}

function sortItems(items: BackupItem[]): BackupItem[] {
  const key = (i: BackupItem) => `${i.resource}.${i.group}/${i.namespace ?? ""}/${i.name}`;
  return [...items].sort((a, b) => key(a).localeCompare(key(b)));
}

describe("buildBackupTarball / parseBackupTarball", () => {
  it("writes Velero's layout: metadata/version plus legacy and -preferredversion paths per item", async () => {
    const tarball = buildBackupTarball(backupItems());
    const entries = await readTarGz(tarball);
    expect(entries.map((e) => e.name)).toEqual([
      "metadata/version",
      "resources/pods/namespaces/app/web-0.json",
      "resources/pods/v1-preferredversion/namespaces/app/web-0.json",
      "resources/deployments.apps/namespaces/app/web.json",
      "resources/deployments.apps/v1-preferredversion/namespaces/app/web.json",
      "resources/persistentvolumes/cluster/pv-1.json",
      "resources/persistentvolumes/v1-preferredversion/cluster/pv-1.json",
      "resources/storageclasses.storage.k8s.io/cluster/standard.json",
      "resources/storageclasses.storage.k8s.io/v1-preferredversion/cluster/standard.json",
      "resources/backups.velero.io/namespaces/velero/nightly.json",
      "resources/backups.velero.io/v1-preferredversion/namespaces/velero/nightly.json",
    ]);
    expect(entries[0]!.data.toString()).toBe("1.1.0\n");
    for (const e of entries) {
      expect(e.mode).toBe(0o755); // Velero's tar headers use Mode 0755
      expect(e.mtime).toEqual(new Date(0));
    }
    // Both copies of an item are identical JSON of the object.
    expect(entries[3]!.data.equals(entries[4]!.data)).toBe(true);
    expect(JSON.parse(entries[3]!.data.toString())).toEqual(backupItems()[1]!.object);
    expect(buildBackupTarball(backupItems()).equals(tarball)).toBe(true);
  });

  it("round-trips items through parseBackupTarball", async () => {
    const parsed = await parseBackupTarball(buildBackupTarball(backupItems()));
    expect(parsed.version).toBe("1.1.0");
    expect(parsed.items).toEqual(backupItems());
    expect(parsed.items.find((i) => i.name === "pv-1")).not.toHaveProperty("namespace");
  });

  it("serializes objects like Go's json.Marshal (sorted keys, HTML-safe escapes)", async () => {
    const [, item] = await readTarGz(
      buildBackupTarball([
        {
          resource: "configmaps",
          group: "",
          version: "v1",
          namespace: "ns",
          name: "cm",
          object: { kind: "ConfigMap", data: { z: "<a&b>", a: "1" }, apiVersion: "v1" },
        },
      ]),
    );
    expect(item!.data.toString()).toBe(
      '{"apiVersion":"v1","data":{"a":"1","z":"\\u003ca\\u0026b\\u003e"},"kind":"ConfigMap"}',
    );
  });

  it("prefers the -preferredversion copy, falls back to the legacy path, de-duplicates", async () => {
    const json = (o: unknown) => Buffer.from(JSON.stringify(o));
    const tarball = createTarGz([
      { name: "./metadata/version", data: Buffer.from("1.1.0\n") },
      // legacy copy first, then the preferred copy with different content: preferred wins, order kept
      {
        name: "resources/deployments.apps/namespaces/app/web.json",
        data: json({ apiVersion: "apps/v1", which: "legacy" }),
      },
      {
        name: "resources/deployments.apps/v1beta2/namespaces/app/web.json",
        data: json({ apiVersion: "apps/v1beta2", which: "other" }),
      },
      {
        name: "resources/deployments.apps/v1-preferredversion/namespaces/app/web.json",
        data: json({ apiVersion: "apps/v1", which: "preferred" }),
      },
      // only a legacy copy: version comes from apiVersion
      {
        name: "resources/storageclasses.storage.k8s.io/cluster/fast.json",
        data: json({ apiVersion: "storage.k8s.io/v1", which: "legacy-only" }),
      },
      // a namespace literally called "cluster" is still namespaced
      { name: "resources/configmaps/namespaces/cluster/cm.json", data: json({ apiVersion: "v1" }) },
      // not an item
      { name: "resources/pods/readme.txt", data: Buffer.from("ignored") },
    ]);
    const parsed = await parseBackupTarball(tarball);
    expect(parsed.items).toEqual([
      {
        resource: "deployments",
        group: "apps",
        version: "v1",
        namespace: "app",
        name: "web",
        object: { apiVersion: "apps/v1", which: "preferred" },
      },
      {
        resource: "storageclasses",
        group: "storage.k8s.io",
        version: "v1",
        name: "fast",
        object: { apiVersion: "storage.k8s.io/v1", which: "legacy-only" },
      },
      {
        resource: "configmaps",
        group: "",
        version: "v1",
        namespace: "cluster",
        name: "cm",
        object: { apiVersion: "v1" },
      },
    ]);
  });

  it("rejects malformed backups and items", async () => {
    await expect(
      parseBackupTarball(createTarGz([{ name: "resources/pods/namespaces/a/b.json", data: Buffer.from("{}") }])),
    ).rejects.toThrow(ArchiveError);
    await expect(
      parseBackupTarball(
        createTarGz([
          { name: "metadata/version", data: Buffer.from("1.1.0\n") },
          { name: "resources/pods/namespaces/a/b.json", data: Buffer.from("{not json") },
        ]),
      ),
    ).rejects.toThrow(ArchiveError);
    const item = backupItems()[0]!;
    expect(() => buildBackupTarball([item, item])).toThrow(ArchiveError);
    expect(() => buildBackupTarball([{ ...item, name: "a/b" }])).toThrow(ArchiveError);
    expect(() => buildBackupTarball([{ ...item, version: "" }])).toThrow(ArchiveError);
    expect(() => buildBackupTarball([{ ...item, resource: "deployments.apps" }])).toThrow(ArchiveError);
  });
});

// --- gzip helpers -------------------------------------------------------------------------------------------

describe("gzip helpers", () => {
  it("round-trips JSON", async () => {
    const value = {
      items: [{ name: "web-0", phase: "Completed", bytes: 1234 }],
      nested: { ok: true, none: null },
      unicode: "ü ✓",
    };
    const gz = gzipJson(value);
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipJson(gz)).toEqual(value);
    expect(gunzipSync(gz).toString()).toBe(JSON.stringify(value));
    expect(gunzipJson<number[]>(gzipJson([1, 2, 3]))).toEqual([1, 2, 3]);
    expect(gunzipJson(gzipJson(null))).toBeNull();
    expect(() => gzipJson(undefined)).toThrow(TypeError);
  });

  it("round-trips text", async () => {
    const log = 'time="2024-05-06T07:08:09Z" level=info msg="Backup completed" ✓\n'.repeat(1000);
    expect(gunzipText(gzipText(log))).toBe(log);
    expect(gunzipText(gzipText(""))).toBe("");
  });

  it("throws ArchiveError on bad input", async () => {
    expect(() => gunzipJson(Buffer.from("nope"))).toThrow(ArchiveError);
    expect(() => gunzipJson(gzipText("{not json"))).toThrow(ArchiveError);
    expect(() => gunzipText(Buffer.from([0x1f, 0x8b, 0x08]))).toThrow(ArchiveError);
  });
});
