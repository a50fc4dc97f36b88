import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  backupName,
  CLUSTER_SLUG_MAX,
  clusterLabelValue,
  clusterSlug,
  isDnsLabel,
  isLabelValue,
  labelValue,
  restoreName,
  scheduleName,
  sha256Hex,
  timestamp,
} from "./names";

const nodeSha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const NOW = new Date("2024-05-01T10:20:30.999Z");

describe("sha256Hex", () => {
  // FIPS 180-4 / NIST CSVP examples
  it.each<[string, string]>([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
    ["a".repeat(1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ])("sha256(%#) is the known digest", (input, digest) => expect(sha256Hex(input)).toBe(digest));

  it("agrees with node:crypto on every length around the padding boundaries, and on UTF-8 and raw bytes", () => {
    for (let n = 0; n <= 200; n++) {
      const s = "xyz0123456789".repeat(20).slice(0, n);
      expect(sha256Hex(s), `length ${n}`).toBe(nodeSha(s));
    }
    for (const s of ["héllo wörld", "µs", "日本語のクラスター", "🚀 lifeboat"]) expect(sha256Hex(s)).toBe(nodeSha(s));
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    expect(sha256Hex(bytes)).toBe(nodeSha(bytes));
  });
});

describe("labelValue (Velero's label.GetValidName)", () => {
  it.each<[string, string]>([
    // pkg/label/label_test.go
    ["short label value", "short label value"],
    [
      "this_is_a_very_long_label_value_that_will_be_rejected_by_Kubernetes",
      "this_is_a_very_long_label_value_that_will_be_rejected_by_8d0722",
    ],
    ["", ""],
    ["a".repeat(63), "a".repeat(63)],
  ])("%j → %j", (name, expected) => expect(labelValue(name)).toBe(expected));

  it.each([64, 65, 100, 253])("a %i-character name becomes name[:57] + 6 hex of sha256(name), 63 characters", (n) => {
    const name = `prod-cluster-backup-${"x".repeat(n)}`.slice(0, n);
    const v = labelValue(name);
    expect(v).toBe(name.slice(0, 57) + nodeSha(name).slice(0, 6));
    expect(v).toHaveLength(63);
    expect(isLabelValue(v)).toBe(true);
  });

  it("keeps different long names apart", () => {
    const a = `${"n".repeat(60)}-a`;
    const b = `${"n".repeat(60)}-b`;
    expect(labelValue(a)).not.toBe(labelValue(b));
  });
});

describe("clusterSlug", () => {
  it.each<[string, string]>([
    ["prod-eu", "prod-eu"],
    ["a", "a"],
    ["prod1", "prod1"],
  ])("keeps the clean name %j", (name, slug) => expect(clusterSlug(name)).toBe(slug));

  it.each(["Prod EU", "prod_eu", "prod--eu", "-prod-", "PROD.EU", "prod eu", "日本", "", "x".repeat(70)])(
    "turns %j into a hashed, DNS-safe slug",
    (name) => {
      const slug = clusterSlug(name);
      expect(isDnsLabel(slug)).toBe(true);
      expect(slug.endsWith(`-${nodeSha(name).slice(0, 6)}`)).toBe(true);
    },
  );

  it("never gives two cluster names the same slug, even when they sanitise alike", () => {
    const names = [
      "prod-eu",
      "Prod EU",
      "prod_eu",
      "PROD-EU",
      "prod--eu",
      "prod eu ",
      `${"c".repeat(40)}-1`,
      `${"c".repeat(40)}-2`,
    ];
    const slugs = names.map((n) => clusterSlug(n, CLUSTER_SLUG_MAX));
    expect(new Set(slugs).size).toBe(names.length);
  });

  it("fits the limit it is given", () => {
    for (const max of [14, 20, 30, 63])
      expect(clusterSlug("a-very-long-cluster-name-in-eu-west-1-production".repeat(2), max).length).toBeLessThanOrEqual(
        max,
      );
    expect(() => clusterSlug("x", 13)).toThrow(RangeError);
  });
});

describe("clusterLabelValue", () => {
  it.each<[string, string]>([
    ["prod-eu", "prod-eu"],
    ["Prod_EU.1", "Prod_EU.1"], // a valid label value stays readable
  ])("%j → %j", (name, v) => expect(clusterLabelValue(name)).toBe(v));

  it.each(["Prod EU", "-edge", "日本", "a/b"])("%j becomes its slug", (name) => {
    expect(clusterLabelValue(name)).toBe(clusterSlug(name));
    expect(isLabelValue(clusterLabelValue(name))).toBe(true);
  });

  it("hashes a long name the way Velero does", () =>
    expect(clusterLabelValue("c".repeat(70))).toBe(labelValue("c".repeat(70))));
});

describe("backupName", () => {
  it.each<[{ cluster: string; base?: string }, string]>([
    [{ cluster: "prod-eu" }, "prod-eu-backup-20240501102030"],
    [{ cluster: "prod-eu", base: "nightly" }, "prod-eu-nightly-20240501102030"],
    [{ cluster: "prod-eu", base: "Before Upgrade!" }, "prod-eu-before-upgrade-20240501102030"],
    [{ cluster: "prod-eu", base: "---" }, "prod-eu-backup-20240501102030"],
    [{ cluster: "Prod EU" }, `prod-eu-${nodeSha("Prod EU").slice(0, 6)}-backup-20240501102030`],
  ])("%j → %s", (args, expected) => expect(backupName({ ...args, now: NOW })).toBe(expected));

  const longCluster = "the-primary-production-cluster-in-eu-west-1";
  const longBase = "before-the-big-database-schema-migration-of-2024";

  it.each([
    { cluster: longCluster },
    { cluster: longCluster, base: longBase },
    { cluster: "p", base: longBase },
    { cluster: "日本のクラスター", base: "日本" },
    { cluster: "x".repeat(300), base: "y".repeat(300) },
  ])("is a DNS-1123 label of at most 63 characters that keeps the whole timestamp (%#)", (args) => {
    const name = backupName({ ...args, now: NOW });
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(name)).toBe(true);
    expect(name.endsWith("-20240501102030")).toBe(true);
    expect(labelValue(name)).toBe(name); // short enough to be its own label value
  });

  it("is deterministic", () => {
    for (const args of [
      { cluster: "prod" },
      { cluster: longCluster, base: longBase },
      { cluster: "Prod EU", base: "x" },
    ])
      expect(backupName({ ...args, now: NOW })).toBe(backupName({ ...args, now: new Date(NOW.getTime()) }));
  });

  it("differs across clusters that share a bucket, for the same base and second", () => {
    const clusters = ["prod", "prod-eu", "Prod EU", "prod_eu", `${longCluster}-a`, `${longCluster}-b`, "staging"];
    const names = clusters.map((cluster) => backupName({ cluster, base: longBase, now: NOW }));
    expect(new Set(names).size).toBe(clusters.length);
  });

  it("differs from second to second, using UTC", () => {
    expect(backupName({ cluster: "p", now: new Date("2024-05-01T10:20:31Z") })).toBe("p-backup-20240501102031");
    expect(backupName({ cluster: "p", now: new Date("2024-12-31T23:59:59+02:00") })).toBe("p-backup-20241231215959");
  });

  it("refuses an invalid date", () =>
    expect(() => backupName({ cluster: "p", now: new Date("nope") })).toThrow(RangeError));
});

describe("restoreName and scheduleName", () => {
  it("restore names carry the target cluster too", () => {
    expect(restoreName({ cluster: "prod", now: NOW })).toBe("prod-restore-20240501102030");
    expect(restoreName({ cluster: "dr", base: "from nightly", now: NOW })).toBe("dr-from-nightly-20240501102030");
  });

  it.each([
    ["prod", "nightly", "prod-nightly"],
    ["Prod EU", "Nightly", `prod-eu-${nodeSha("Prod EU").slice(0, 6)}-nightly`],
    ["prod", "", "prod-schedule"],
  ])("scheduleName(%j, %j) = %s", (cluster, base, expected) => expect(scheduleName({ cluster, base })).toBe(expected));

  it("leaves room for Velero's -<timestamp> suffix", () => {
    const s = scheduleName({
      cluster: "the-primary-production-cluster-in-eu-west-1",
      base: "every-six-hours-with-volumes-and-everything",
    });
    expect(s.length).toBeLessThanOrEqual(48);
    expect(isDnsLabel(`${s}-${timestamp(NOW)}`)).toBe(true);
  });
});
