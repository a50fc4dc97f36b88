import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { parse as parseYaml } from "yaml";
import { ADMIN, RESPONSES_FILE, rawMutation, signIn, expect, test } from "./fixtures";
import { PG_PORT, SERVER_LOG } from "../playwright.config";
// @ts-expect-error: a plain .mjs module without types
import { embeddedUrl } from "../scripts/lib/postgres.mjs";

// The canary test, last: secrets with unique values (a credential's secret key made here, the sandbox clusters'
// bearer tokens the journey attached them with, the admin's password) must appear in no HTTP response any page of the
// journeys received (server-rendered pages, API answers, scripts), no audit row and no server log line.
test("no secret reaches a response, a page, an audit row or a log line", async ({ page }) => {
  const canarySecret = `canary-${crypto.randomBytes(16).toString("hex")}`;
  await signIn(page, ADMIN);
  const created = await rawMutation(page, "credential.create", {
    kind: "AWS_ACCESS_KEY",
    name: "canary-keys",
    description: "",
    accessKeyId: "AKIACANARY0000000000",
    secretAccessKey: canarySecret,
  });
  expect(created.status).toBe(200);
  // The pages that show credentials, locations, clusters and the audit trail, rendered with the canary stored.
  for (const [link, href] of [
    ["Credentials", "/data-protection/credentials"],
    ["Target locations", "/data-protection/locations"],
    ["Clusters", "/clusters"],
    ["Audit log", "/admin/audit"],
  ]) {
    await page.getByRole("link", { name: link, exact: true }).click();
    await page.waitForURL(`**${href}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
  await expect(page.getByText("credential.create").first()).toBeVisible();

  const sandbox = JSON.parse(fs.readFileSync(".data/e2e/sandbox/sandbox.json", "utf8")) as {
    clusters: { name: string; kubeconfig: string }[];
    azure: { accountKey: string; servicePrincipal: { clientSecret: string } | null };
    aws: { admin: { secretAccessKey: string } } | null;
  };
  const canaries: Record<string, string> = { "the canary credential's secret key": canarySecret };
  for (const c of sandbox.clusters) {
    const kubeconfig = parseYaml(fs.readFileSync(path.resolve(c.kubeconfig), "utf8"));
    canaries[`${c.name}'s bearer token`] = kubeconfig.users[0].user.token;
  }
  canaries["the admin's password"] = ADMIN.password;
  // 05-locations made an Azure credential and location with it, and backed up and restored through them.
  canaries["the Azure storage account key"] = sandbox.azure.accountKey;
  // 05-locations-sp made an Azure service principal credential and a location with it, and backed up through it.
  if (sandbox.azure.servicePrincipal)
    canaries["the Azure service principal's client secret"] = sandbox.azure.servicePrincipal.clientSecret;
  // …and an AWS account credential with moto's admin key, which provisioned a managed location (where moto runs).
  if (sandbox.aws) canaries["the AWS account's secret key"] = sandbox.aws.admin.secretAccessKey;
  for (const [what, value] of Object.entries(canaries)) expect(value.length, what).toBeGreaterThanOrEqual(16);

  const db = new pg.Client({ connectionString: embeddedUrl({ dir: ".data/e2e/pg", port: PG_PORT, name: "lifeboat" }) });
  await db.connect();
  const audit = (await db.query(`SELECT * FROM "AuditEvent"`)).rows;
  await db.end();
  const haystacks: Record<string, string> = {
    "audit rows": JSON.stringify(audit),
    "server log": fs.readFileSync(SERVER_LOG, "utf8"),
  };
  // The journeys' responses run to megabytes (the build's files once each): searched a chunk at a time.
  const responses = searchFile(RESPONSES_FILE, [...Object.values(canaries), "canary-keys"]);
  // Each was really searched: the journeys' responses, a long audit trail, a server that logged.
  expect(responses.bytes).toBeGreaterThan(1_000_000);
  expect(responses.found.has("canary-keys")).toBe(true);
  expect(audit.length).toBeGreaterThan(50);
  expect(haystacks["server log"].length).toBeGreaterThan(0);
  const found: string[] = [];
  for (const [what, value] of Object.entries(canaries)) {
    if (responses.found.has(value)) found.push(`${what} in the HTTP responses`);
    for (const [where, text] of Object.entries(haystacks))
      if (text.includes(value)) found.push(`${what} in the ${where}`);
  }
  expect(found).toEqual([]);
});

/** Which of `needles` occur in the file, read 16 MiB at a time (chunks overlap by the longest needle). */
function searchFile(file: string, needles: string[]): { bytes: number; found: Set<string> } {
  const wanted = needles.map((n) => ({ n, b: Buffer.from(n, "utf8") }));
  const overlap = Math.max(...wanted.map((w) => w.b.length)) - 1;
  const found = new Set<string>();
  const fd = fs.openSync(file, "r");
  const chunk = Buffer.alloc(16 * 1024 * 1024 + overlap);
  let carried = 0;
  let bytes = 0;
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, carried, chunk.length - carried, null);
      if (read === 0) break;
      bytes += read;
      const view = chunk.subarray(0, carried + read);
      for (const w of wanted) if (!found.has(w.n) && view.includes(w.b)) found.add(w.n);
      carried = Math.min(overlap, view.length);
      view.copy(chunk, 0, view.length - carried);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, found };
}
