import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClusters, type Sandbox } from "../sandbox";
import { kubeconfigYaml } from "../kubeconfig";
import { haveKubectl, kubectl, kubectlFor } from "../testing/kubectl";
import { crdsSkipReason, haveCrds, haveWorkloads, VELERO_CRDS_DIR, WORKLOADS_DIR } from "../testing/paths";

// The machine's real kubectl against a sandbox cluster over TLS with a bearer token.
let sb: Sandbox;
let kc: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-kubectl-"));

beforeAll(async () => {
  sb = await startClusters([{ name: "kubectl-fidelity" }], { dir });
  kc = sb.clusters[0].kubeconfigPath;
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveKubectl)(
  "kubectl against a sandbox cluster" + (haveKubectl ? "" : " (skipped: no kubectl on this machine)"),
  () => {
    it("serves a pod's log to kubectl logs: by container, the last lines, and refusals in kubectl's words", async () => {
      expect((await kubectl(kc, ["create", "namespace", "logs"])).code).toBe(0);
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "two", namespace: "logs" },
        spec: {
          containers: [
            { name: "app", image: "busybox" },
            { name: "sidecar", image: "busybox" },
          ],
        },
      };
      expect((await kubectl(kc, ["apply", "-f", "-"], JSON.stringify(pod))).code).toBe(0);
      sb.clusters[0].cluster.appendPodLog("logs", "two", "app", "first\nsecond\nthird\n");
      const all = await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "app"]);
      expect(all).toMatchObject({ code: 0, out: "first\nsecond\nthird\n" });
      expect((await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "app", "--tail", "1"])).out).toBe("third\n");
      expect((await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "app", "--limit-bytes", "5"])).out).toBe("first");
      expect((await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "sidecar"])).out).toBe("");
      const which = await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "nope"]);
      expect(which.code).not.toBe(0);
      expect(which.err).toContain("container nope is not valid for pod two");
      expect((await kubectl(kc, ["delete", "pod", "two", "-n", "logs"])).code).toBe(0);
      expect((await kubectl(kc, ["logs", "two", "-n", "logs", "-c", "app"])).err).toContain("not found");
    });

    it("reports the server version and discovers resources", async () => {
      const v = await kubectl(kc, ["version", "-o", "json"]);
      expect(v.code).toBe(0);
      expect(JSON.parse(v.out).serverVersion.gitVersion).toBe("v1.31.4");
      const r = await kubectl(kc, ["api-resources", "-o", "name"]);
      expect(r.out.split("\n")).toEqual(
        expect.arrayContaining([
          "pods",
          "deployments.apps",
          "volumesnapshots.snapshot.storage.k8s.io",
          "customresourcedefinitions.apiextensions.k8s.io",
        ]),
      );
    });

    it.skipIf(!haveWorkloads)(
      "applies real manifests, is idempotent, gets, describes, labels, annotates and deletes",
      async () => {
        expect((await kubectl(kc, ["create", "namespace", "guestbook"])).code).toBe(0);
        const manifest = path.join(WORKLOADS_DIR, "web_guestbook_all-in-one_guestbook-all-in-one.yaml");
        const first = await kubectl(kc, ["apply", "-n", "guestbook", "-f", manifest]);
        expect(first.err).toBe("");
        expect(first.out).toContain("deployment.apps/frontend created");
        expect((await kubectl(kc, ["apply", "-n", "guestbook", "-f", manifest])).out).toContain(
          "deployment.apps/frontend unchanged",
        );

        const got = JSON.parse((await kubectl(kc, ["get", "deploy", "frontend", "-n", "guestbook", "-o", "json"])).out);
        expect(got.spec.template.spec.containers[0].image).toContain("gb-frontend");
        expect(got.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBeTruthy();

        expect(
          (await kubectl(kc, ["label", "deploy", "frontend", "-n", "guestbook", "tier=web", "--overwrite"])).out,
        ).toContain("labeled");
        expect((await kubectl(kc, ["annotate", "svc", "frontend", "-n", "guestbook", "owner=platform"])).out).toContain(
          "annotated",
        );
        expect(
          (await kubectl(kc, ["get", "deploy", "-n", "guestbook", "-l", "tier=web", "-o", "name"])).out.trim(),
        ).toBe("deployment.apps/frontend");
        const described = await kubectl(kc, ["describe", "svc", "frontend", "-n", "guestbook"]);
        expect(described.out).toMatch(/Annotations:\s+owner: platform/);

        const table = await kubectl(kc, ["get", "deploy", "-n", "guestbook"]);
        expect(table.out.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);

        expect((await kubectl(kc, ["delete", "deploy", "redis-replica", "-n", "guestbook"])).out).toContain(
          'deployment.apps "redis-replica" deleted',
        );
        expect((await kubectl(kc, ["get", "deploy", "redis-replica", "-n", "guestbook"])).err).toContain(
          'deployments.apps "redis-replica" not found',
        );
      },
    );

    it("watches with get -w until stopped", async () => {
      await kubectl(kc, ["create", "namespace", "watched"]);
      const out = await kubectlFor(
        kc,
        ["get", "configmaps", "-n", "watched", "-w", "--output-watch-events"],
        3500,
        async () => {
          await kubectl(kc, ["create", "configmap", "live-1", "-n", "watched", "--from-literal=a=b"]);
          await kubectl(kc, ["delete", "configmap", "live-1", "-n", "watched"]);
        },
      );
      expect(out).toMatch(/ADDED\s+live-1/);
      expect(out).toMatch(/DELETED\s+live-1/);
    });

    it("pages with --chunk-size", async () => {
      await kubectl(kc, ["create", "namespace", "paged"]);
      for (let i = 0; i < 7; i++) await kubectl(kc, ["create", "configmap", `cm-${i}`, "-n", "paged"]);
      const r = await kubectl(kc, ["get", "configmaps", "-n", "paged", "--chunk-size=2", "-o", "name", "-v=6"]);
      const names = r.out
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("configmap/cm-"));
      expect(names).toHaveLength(7);
      expect((r.err.match(/limit=2/g) ?? []).length).toBeGreaterThanOrEqual(4); // 7 items in pages of 2
      expect(r.err).toContain("continue=");
    });

    it("answers auth can-i for a least-privilege service account, and refuses it beyond its Role", async () => {
      const cluster = sb.clusters[0].cluster;
      await kubectl(kc, ["create", "namespace", "team-a"]);
      await kubectl(kc, ["create", "serviceaccount", "reader", "-n", "team-a"]);
      await kubectl(kc, ["create", "role", "pod-reader", "-n", "team-a", "--verb=get,list,watch", "--resource=pods"]);
      await kubectl(kc, [
        "create",
        "rolebinding",
        "reader",
        "-n",
        "team-a",
        "--role=pod-reader",
        "--serviceaccount=team-a:reader",
      ]);
      const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: reader-token\n  namespace: team-a\n  annotations:\n    kubernetes.io/service-account.name: reader\ntype: kubernetes.io/service-account-token\n`;
      expect((await kubectl(kc, ["apply", "-f", "-"], secret)).code).toBe(0);
      let token = "";
      for (let i = 0; i < 50 && !token; i++) {
        const s = JSON.parse((await kubectl(kc, ["get", "secret", "reader-token", "-n", "team-a", "-o", "json"])).out);
        token = s.data?.token ? Buffer.from(s.data.token, "base64").toString() : "";
        if (!token) await new Promise((r) => setTimeout(r, 50));
      }
      expect(token).toMatch(/^sbx-/);
      const ca = fs.readFileSync(path.join(dir, "pki", "ca.crt"), "utf8");
      const readerKc = path.join(dir, "reader.kubeconfig");
      fs.writeFileSync(
        readerKc,
        kubeconfigYaml({ name: "reader", server: sb.clusters[0].url, token, caCert: ca, namespace: "team-a" }),
      );

      expect((await kubectl(readerKc, ["auth", "can-i", "list", "pods", "-n", "team-a"])).out.trim()).toBe("yes");
      expect((await kubectl(readerKc, ["auth", "can-i", "delete", "pods", "-n", "team-a"])).out.trim()).toBe("no");
      expect((await kubectl(readerKc, ["auth", "can-i", "list", "pods", "-n", "default"])).out.trim()).toBe("no");
      expect((await kubectl(readerKc, ["auth", "can-i", "--list", "-n", "team-a"])).out).toMatch(
        /pods\s+\[\]\s+\[\]\s+\[get list watch\]/,
      );
      const denied = await kubectl(readerKc, ["get", "secrets", "-n", "team-a"]);
      expect(denied.err).toContain(
        'secrets is forbidden: User "system:serviceaccount:team-a:reader" cannot list resource "secrets" in API group "" in the namespace "team-a"',
      );
      expect(cluster.authenticate("not-a-token")).toBeNull();
      fs.writeFileSync(
        path.join(dir, "bad.kubeconfig"),
        kubeconfigYaml({ name: "bad", server: sb.clusters[0].url, token: "wrong", caCert: ca }),
      );
      expect((await kubectl(path.join(dir, "bad.kubeconfig"), ["get", "ns"])).err).toMatch(
        /Unauthorized|must be logged in/,
      );
    });

    it.skipIf(!haveCrds)(
      "serves Velero's CRDs and refuses an invalid Backup with 422 " + (haveCrds ? "" : crdsSkipReason),
      async () => {
        expect((await kubectl(kc, ["apply", "-f", VELERO_CRDS_DIR])).code).toBe(0);
        await kubectl(kc, ["create", "namespace", "velero"]);
        const good =
          "apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: nightly, namespace: velero}\nspec: {includedNamespaces: [guestbook], ttl: 720h0m0s, bogusField: 1}\n";
        expect((await kubectl(kc, ["apply", "-f", "-"], good)).out).toContain("backup.velero.io/nightly created");
        const stored = JSON.parse((await kubectl(kc, ["get", "backup", "nightly", "-n", "velero", "-o", "json"])).out);
        expect(stored.spec.bogusField).toBeUndefined(); // pruned, as the real server does
        const bad =
          "apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: broken, namespace: velero}\nspec: {includedNamespaces: guestbook, ttl: 5}\n";
        const r = await kubectl(kc, ["apply", "-f", "-"], bad);
        expect(r.code).not.toBe(0);
        expect(r.err).toContain('The Backup "broken" is invalid');
        expect(r.err).toContain("spec.ttl: Invalid value");
      },
    );
  },
);
