import { describe, expect, it } from "vitest";
import { checkMutationOrigin } from "./origin";

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
  ])("%s %j → ok=%s", (method, headers, ok) => {
    expect(checkMutationOrigin(method, url, h(headers)).ok).toBe(ok);
  });
});
