import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The layering rules (README, Architecture), checked on the source: the console never imports the sandbox, only
// server/kube names @kubernetes/client-node, and the console's own code never loads it (tests and benches do).
const root = path.resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|js|mjs)$/.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

const importsOf = (file: string) =>
  [
    ...fs
      .readFileSync(path.join(root, file), "utf8")
      .matchAll(
        /(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g,
      ),
  ].map((m) => m[1] ?? m[2] ?? m[3]);

const consoleFiles = ["app", "components", "lib", "server"].flatMap(sources);
/** The file an import names (without extension), or null for a package. */
const resolved = (file: string, spec: string) =>
  spec.startsWith("@/")
    ? path.join(root, spec.slice(2))
    : spec.startsWith(".")
      ? path.resolve(path.dirname(path.join(root, file)), spec)
      : null;

describe("architecture", () => {
  it("finds the console's sources", () => {
    expect(consoleFiles.length).toBeGreaterThan(50);
  });

  it("app/, components/, lib/ and server/ never import the sandbox (their tests may drive it)", () => {
    const sandboxDir = path.join(root, "sandbox") + path.sep;
    const offenders = consoleFiles
      .filter((f) => !/\.test\.tsx?$/.test(f))
      .filter((f) => importsOf(f).some((spec) => (resolved(f, spec) ?? "").concat(path.sep).startsWith(sandboxDir)));
    expect(offenders).toEqual([]);
  });

  it("only server/kube imports @kubernetes/client-node, and the console itself does not load it", () => {
    const importers = consoleFiles.filter((f) => importsOf(f).some((s) => s.startsWith("@kubernetes/client-node")));
    expect(importers.filter((f) => !f.startsWith(`server${path.sep}kube${path.sep}`))).toEqual([]);
    // The session reads the checked kubeconfig itself (sessionCredentials): client-node's KubeConfig loads its whole
    // generated API (required alone: ~80 MiB of RSS, 31 MB of V8 heap). Tests and benches use it, as a client we did not write.
    expect(importers.filter((f) => !/\.test\.tsx?$/.test(f))).toEqual([
      `server${path.sep}kube${path.sep}testing-objects.ts`,
    ]);
    const testingObjects = path.join(root, "server", "kube", "testing-objects");
    const loaders = consoleFiles
      .filter((f) => !/\.test\.tsx?$/.test(f))
      .filter((f) => importsOf(f).some((spec) => (resolved(f, spec) ?? "").replace(/\.ts$/, "") === testingObjects));
    expect(loaders).toEqual([]); // only tests and benches reach it
  });

  it("everything that leaves the process goes through the outbound path (server/security/outbound.ts, #9 §2)", () => {
    const outbound = `server${path.sep}security${path.sep}outbound.ts`;
    const awsClients = path.join(root, "server", "storage", "aws", "clients");
    const product = consoleFiles.filter(
      (f) => !/\.test\.tsx?$/.test(f) && !f.startsWith(`server${path.sep}testing`) && !f.startsWith("components"),
    );
    const text = (f: string) => fs.readFileSync(path.join(root, f), "utf8");
    const offenders: string[] = [];
    for (const f of product.filter((f) => f !== outbound)) {
      const src = text(f);
      // Raw sockets, node's http clients and agents only inside the outbound path.
      if (/\bhttps?\.(request|get)\(|\b(net|tls)\.(connect|createConnection)\(|new (https?\.)?Agent\(/.test(src))
        offenders.push(`${f}: opens connections itself`);
      // fetch and undici requests name their dispatcher (never the process-wide default one).
      if (/\b(fetch|request)\(/.test(src) && importsOf(f).includes("undici") && !/\bdispatcher\b/.test(src))
        offenders.push(`${f}: undici without a dispatcher`);
      if (/(?<![.\w])fetch\(/.test(src) && !importsOf(f).includes("undici")) offenders.push(`${f}: global fetch`);
      // Cloud SDK clients are built with the outbound path's agents: directly, or through the AWS client config
      // (server/storage/aws/clients.ts, itself held to this rule).
      const sdk = importsOf(f).some((s) => s.startsWith("@aws-sdk/client-") || s.startsWith("@azure/"));
      const target = (spec: string) =>
        spec.startsWith("@/")
          ? path.join(root, spec.slice(2))
          : spec.startsWith(".")
            ? path.resolve(path.dirname(path.join(root, f)), spec)
            : null;
      const onPath = (spec: string) => /security\/outbound$/.test(spec) || target(spec) === awsClients;
      if (sdk && !importsOf(f).some(onPath)) offenders.push(`${f}: SDK client off the path`);
    }
    expect(offenders).toEqual([]);
  });

  it("no line of product code is over 160 characters (Prettier wraps code at 120; long strings are split by hand)", () => {
    const generated = `server${path.sep}db${path.sep}generated${path.sep}`;
    const offenders = consoleFiles
      .filter((f) => !/\.test\.tsx?$/.test(f) && !f.startsWith(generated))
      .flatMap((f) =>
        fs
          .readFileSync(path.join(root, f), "utf8")
          .split("\n")
          .flatMap((line, i) => (line.length > 160 ? [`${f}:${i + 1} (${line.length})`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});
