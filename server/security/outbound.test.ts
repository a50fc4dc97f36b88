import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetch } from "undici";
import { guardedLookup, outboundAgent, outboundNodeAgents, outboundRefusal } from "./outbound";

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
