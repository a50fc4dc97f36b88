/**
 * Archive and compression helpers for the sandbox Velero stand-in.
 *
 * - A small POSIX ustar writer on top of Node's zlib, so backups are written in the exact bytes Go's archive/tar
 *   writes for real Velero (tar-stream's packer writes other header bytes: "000644 " modes, "PaxHeader" names, PAX
 *   for every UTF-8 name); reading (ustar, GNU long names, PAX, v7) is tar-stream's.
 * - gzip'd JSON / text helpers for Velero's `*.json.gz` and `<name>-logs.gz` objects.
 * - The Velero backup tarball layout (metadata/version + resources/... item files).
 *
 * The writer produces what Go's archive/tar produces for Velero: regular-file entries only (no directory
 * entries), names that do not fit in ustar's name/prefix fields carried by a PAX 'x' header, two zero
 * blocks at the end and no padding to a 10 KiB record. Output is byte-for-byte deterministic for the same
 * input (the default mtime is the Unix epoch).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import tarStream from "tar-stream";

export interface TarEntry {
  name: string;
  data: Buffer;
  mtime?: Date;
  mode?: number;
}

export class ArchiveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ArchiveError";
  }
}

// ---------------------------------------------------------------------------------------------------------
// tar: constants and field helpers
// ---------------------------------------------------------------------------------------------------------

const BLOCK = 512;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
const DEFAULT_FILE_MODE = 0o644;
/** Largest value an 11-digit octal field (size, mtime) can hold: 8^11 - 1. */
const MAX_OCTAL_11 = 0o77777777777;

// Header field offsets (POSIX.1-1988 ustar).
const F_NAME = 0;
const F_MODE = 100;
const F_UID = 108;
const F_GID = 116;
const F_SIZE = 124;
const F_MTIME = 136;
const F_CHKSUM = 148;
const F_TYPEFLAG = 156;
const F_MAGIC = 257;
const F_VERSION = 263;
const F_DEVMAJOR = 329;
const F_DEVMINOR = 337;
const F_PREFIX = 345;

const TYPE_REG = 0x30; // '0'
const TYPE_PAX = 0x78; // 'x'

function writeBytes(block: Buffer, offset: number, size: number, value: Buffer): void {
  if (value.length > size) throw new ArchiveError(`tar header field overflow (${value.length} > ${size} bytes)`);
  value.copy(block, offset);
}

/** Octal, zero-padded, NUL-terminated: a field of `size` bytes holds size-1 digits. */
function writeOctal(block: Buffer, offset: number, size: number, value: number): void {
  const digits = value.toString(8).padStart(size - 1, "0");
  if (digits.length > size - 1) throw new ArchiveError(`tar numeric field overflow: ${value}`);
  block.write(digits, offset, "ascii");
  block[offset + size - 1] = 0;
}

function headerChecksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= F_CHKSUM && i < F_CHKSUM + 8 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return { unsigned, signed };
}

function padLength(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** ASCII-only, at most `max` bytes: used for the informational names of PAX headers and fallback names. */
function safeAscii(s: string, max: number): string {
  return s.replace(/[^\x20-\x7e]/g, "_").slice(0, max) || "_";
}

// ---------------------------------------------------------------------------------------------------------
// tar: writer
// ---------------------------------------------------------------------------------------------------------

/** A PAX extended-header record: "<len> <key>=<value>\n", where <len> counts the whole record in bytes. */
function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.from(` ${key}=${value}\n`, "utf8");
  let digits = String(body.length).length;
  while (String(body.length + digits).length > digits) digits++;
  return Buffer.concat([Buffer.from(String(body.length + digits), "ascii"), body]);
}

/** Split a name for ustar's prefix/name fields at a '/', as Go's splitUSTARPath does. */
function splitUstarName(name: Buffer): { prefix: Buffer; base: Buffer } | undefined {
  if (name.length <= NAME_SIZE) return { prefix: Buffer.alloc(0), base: name };
  let limit = Math.min(name.length, PREFIX_SIZE + 1);
  if (limit === name.length && name[limit - 1] === 0x2f) limit--;
  const i = name.subarray(0, limit).lastIndexOf(0x2f);
  if (i <= 0) return undefined;
  const base = name.subarray(i + 1);
  if (base.length === 0 || base.length > NAME_SIZE || i > PREFIX_SIZE) return undefined;
  return { prefix: name.subarray(0, i), base };
}

interface HeaderFields {
  name: Buffer;
  prefix: Buffer;
  mode: number;
  size: number;
  mtime: number;
  typeflag: number;
}

function encodeHeader(h: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeBytes(block, F_NAME, NAME_SIZE, h.name);
  writeOctal(block, F_MODE, 8, h.mode);
  writeOctal(block, F_UID, 8, 0);
  writeOctal(block, F_GID, 8, 0);
  writeOctal(block, F_SIZE, 12, h.size);
  writeOctal(block, F_MTIME, 12, h.mtime);
  block[F_TYPEFLAG] = h.typeflag;
  // linkname (157..257) stays empty.
  block.write("ustar\0", F_MAGIC, "ascii");
  block.write("00", F_VERSION, "ascii");
  // uname (265..297) and gname (297..329) stay empty.
  writeOctal(block, F_DEVMAJOR, 8, 0);
  writeOctal(block, F_DEVMINOR, 8, 0);
  writeBytes(block, F_PREFIX, PREFIX_SIZE, h.prefix);
  // Checksum: sum of the header bytes with the checksum field taken as eight spaces; written as six octal
  // digits, a NUL and a space (the traditional layout GNU tar and Go use).
  const { unsigned } = headerChecksums(block);
  block.write(unsigned.toString(8).padStart(6, "0"), F_CHKSUM, "ascii");
  block[F_CHKSUM + 6] = 0;
  block[F_CHKSUM + 7] = 0x20;
  return block;
}

function validateEntry(entry: TarEntry, index: number): void {
  if (typeof entry.name !== "string" || entry.name.length === 0)
    throw new ArchiveError(`tar entry ${index}: empty name`);
  if (entry.name.includes("\0")) throw new ArchiveError(`tar entry ${index}: name contains NUL`);
  if (entry.name.endsWith("/"))
    throw new ArchiveError(`tar entry ${index}: name "${entry.name}" ends with '/' (only files are written)`);
  if (!Buffer.isBuffer(entry.data)) throw new ArchiveError(`tar entry "${entry.name}": data must be a Buffer`);
  if (entry.mtime !== undefined && !(entry.mtime instanceof Date && Number.isFinite(entry.mtime.getTime()))) {
    throw new ArchiveError(`tar entry "${entry.name}": invalid mtime`);
  }
  if (entry.mode !== undefined && !(Number.isInteger(entry.mode) && entry.mode >= 0)) {
    throw new ArchiveError(`tar entry "${entry.name}": invalid mode`);
  }
}

/** Uncompressed POSIX ustar archive (PAX headers only where ustar cannot express the entry). */
export function createTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, index) => {
    validateEntry(entry, index);
    const nameBytes = Buffer.from(entry.name, "utf8");
    const seconds = Math.floor((entry.mtime?.getTime() ?? 0) / 1000);
    const mode = (entry.mode ?? DEFAULT_FILE_MODE) & 0o7777;
    const size = entry.data.length;

    const records: Buffer[] = [];
    let split = splitUstarName(nameBytes);
    if (!split) {
      records.push(paxRecord("path", entry.name));
      // Best-effort ustar name for readers that ignore PAX headers.
      const fallback = safeAscii(entry.name.slice(entry.name.lastIndexOf("/") + 1), NAME_SIZE);
      split = { prefix: Buffer.alloc(0), base: Buffer.from(fallback, "ascii") };
    }
    const mtimeFits = seconds >= 0 && seconds <= MAX_OCTAL_11;
    if (!mtimeFits) records.push(paxRecord("mtime", String(seconds)));
    const sizeFits = size <= MAX_OCTAL_11;
    if (!sizeFits) records.push(paxRecord("size", String(size)));
    const headerMtime = mtimeFits ? seconds : 0;

    if (records.length > 0) {
      const pax = Buffer.concat(records);
      const paxName = `PaxHeaders.0/${safeAscii(entry.name.slice(entry.name.lastIndexOf("/") + 1), NAME_SIZE - 13)}`;
      parts.push(
        encodeHeader({
          name: Buffer.from(paxName, "ascii"),
          prefix: Buffer.alloc(0),
          mode: DEFAULT_FILE_MODE,
          size: pax.length,
          mtime: headerMtime,
          typeflag: TYPE_PAX,
        }),
        pax,
        Buffer.alloc(padLength(pax.length)),
      );
    }
    parts.push(
      encodeHeader({
        name: split.base,
        prefix: split.prefix,
        mode,
        size: sizeFits ? size : 0,
        mtime: headerMtime,
        typeflag: TYPE_REG,
      }),
      entry.data,
      Buffer.alloc(padLength(size)),
    );
  });
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** gzip'd POSIX ustar archive of regular files (parent directories are implied, as in Velero's tarballs). */
export function createTarGz(entries: TarEntry[]): Buffer {
  return gzipSync(createTar(entries));
}

// ---------------------------------------------------------------------------------------------------------
// tar: reader
// ---------------------------------------------------------------------------------------------------------

/**
 * Reads an uncompressed tar archive with tar-stream: ustar, GNU (long names via 'L'), v7, and PAX ('x' path/size,
 * plus mtime read here to millisecond precision). Resolves to regular files only; directories, links, devices and
 * FIFOs are skipped and 'g' global headers ignored. Names are returned as stored (e.g. GNU tar's "./dir/file" keeps
 * its "./"). Rejects with ArchiveError on a bad header checksum, sparse files or truncation.
 */
export function readTar(tar: Buffer): Promise<TarEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: TarEntry[] = [];
    // v7 archives (no ustar magic) are read too, as before. (tar-stream's own typings omit the option.)
    const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tarStream.extract>[0]);
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      const message = err instanceof Error ? err.message : String(err);
      reject(
        err instanceof ArchiveError
          ? err
          : new ArchiveError(`tar archive invalid or truncated (${message.replace(/^Invalid/, "invalid")})`, {
              cause: err,
            }),
      );
      extract.destroy();
    };
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("error", fail);
      stream.on("end", () => {
        const pax = (header.pax ?? {}) as Record<string, string>;
        if ((header.type as string) === "gnu-sparse" || Object.keys(pax).some((k) => k.startsWith("GNU.sparse."))) {
          return fail(new ArchiveError(`tar entry "${header.name}": sparse files are not supported`));
        }
        const regular = header.type === "file" || header.type === "contiguous-file";
        // Pre-POSIX archives mark directories as regular files whose name ends in '/'.
        if (regular && header.name !== "" && !header.name.endsWith("/")) {
          let mtimeMs = (header.mtime?.getTime() ?? 0) - ((header.mtime?.getTime() ?? 0) % 1000);
          const paxMtime = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(pax.mtime ?? "");
          if (paxMtime) {
            // Fractional seconds are kept to millisecond precision (what a Date can hold).
            const [, sign, whole, fraction = ""] = paxMtime;
            mtimeMs = (sign ? -1 : 1) * (Number(whole) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3)));
          }
          entries.push({
            name: header.name,
            data: Buffer.concat(chunks),
            mtime: new Date(mtimeMs),
            mode: (header.mode ?? 0) & 0o7777,
          });
        }
        next();
      });
    });
    extract.on("error", fail);
    extract.on("finish", () => {
      if (!failed) resolve(entries);
    });
    extract.end(tar);
  });
}

function gunzip(buf: Buffer, what: string): Buffer {
  if (!Buffer.isBuffer(buf)) throw new ArchiveError(`${what}: expected a Buffer`);
  try {
    return gunzipSync(buf);
  } catch (err) {
    throw new ArchiveError(`${what}: not valid gzip data (${err instanceof Error ? err.message : String(err)})`, {
      cause: err,
    });
  }
}

/** Reads a gzip'd tar archive (see readTar). Rejects with ArchiveError on bad gzip, bad checksums or truncation. */
export async function readTarGz(buf: Buffer): Promise<TarEntry[]> {
  return readTar(gunzip(buf, "tar.gz"));
}

// ---------------------------------------------------------------------------------------------------------
// gzip'd JSON and text
// ---------------------------------------------------------------------------------------------------------

export function gzipJson(value: unknown): Buffer {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("gzipJson: value is not JSON-serializable");
  return gzipSync(Buffer.from(json, "utf8"));
}

export function gunzipJson<T = unknown>(buf: Buffer): T {
  const text = gunzip(buf, "json.gz").toString("utf8");
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ArchiveError(`json.gz: invalid JSON (${err instanceof Error ? err.message : String(err)})`, {
      cause: err,
    });
  }
}

export function gzipText(text: string): Buffer {
  return gzipSync(Buffer.from(text, "utf8"));
}

export function gunzipText(buf: Buffer): string {
  return gunzip(buf, "gz").toString("utf8");
}

// ---------------------------------------------------------------------------------------------------------
// Velero backup tarball layout
// ---------------------------------------------------------------------------------------------------------

/** Velero's BackupFormatVersion, written to metadata/version followed by a newline. */
export const BACKUP_FORMAT_VERSION = "1.1.0";
const PREFERRED_VERSION_SUFFIX = "-preferredversion";
/** Velero writes its tar headers with Mode 0755. */
const VELERO_FILE_MODE = 0o755;

export interface BackupItem {
  resource: string;
  group: string;
  version: string;
  namespace?: string;
  name: string;
  object: unknown;
}

export interface ParsedBackupTarball {
  version: string;
  items: BackupItem[];
}

/** schema.GroupResource.String(): "pods", "deployments.apps". */
function groupResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** resources/<gr>/[<versionDir>/](namespaces/<ns>|cluster)/<name>.json (archive.GetVersionedItemFilePath). */
function itemPath(item: BackupItem, versionDir: string): string {
  const scope = item.namespace ? `namespaces/${item.namespace}` : "cluster";
  return ["resources", groupResource(item.resource, item.group), versionDir, scope, `${item.name}.json`]
    .filter(Boolean)
    .join("/");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** JSON as Go's json.Marshal writes an unstructured object: compact, map keys sorted, HTML-safe escapes. */
function goJsonMarshal(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (!isPlainObject(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = v[k];
    return sorted;
  });
  if (json === undefined) throw new ArchiveError("backup item object is not JSON-serializable");
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function checkSegment(value: string, what: string, item: BackupItem, optional = false): void {
  if (optional && (value === undefined || value === "")) return;
  if (
    typeof value !== "string" ||
    value === "" ||
    value.includes("/") ||
    value.includes("\0") ||
    value === "." ||
    value === ".."
  ) {
    throw new ArchiveError(
      `backup item ${JSON.stringify({ resource: item.resource, namespace: item.namespace, name: item.name })}: invalid ${what}`,
    );
  }
}

/**
 * A Velero backup tarball (the <backup>.tar.gz object): metadata/version, then for each item both the
 * legacy path and the <version>-preferredversion path, as Velero writes items in their preferred version.
 * Objects are serialized like Go's json.Marshal. Entries use mode 0755 like Velero; mtime defaults to the epoch.
 */
export function buildBackupTarball(items: BackupItem[], options: { mtime?: Date } = {}): Buffer {
  const mtime = options.mtime ?? new Date(0);
  const entries: TarEntry[] = [
    { name: "metadata/version", data: Buffer.from(`${BACKUP_FORMAT_VERSION}\n`), mtime, mode: VELERO_FILE_MODE },
  ];
  const seen = new Set<string>();
  for (const item of items) {
    checkSegment(item.resource, "resource", item);
    if (item.resource.includes("."))
      throw new ArchiveError(
        `backup item resource "${item.resource}" must not contain '.'; put the API group in "group"`,
      );
    if (typeof item.group !== "string" || item.group.includes("/"))
      throw new ArchiveError(`backup item "${item.name}": invalid group`);
    checkSegment(item.version, "version", item);
    checkSegment(item.namespace ?? "", "namespace", item, true);
    checkSegment(item.name, "name", item);
    const key = itemKey(groupResource(item.resource, item.group), item.namespace, item.name);
    if (seen.has(key)) throw new ArchiveError(`duplicate backup item ${key.replace(/\0/g, "/")}`);
    seen.add(key);
    const data = Buffer.from(goJsonMarshal(item.object), "utf8");
    entries.push(
      { name: itemPath(item, ""), data, mtime, mode: VELERO_FILE_MODE },
      { name: itemPath(item, `${item.version}${PREFERRED_VERSION_SUFFIX}`), data, mtime, mode: VELERO_FILE_MODE },
    );
  }
  return createTarGz(entries);
}

function itemKey(gr: string, namespace: string | undefined, name: string): string {
  return `${gr}\0${namespace ? `ns:${namespace}` : "cluster"}\0${name}`;
}

function versionFromApiVersion(object: unknown): string {
  if (!isPlainObject(object) || typeof object.apiVersion !== "string") return "";
  return object.apiVersion.slice(object.apiVersion.lastIndexOf("/") + 1);
}

/**
 * Parses a Velero backup tarball into one item per object. The <version>-preferredversion copy wins; the
 * legacy (version-less) path is the fall-back, then any other version directory (EnableAPIGroupVersions).
 * Items keep the order of their first appearance. Files outside metadata/ and resources/ are ignored.
 */
export async function parseBackupTarball(buf: Buffer): Promise<ParsedBackupTarball> {
  let version: string | undefined;
  const found = new Map<string, { rank: number; item: BackupItem }>();

  for (const entry of await readTarGz(buf)) {
    const name = entry.name.replace(/^(\.\/|\/)+/, "");
    if (name === "metadata/version") {
      version = entry.data.toString("utf8").trim();
      continue;
    }
    const parts = name.split("/");
    if (parts[0] !== "resources" || parts.length < 4) continue;
    const gr = parts[1]!;
    const rest = parts.slice(2);
    const file = rest[rest.length - 1]!;
    if (!file.endsWith(".json") || file === ".json") continue;
    const objName = file.slice(0, -".json".length);

    let versionDir = "";
    let scope: string[];
    if (rest[0] === "namespaces" || rest[0] === "cluster") {
      scope = rest.slice(0, -1);
    } else {
      versionDir = rest[0]!;
      scope = rest.slice(1, -1);
    }
    let namespace: string | undefined;
    if (scope.length === 2 && scope[0] === "namespaces" && scope[1]) namespace = scope[1];
    else if (!(scope.length === 1 && scope[0] === "cluster")) continue;

    let rank: number;
    let itemVersion: string;
    if (versionDir.endsWith(PREFERRED_VERSION_SUFFIX) && versionDir.length > PREFERRED_VERSION_SUFFIX.length) {
      rank = 2;
      itemVersion = versionDir.slice(0, -PREFERRED_VERSION_SUFFIX.length);
    } else if (versionDir === "") {
      rank = 1;
      itemVersion = "";
    } else {
      rank = 0;
      itemVersion = versionDir;
    }
    const key = itemKey(gr, namespace, objName);
    const previous = found.get(key);
    if (previous && previous.rank >= rank) continue;

    let object: unknown;
    try {
      object = JSON.parse(entry.data.toString("utf8"));
    } catch (err) {
      throw new ArchiveError(`backup tarball: ${entry.name} is not valid JSON`, { cause: err });
    }
    if (!itemVersion) itemVersion = versionFromApiVersion(object);
    const dot = gr.indexOf(".");
    const item: BackupItem = {
      resource: dot === -1 ? gr : gr.slice(0, dot),
      group: dot === -1 ? "" : gr.slice(dot + 1),
      version: itemVersion,
      ...(namespace !== undefined ? { namespace } : {}),
      name: objName,
      object,
    };
    if (previous) {
      previous.item = item;
      previous.rank = rank;
    } else {
      found.set(key, { rank, item });
    }
  }

  if (version === undefined) throw new ArchiveError("backup tarball has no metadata/version");
  return { version, items: [...found.values()].map((f) => f.item) };
}
