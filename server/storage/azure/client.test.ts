import http from "node:http";
import https from "node:https";
import type { RequestPolicy, WebResource } from "@azure/storage-blob";
import { afterEach, describe, expect, it } from "vitest";
import {
  azureEndpointProblem,
  defaultBlobEndpoint,
  outboundAgentPolicy,
  shownEndpoint,
  tryTimeoutPolicy,
} from "./client";

describe("defaultBlobEndpoint", () => {
  it.each([
    ["AzurePublicCloud", "https://acct.blob.core.windows.net"],
    ["AzureUSGovernmentCloud", "https://acct.blob.core.usgovcloudapi.net"],
    ["AzureChinaCloud", "https://acct.blob.core.chinacloudapi.cn"],
  ] as const)("%s → %s", (cloud, url) => {
    expect(defaultBlobEndpoint("acct", cloud)).toBe(url);
  });
});

describe("azureEndpointProblem", () => {
  const saved = process.env.LIFEBOAT_ALLOW_LOOPBACK;
  afterEach(() => {
    if (saved === undefined) delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    else process.env.LIFEBOAT_ALLOW_LOOPBACK = saved;
  });
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses;

  it("accepts a public https endpoint and Azurite's path-style one when loopback is allowed", async () => {
    expect(
      await azureEndpointProblem("https://acct.blob.core.windows.net", { resolve: resolvesTo("20.60.1.1") }),
    ).toBeNull();
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    expect(await azureEndpointProblem("http://127.0.0.1:10000/devstoreaccount1")).toBeNull();
  });

  it.each([
    ["not a URL", "acct.blob.core.windows.net", /is not a valid URL/],
    ["another scheme", "ftp://acct.example.com", /^The blob endpoint ftp:\/\/acct\.example\.com must be an https:\/\//],
    [
      "credentials",
      "https://user:pw@acct.example.com",
      /^The blob endpoint https:\/\/acct\.example\.com must not carry credentials$/,
    ],
    ["a query (a SAS URL)", "https://acct.example.com/?sv=1&sig=abc", /must not carry a query or a fragment/],
    ["a fragment", "https://acct.example.com/#x", /must not carry a query or a fragment/],
  ])("refuses %s without repeating the secret parts", async (_what, url, message) => {
    const problem = await azureEndpointProblem(url, { resolve: resolvesTo("20.60.1.1") });
    expect(problem).toMatch(message);
    expect(problem).not.toMatch(/pw|sig=/);
  });

  it("refuses addresses the outbound policy refuses, by name or literal", async () => {
    delete process.env.LIFEBOAT_ALLOW_LOOPBACK;
    expect(await azureEndpointProblem("http://127.0.0.1:10000/devstoreaccount1")).toBe(
      "Lifeboat will not connect to http://127.0.0.1:10000/devstoreaccount1: 127.0.0.1 is a loopback address " +
        "(set LIFEBOAT_ALLOW_LOOPBACK=1 to allow it)",
    );
    expect(
      await azureEndpointProblem("https://acct.blob.core.windows.net", { resolve: resolvesTo("169.254.169.254") }),
    ).toMatch(/^Lifeboat will not connect to https:\/\/acct\.blob\.core\.windows\.net: .*cloud metadata address$/);
  });

  it("leaves a name that does not resolve to the connection, which reports it as an unknown account", async () => {
    const resolve = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await azureEndpointProblem("https://nosuchacct.blob.core.windows.net", { resolve })).toBeNull();
  });

  it("shows an endpoint without its query", () => {
    expect(shownEndpoint(new URL("https://a.example.com/acct?sig=x"))).toBe("https://a.example.com/acct");
    expect(shownEndpoint(new URL("https://a.example.com/"))).toBe("https://a.example.com");
  });
});

describe("the pipeline policies", () => {
  const agents = { httpAgent: new http.Agent(), httpsAgent: new https.Agent() };
  const sent: WebResource[] = [];
  const request = (r: Partial<WebResource>) => r as unknown as WebResource;
  const sink: RequestPolicy = {
    sendRequest: async (request) => {
      sent.push(request);
      return { request, status: 200, headers: {} } as never;
    },
  };

  it("sends every request through the outbound agent of its scheme, replacing any agent set before", async () => {
    const policy = outboundAgentPolicy(agents).create(sink, {} as never);
    const other = new https.Agent();
    await policy.sendRequest(request({ url: "https://acct.blob.core.windows.net/c", agent: other }));
    await policy.sendRequest(request({ url: "http://127.0.0.1:10000/devstoreaccount1/c" }));
    expect(sent.map((r) => r.agent)).toEqual([agents.httpsAgent, agents.httpAgent]);
  });

  it("gives each try the deadline", async () => {
    sent.length = 0;
    await tryTimeoutPolicy(1234)
      .create(sink, {} as never)
      .sendRequest(request({ url: "https://x" }));
    expect(sent[0].timeout).toBe(1234);
  });
});
