import { describe, expect, it } from "vitest";
import { bearerOnly, checkMutationOrigin, checkQuerySite } from "./origin";

const h = (o: Record<string, string>) => new Headers(o);

describe("checkMutationOrigin", () => {
  const url = "http://console.example.com/api/trpc/team.create";
  it.each([
    ["POST", { host: "console.example.com", origin: "http://console.example.com" }, true],
    ["POST", { host: "console.example.com", origin: "https://evil.example" }, false],
    ["POST", { host: "console.example.com" }, false],
    ["PUT", { host: "console.example.com", origin: "http://console.example.com" }, false],
    [
      "POST",
      {
        host: "internal:3000",
        "x-forwarded-host": "console.example.com",
        "x-forwarded-proto": "https",
        origin: "https://console.example.com",
      },
      true,
    ],
    // A bearer token alone (a program, not a page) needs no Origin; with a cookie too it is checked like a browser's.
    ["POST", { host: "console.example.com", authorization: "Bearer lbt_abc" }, true],
    ["POST", { host: "console.example.com", authorization: "bearer lbt_abc", origin: "https://evil.example" }, true],
    [
      "POST",
      { host: "console.example.com", authorization: "Bearer lbt_abc", cookie: "next-auth.session-token=x" },
      false,
    ],
    [
      "POST",
      {
        host: "console.example.com",
        authorization: "Bearer lbt_abc",
        cookie: "next-auth.session-token=x",
        origin: "https://evil.example",
      },
      false,
    ],
    [
      "POST",
      {
        host: "console.example.com",
        authorization: "Bearer lbt_abc",
        cookie: "next-auth.session-token=x",
        origin: "http://console.example.com",
      },
      true,
    ],
    ["POST", { host: "console.example.com", authorization: "Basic dTpw" }, false],
    ["PUT", { host: "console.example.com", authorization: "Bearer lbt_abc" }, false],
  ])("%s %j → ok=%s", (method, headers, ok) => {
    expect(checkMutationOrigin(method, url, h(headers)).ok).toBe(ok);
  });
});

describe("bearerOnly", () => {
  it.each([
    [{ authorization: "Bearer lbt_abc" }, true],
    [{ authorization: "Bearer" }, true],
    [{ authorization: "Bearer lbt_abc", cookie: "a=b" }, false],
    [{ authorization: "Basic dTpw" }, false],
    [{ cookie: "a=b" }, false],
    [{}, false],
  ])("%j → %s", (headers, bearer) => {
    expect(bearerOnly(h(headers))).toBe(bearer);
  });
});

describe("checkQuerySite", () => {
  const url = "http://console.example.com/api/trpc/backup.get?input=%7B%7D";
  it.each([
    [{ host: "console.example.com", "sec-fetch-site": "same-origin" }, true],
    [{ host: "console.example.com", "sec-fetch-site": "none" }, true], // typed in the address bar
    [{ host: "console.example.com" }, true], // a program, or a browser without Fetch Metadata
    [{ host: "console.example.com", authorization: "Bearer lbt_abc" }, true],
    // Another site navigating a signed-in browser to a query that would create DownloadRequests on a cluster:
    [{ host: "console.example.com", "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, false],
    [{ host: "console.example.com", "sec-fetch-site": "same-site", "sec-fetch-dest": "image" }, false],
    [{ host: "console.example.com", origin: "https://evil.example" }, false],
    [{ host: "console.example.com", origin: "http://console.example.com", "sec-fetch-site": "same-origin" }, true],
  ])("%j → allowed=%s", (headers, allowed) => expect(checkQuerySite(url, h(headers)).ok).toBe(allowed));
});
