import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidcHttpOptions } from "./options";
import { outboundRefusal } from "../security/outbound";

// #9 §2: the identity provider is on the far side of a trust boundary. Every request openid-client makes for next-auth
// (discovery, token, JWKS) goes through the outbound path, including to endpoints the discovery document names as
// literal addresses, which no DNS lookup sees. These drive next-auth's own copy of openid-client.
const openid = createRequire(createRequire(import.meta.url).resolve("next-auth"))("openid-client") as {
  Issuer: { discover(url: string): Promise<{ metadata: Record<string, unknown> }> };
  custom: { setHttpOptionsDefaults(o: object): void };
};

let idp: http.Server;
let port: number;
beforeAll(async () => {
  // A provider on loopback whose discovery document points its keys at the metadata service, as an IPv4-mapped literal.
  idp = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        issuer: `http://127.0.0.1:${port}`,
        authorization_endpoint: `http://127.0.0.1:${port}/auth`,
        token_endpoint: `http://127.0.0.1:${port}/token`,
        jwks_uri: "http://[::ffff:169.254.169.254]/latest/meta-data/",
      }),
    );
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  port = (idp.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => idp.close(() => r())));

describe("OIDC requests on the outbound path", () => {
  it("refuses an issuer written as a metadata address before connecting", async () => {
    openid.custom.setHttpOptionsDefaults(oidcHttpOptions("http://169.254.169.254"));
    for (const issuer of ["http://169.254.169.254", "http://[::ffff:a9fe:a9fe]", "http://[fd00:ec2::254]"]) {
      const err = await openid.Issuer.discover(`${issuer}/.well-known/openid-configuration`).catch((e: unknown) => e);
      expect(outboundRefusal(err), issuer).toMatch(/metadata|link-local/);
    }
  });

  it("refuses a literal metadata address the discovery document names (the keys' URL)", async () => {
    const before = process.env.LIFEBOAT_ALLOW_LOOPBACK;
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    try {
      openid.custom.setHttpOptionsDefaults(oidcHttpOptions(`http://127.0.0.1:${port}`));
      const issuer = (await openid.Issuer.discover(`http://127.0.0.1:${port}/.well-known/openid-configuration`)) as {
        metadata: Record<string, unknown>;
        reloadJwksUri(): Promise<unknown>;
      };
      expect(issuer.metadata.jwks_uri).toContain("169.254.169.254");
      const err = await issuer.reloadJwksUri().catch((e: unknown) => e);
      expect(outboundRefusal(err)).toMatch(/metadata|link-local/);
    } finally {
      if (before === undefined) delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
      else process.env.LIFEBOAT_ALLOW_LOOPBACK = before;
    }
  });
});
