import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { startClusters, type Sandbox } from "../sandbox/sandbox";
import { haveKubectl, kubectl } from "../sandbox/testing/kubectl";

// `kubectl kustomize` renders deploy/base and the example overlay, and every rendered object is accepted by a
// server-side dry run (the API server's validation: unknown fields refused, required fields checked) through the
// machine's kubectl (its own validation included), client-side apply and server-side apply alike. Nothing is stored.
let sb: Sandbox;
let kc: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-deploy-"));
const root = path.resolve(import.meta.dirname, "..");

beforeAll(async () => {
  sb = await startClusters([{ name: "deploy" }], { dir });
  kc = sb.clusters[0].kubeconfigPath;
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const namesOf = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind: string; apiVersion: string; metadata: { name: string } })
    .map((o) => `${o.kind}/${o.metadata.name}`);

async function render(target: string): Promise<string> {
  const r = await kubectl(kc, ["kustomize", path.join(root, target)]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return r.out;
}

describe.skipIf(!haveKubectl)(
  "deploy/ on a Kubernetes API server" + (haveKubectl ? "" : " (skipped: no kubectl on this machine)"),
  () => {
    it("renders the base: the console, its Service, PodDisruptionBudget, ServiceAccount, config and migration Job", async () => {
      const names = namesOf(await render("deploy/base"));
      expect(names.map((n) => n.replace(/-[a-z0-9]{10}$/, "")).sort()).toEqual([
        "ConfigMap/lifeboat-config",
        "Deployment/lifeboat",
        "Job/lifeboat-migrate",
        "PodDisruptionBudget/lifeboat",
        "Service/lifeboat",
        "ServiceAccount/lifeboat",
      ]);
    });

    for (const target of ["deploy/base", "deploy/overlays/example"])
      it(`${target}: every object passes a server-side dry run, client-side and server-side apply`, async () => {
        const yaml = await render(target);
        const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "lifeboat" } };
        expect((await kubectl(kc, ["apply", "-f", "-"], JSON.stringify(ns))).code).toBe(0);
        const expected = namesOf(yaml).length;
        for (const mode of [[], ["--server-side", "--field-manager=lifeboat-deploy-test"]]) {
          const r = await kubectl(kc, ["apply", "--dry-run=server", ...mode, "-f", "-", "-o", "name"], yaml);
          expect(r.err).toBe("");
          expect(r.code).toBe(0);
          expect(r.out.trim().split("\n")).toHaveLength(expected);
        }
        // A dry run stores nothing.
        const left = await kubectl(kc, ["get", "deploy,svc,pdb,job,cm,sa", "-n", "lifeboat", "-o", "name"]);
        expect(left.code).toBe(0);
        expect(
          left.out.split("\n").filter((l) => l && l !== "serviceaccount/default" && !l.includes("kube-root-ca")),
        ).toEqual([]);
      });

    it("is checked for real: a misspelt probe field in the rendered Deployment is refused", async () => {
      const docs = parseAllDocuments(await render("deploy/base")).map((d) => d.toJS());
      const deployment = docs.find((o) => o.kind === "Deployment");
      const probe = deployment.spec.template.spec.containers[0].readinessProbe;
      probe.httpGett = probe.httpGet;
      delete probe.httpGet;
      const yaml = docs.map((o) => stringify(o)).join("---\n");
      const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", "-", "-o", "name"], yaml);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(
        /strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.readinessProbe\.httpGett"/,
      );
    });
  },
);
