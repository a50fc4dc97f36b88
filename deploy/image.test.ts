import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// The image and the manifests must agree with each other and with the code: no container engine runs here (README,
// "Running in production"), so what can be read is checked: the Dockerfile's stages, user and command; the probes'
// routes; the migration Job's command inside the image's layout.
const root = path.resolve(import.meta.dirname, "..");
const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");

interface Stage {
  name: string;
  lines: string[];
}
function stages(dockerfile: string): Stage[] {
  const out: Stage[] = [];
  // Continuation lines joined, comments dropped.
  const lines = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  for (const l of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(l);
    if (from) out.push({ name: from[1] ?? String(out.length), lines: [] });
    else out.at(-1)?.lines.push(l);
  }
  return out;
}

const docker = stages(read("Dockerfile"));
const runtime = docker.at(-1)!;

describe("the Dockerfile", () => {
  it("builds in stages and runs Next's standalone server as a non-root user, without dev dependencies", () => {
    expect(docker.map((s) => s.name)).toEqual(["deps", "build", "migrate", "runtime"]);
    const user = runtime.lines.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toMatch(/^USER\s+1000(:1000)?$/);
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "server.js"]');
    // The runtime stage installs nothing: it copies the standalone output and the migration stage.
    expect(runtime.lines.filter((l) => /^RUN\s/i.test(l))).toEqual([]);
    expect(runtime.lines).toContain("COPY --from=build /src/.next/standalone ./");
    expect(runtime.lines).toContain("COPY --from=build /src/.next/static ./.next/static");
    // The migration stage keeps production dependencies only.
    const migrate = docker.find((s) => s.name === "migrate")!;
    for (const l of migrate.lines.filter((x) => /npm (install|ci)/.test(x))) expect(l).toContain("--omit=dev");
    // Standalone output is asked for by the build stage, and next.config.js reads that variable.
    const build = docker.find((s) => s.name === "build")!;
    expect(build.lines.join("\n")).toMatch(/LIFEBOAT_STANDALONE=1/);
    expect(read("next.config.js")).toMatch(/process\.env\.LIFEBOAT_STANDALONE === "1" \? "standalone"/);
  });

  it("copies into the migration stage every file the migration script and Prisma's config load", () => {
    const migrate = docker.find((s) => s.name === "migrate")!.lines.join("\n");
    for (const f of ["prisma.config.ts", "scripts/migrate.mjs", "scripts/schema-engine-wasm-shim.mjs"]) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
      expect(migrate).toContain(f);
    }
    expect(migrate).toMatch(/COPY prisma \.\/prisma/);
    // The packages the script and the shim import are the ones the stage keeps.
    const kept = /const keep = \[([^\]]+)\]/.exec(migrate)![1];
    const imports = [read("scripts/migrate.mjs"), read("scripts/schema-engine-wasm-shim.mjs")]
      .flatMap((src) => [...src.matchAll(/from "([^".][^"]*)"/g)].map((m) => m[1]))
      .filter((m) => !m.startsWith("node:"))
      .map((m) => (m.startsWith("@") ? m.split("/").slice(0, 2).join("/") : m.split("/")[0]));
    for (const m of new Set([...imports, "prisma"])) expect(kept).toContain(`"${m}"`);
  });
});

const rendered = (dir: string) => {
  const r = spawnSync("kubectl", ["kustomize", dir], { cwd: root, encoding: "utf8" });
  return r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS()) : null;
};
const haveKustomize = spawnSync("kubectl", ["kustomize", "--help"], { encoding: "utf8" }).status === 0;

describe.skipIf(!haveKustomize)(
  "deploy/base against the image" + (haveKustomize ? "" : " (skipped: no kubectl with kustomize on this machine)"),
  () => {
    const objects = rendered("deploy/base")!;
    const byKind = (kind: string) => objects.find((o) => o.kind === kind);

    it("probes routes the console serves: liveness without the database, readiness with it", () => {
      const c = byKind("Deployment").spec.template.spec.containers[0];
      expect(c.livenessProbe.httpGet.path).toBe("/api/healthz/live");
      expect(c.startupProbe.httpGet.path).toBe("/api/healthz/live");
      expect(c.readinessProbe.httpGet.path).toBe("/api/healthz");
      expect(fs.existsSync(path.join(root, "app/api/healthz/live/route.ts"))).toBe(true);
      expect(fs.existsSync(path.join(root, "app/api/healthz/route.ts"))).toBe(true);
      // The port the image's server listens on.
      expect(runtime.lines.join("\n")).toMatch(new RegExp(`PORT=${c.ports[0].containerPort}\\b`));
      expect(runtime.lines).toContain(`EXPOSE ${c.ports[0].containerPort}`);
    });

    it("runs as the image's user with a read-only root and writable cache and /tmp", () => {
      const pod = byKind("Deployment").spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      const c = pod.containers[0];
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual([
        "/app/.next/cache",
        "/tmp",
      ]);
      // The secrets the console refuses to start without in production come from the Secret.
      const fromSecret = c.env.filter((e: { valueFrom?: { secretKeyRef?: unknown } }) => e.valueFrom?.secretKeyRef);
      expect(fromSecret.map((e: { name: string }) => e.name).sort()).toEqual([
        "DATABASE_URL",
        "LIFEBOAT_SECRET_KEY",
        "NEXTAUTH_SECRET",
      ]);
    });

    it("runs the migration script the image holds, as the schema's owner", () => {
      const job = byKind("Job").spec.template.spec;
      const c = job.containers[0];
      expect(c.workingDir).toBe("/app/migrate");
      expect(c.command).toEqual(["node", "scripts/migrate.mjs"]);
      // /app/migrate is the migration stage, copied under the runtime stage's WORKDIR.
      expect(runtime.lines).toContain("WORKDIR /app");
      expect(runtime.lines).toContain("COPY --from=migrate /migrate ./migrate");
      // The schema owner's connection is in a Secret of its own, which the console does not reference.
      expect(c.env.find((e: { name: string }) => e.name === "DATABASE_URL").valueFrom.secretKeyRef).toEqual({
        name: "lifeboat-migrate-secrets",
        key: "database-url",
      });
      expect(JSON.stringify(byKind("Deployment"))).not.toContain("lifeboat-migrate-secrets");
      expect(job.restartPolicy).toBe("Never");
    });
  },
);
