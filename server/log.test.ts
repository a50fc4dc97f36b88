import { describe, expect, it } from "vitest";
import { createLogger, formatPretty } from "./log";

describe("logger", () => {
  it("redacts secret fields at any level we log them", () => {
    const lines: string[] = [];
    const log = createLogger((s) => lines.push(s), { level: "info" });
    log.info(
      {
        password: "hunter2hunter2",
        input: { password: "p4ss", kubeconfig: "apiVersion: v1", accountKey: "Eby8vd" },
        creds: { secretAccessKey: "wJalr", accountKey: "K3yZ" },
        token: "eyJ",
      },
      "creating",
    );
    const out = lines.join("");
    for (const secret of ["hunter2hunter2", "p4ss", "apiVersion: v1", "Eby8vd", "wJalr", "K3yZ", "eyJ"])
      expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
    expect(JSON.parse(lines[0]).msg).toBe("creating");
  });

  it("formats a readable line for development", () => {
    const line = formatPretty(
      JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 0), msg: "hello", path: "team.create" }),
    );
    expect(line).toBe("12:00:00.000 WARN hello  path=team.create\n");
  });
});
