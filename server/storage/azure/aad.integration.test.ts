import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePki, type Pki } from "../../../sandbox/pki";
import { captureOutput, HOST, reserveFreePort, stopper, waitForPort } from "../../../sandbox/storage/child-process";
import { startEntra, type EntraStandIn } from "../../../sandbox/storage/entra";
import { AadError, ServicePrincipalCredential } from "./aad";
import { blobServiceClient } from "./client";
import { probeAzureLocation } from "./probe";

// The Entra ID data plane of an Azure location (useAAD): Lifeboat's token credential signs in at a stand-in for Entra
// ID (sandbox/storage/entra.ts, plain http on 127.0.0.1) and the probe reaches Azurite over https with the bearer
// token. Azurite runs here with `--oauth basic`, which needs https and checks a token's issuer, audience and times but
// not its signature: this proves the token flow and the bearer requests, not Entra ID's signatures or Azure's roles.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const ACCOUNT = "devstoreaccount1";
const ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const SECRET = `Az8Q~${crypto.randomBytes(12).toString("base64url")}`;
const sp = { tenantId: crypto.randomUUID(), clientId: crypto.randomUUID(), cloud: "AzurePublicCloud" as const };
const CONTAINER = "velero";
/** The https Azurite needs a certificate, made with the openssl CLI (sandbox/pki.ts); without it those tests skip. */
const NO_OPENSSL = spawnSync("openssl", ["version"]).status !== 0;

let dir: string;
let pki: Pki | null;
let entra: EntraStandIn;
let endpoint: string;
let stopAzurite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-azure-aad-"));
  pki = ensurePki(path.join(dir, "pki"));
  entra = await startEntra({
    principals: [{ ...sp, clientSecret: SECRET }],
    resourceGroups: {},
    accountKeys: {},
  });
  if (!pki) return;
  fs.writeFileSync(path.join(dir, "server.crt"), pki.cert);
  fs.writeFileSync(path.join(dir, "server.key"), pki.key);
  const port = await reserveFreePort("azurite", 0);
  const main = path.join(
    path.dirname(createRequire(import.meta.url).resolve("azurite/package.json")),
    "dist/src/blob/main.js",
  );
  const child = spawn(
    process.execPath,
    [
      main,
      "--blobHost",
      HOST,
      "--blobPort",
      String(port),
      "-l",
      path.join(dir, "data"),
      "--oauth",
      "basic",
      "--cert",
      path.join(dir, "server.crt"),
      "--key",
      path.join(dir, "server.key"),
      "--skipApiVersionCheck",
      "--silent",
      "--loose",
      "--disableTelemetry",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  stopAzurite = stopper(child);
  await waitForPort("azurite", port, 30_000, child, captureOutput(child));
  endpoint = `https://${HOST}:${port}/${ACCOUNT}`;
  const service = await blobServiceClient({ endpoint, accountName: ACCOUNT, accountKey: ACCOUNT_KEY, ca: pki.caCert });
  await service.getContainerClient(CONTAINER).createIfNotExists();
}, 60_000);

afterAll(async () => {
  await stopAzurite?.();
  await entra?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const credential = (clientSecret = SECRET) =>
  new ServicePrincipalCredential(
    { ...sp, clientSecret },
    { environment: { LIFEBOAT_AZURE_AUTHORITY_HOST: entra.url } },
  );

describe("a service principal's token credential", () => {
  it("signs in with the client-credentials grant and keeps the token until five minutes before it expires", async () => {
    let now = Date.now();
    const c = new ServicePrincipalCredential(
      { ...sp, clientSecret: SECRET },
      { environment: { LIFEBOAT_AZURE_AUTHORITY_HOST: entra.url }, now: () => now },
    );
    const before = entra.tokenRequests.length;
    const first = await c.getToken("https://storage.azure.com/.default");
    expect(first.token.split(".")).toHaveLength(3);
    expect(await c.getToken(["https://storage.azure.com/.default"])).toBe(first);
    expect(entra.tokenRequests.length).toBe(before + 1);
    // 3599 s: at 55 minutes it is still good, past 54 min 59 s (expiry - 5 min) it is fetched again.
    now += 3_300_000;
    expect(await c.getToken("https://storage.azure.com/.default")).not.toBe(first);
    expect(entra.tokenRequests.slice(before)).toEqual([
      { tenantId: sp.tenantId, clientId: sp.clientId, scope: "https://storage.azure.com/.default" },
      { tenantId: sp.tenantId, clientId: sp.clientId, scope: "https://storage.azure.com/.default" },
    ]);
  });

  it("refuses with Entra ID's reason, never the secret", async () => {
    const wrong = `${SECRET}x`;
    const e = await credential(wrong)
      .getToken("https://storage.azure.com/.default")
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AadError);
    expect(e).toMatchObject({ failure: "InvalidCredentials", code: "7000215" });
    expect((e as Error).message).not.toContain(wrong);
  });

  it("is refused by the outbound path when loopback is not allowed", async () => {
    const saved = process.env.LIFEBOAT_ALLOW_LOOPBACK;
    delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    try {
      const e = await credential()
        .getToken("https://storage.azure.com/.default")
        .catch((err: unknown) => err);
      expect(e).toMatchObject({ failure: "Unreachable", message: expect.stringContaining("loopback") });
    } finally {
      process.env.LIFEBOAT_ALLOW_LOOPBACK = saved;
    }
  });
});

describe("probing a container with an Entra ID token (Azurite --oauth basic, over https)", () => {
  it.skipIf(NO_OPENSSL)("passes the four steps with bearer tokens, signing in once", async () => {
    const before = entra.tokenRequests.length;
    const r = await probeAzureLocation(
      { endpoint, accountName: ACCOUNT, container: CONTAINER, prefix: `aad/${crypto.randomUUID()}` },
      { tokenCredential: credential(), secrets: [SECRET] },
      { ca: pki!.caCert },
    );
    expect(r).toMatchObject({ ok: true });
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ["head", true],
      ["list", true],
      ["write", true],
      ["delete", true],
    ]);
    expect(entra.tokenRequests.slice(before)).toEqual([
      { tenantId: sp.tenantId, clientId: sp.clientId, scope: "https://storage.azure.com/.default" },
    ]);
  });

  it.skipIf(NO_OPENSSL)("fails as InvalidCredentials with Entra ID's reason when the sign-in is refused", async () => {
    const wrong = `${SECRET}y`;
    const r = await probeAzureLocation(
      { endpoint, accountName: ACCOUNT, container: CONTAINER },
      { tokenCredential: credential(wrong), secrets: [wrong] },
      { ca: pki!.caCert },
    );
    expect(r).toMatchObject({
      ok: false,
      failure: "InvalidCredentials",
      message: expect.stringContaining("AADSTS7000215"),
    });
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it.skipIf(NO_OPENSSL)("is refused by Azurite when the token is not for storage", async () => {
    const other = new ServicePrincipalCredential(
      { ...sp, clientSecret: SECRET },
      { environment: { LIFEBOAT_AZURE_AUTHORITY_HOST: entra.url } },
    );
    // A token whose audience is ARM's, handed out for every scope the pipeline asks for.
    const management = await other.getToken("https://management.azure.com/.default");
    const r = await probeAzureLocation(
      { endpoint, accountName: ACCOUNT, container: CONTAINER },
      { tokenCredential: { getToken: async () => management }, secrets: [SECRET] },
      { ca: pki!.caCert },
    );
    expect(r).toMatchObject({ ok: false, failure: "InvalidCredentials" });
    expect(r.message).toContain("did not accept the service principal's Entra ID token");
  });
});
