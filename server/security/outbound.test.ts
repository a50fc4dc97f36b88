import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetch } from "undici";
import { guardedLookup, outboundAgent, outboundNodeAgents, outboundRefusal } from "./outbound";
import { ensurePki } from "../../sandbox/pki";

// The outbound path checks the address it connects to, not only the URL checked before: these connect to a real local
// server, by name (through the lookup) and by literal address (checked before the socket opens).
let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end("hello"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const nodeGet = (url: string, agent: http.Agent) =>
  new Promise<string>((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve(body));
      })
      .on("error", reject);
  });

describe("outbound path: undici (the cluster port, fetch)", () => {
  it("refuses loopback by name at connect time, and by literal before connecting, unless allowed", async () => {
    const strict = outboundAgent({}, { allowLoopback: false });
    for (const url of [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`]) {
      const err = await fetch(url, { dispatcher: strict }).catch((e: unknown) => e);
      expect(outboundRefusal(err)).toMatch(/loopback address/);
    }
    await strict.destroy();
    const lenient = outboundAgent({}, { allowLoopback: true });
    expect(await (await fetch(`http://localhost:${port}/`, { dispatcher: lenient })).text()).toBe("hello");
    await lenient.destroy();
  });

  it("refuses the metadata service written as an IPv4-mapped IPv6 literal without opening a socket", async () => {
    const agent = outboundAgent({}, { allowLoopback: true });
    const err = await fetch("http://[::ffff:169.254.169.254]/latest/meta-data", { dispatcher: agent }).catch(
      (e: unknown) => e,
    );
    expect(outboundRefusal(err)).toMatch(/cloud metadata address/);
    await agent.destroy();
  });
});

/** The certificates are made with the openssl CLI (sandbox/pki.ts); without it this test skips. */
const NO_OPENSSL = spawnSync("openssl", ["version"]).status !== 0;

describe("outbound path: TLS (a kubeconfig's CA and client certificate)", () => {
  it.skipIf(NO_OPENSSL)(
    "verifies the server by the given CA and presents the client certificate on every connection",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-outbound-tls-"));
      const pki = ensurePki(dir)!;
      // The server asks for a client certificate and answers with the one it got (the sandbox's serving certificate
      // stands in for a client's: the server does not verify it, the test reads that it was sent).
      const peers: string[] = [];
      const tlsServer = https.createServer(
        { key: pki.key, cert: pki.cert, requestCert: true, rejectUnauthorized: false },
        (req, res) => {
          const peer = (req.socket as TLSSocket).getPeerCertificate();
          peers.push(peer.fingerprint256 ?? "none");
          res.end(peer.subject?.CN ?? "no certificate");
        },
      );
      await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", r));
      const url = `https://localhost:${(tlsServer.address() as AddressInfo).port}/`;
      try {
        const agent = outboundAgent({ ca: pki.caCert, cert: pki.cert, key: pki.key }, { allowLoopback: true });
        // Several requests at once (their own connections, from the one TLS context): each verified and identified.
        const answers = await Promise.all(
          Array.from({ length: 4 }, () => fetch(url, { dispatcher: agent }).then((r) => r.text())),
        );
        expect(answers).toEqual(Array(4).fill("sandbox-apiserver"));
        expect(new Set(peers).size).toBe(1);
        await agent.destroy();

        const unknownCa = outboundAgent({ cert: pki.cert, key: pki.key }, { allowLoopback: true });
        const err = (await fetch(url, { dispatcher: unknownCa }).catch((e: unknown) => e)) as {
          cause?: { code?: string };
        };
        expect(err.cause?.code).toMatch(/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/);
        await unknownCa.destroy();
      } finally {
        await new Promise<void>((r) => tlsServer.close(() => r()));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("outbound path: node agents (the AWS SDK)", () => {
  it("refuses loopback by name and by literal unless allowed", async () => {
    const strict = outboundNodeAgents({}, { allowLoopback: false });
    for (const url of [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`]) {
      const err = await nodeGet(url, strict.httpAgent).catch((e: unknown) => e);
      expect(outboundRefusal(err)).toMatch(/loopback address/);
    }
    const lenient = outboundNodeAgents({}, { allowLoopback: true });
    expect(await nodeGet(`http://localhost:${port}/`, lenient.httpAgent)).toBe("hello");
  });
});

describe("guardedLookup", () => {
  it("answers every address in the form the caller asked for, or refuses them all", async () => {
    const lookup = guardedLookup({ allowLoopback: true });
    const all = await new Promise((resolve, reject) =>
      lookup("localhost", { all: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))),
    );
    expect(all).toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
    const one = await new Promise<[string, number | undefined]>((resolve, reject) =>
      lookup("localhost", {}, (err, addr, family) => (err ? reject(err) : resolve([addr as string, family]))),
    );
    expect(one[0]).toMatch(/^(127\.|::1)/);
    const refusedErr = await new Promise((resolve) =>
      guardedLookup({ allowLoopback: false })("localhost", {}, (err) => resolve(err)),
    );
    expect(outboundRefusal(refusedErr)).toMatch(/localhost resolves to .*, which is a loopback address/);
  });
});
