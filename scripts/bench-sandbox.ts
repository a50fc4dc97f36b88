// Sandbox scale: one process holding N clusters × M Backups (default 100 × 1,000). Prints the time and memory to list
// them all with pagination (limit 500) through @kubernetes/client-node, and the same listing by the real kubectl.
// A benchmark, not a test: it prints figures and asserts nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import * as k8s from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { startClusters } from "../sandbox/sandbox";
import { VELERO_CRDS_DIR } from "../sandbox/testing/paths";
import { kubectlList } from "./lib/bench";

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 100);
const BACKUPS = Number(process.env.BENCH_BACKUPS ?? 1000);
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

if (!fs.existsSync(VELERO_CRDS_DIR)) {
  console.log(`skipped: Velero CRDs not found at ${VELERO_CRDS_DIR}`);
  process.exit(0);
}
const crds = fs
  .readdirSync(VELERO_CRDS_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(VELERO_CRDS_DIR, f), "utf8")).map((d) => d.toJS()))
  .filter((d) => d?.kind === "CustomResourceDefinition");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-bench-"));
const rss0 = process.memoryUsage().rss;
let t = performance.now();
const sb = await startClusters(
  Array.from({ length: CLUSTERS }, (_, i) => ({ name: `bench-${i + 1}` })),
  { dir },
);
for (const c of sb.clusters) {
  const crdType = c.cluster.builtin("apiextensions.k8s.io", "customresourcedefinitions");
  for (const crd of crds) c.cluster.create(crdType, undefined, structuredClone(crd));
  c.cluster.create(c.cluster.builtin("", "namespaces"), undefined, { metadata: { name: "velero" } });
  const backups = c.cluster.findType("velero.io", "v1", "backups")!;
  for (let i = 0; i < BACKUPS; i++) {
    c.cluster.create(backups, "velero", {
      apiVersion: "velero.io/v1",
      kind: "Backup",
      metadata: {
        name: `nightly-${String(i).padStart(5, "0")}`,
        labels: { "velero.io/schedule-name": "nightly", "velero.io/storage-location": "default" },
      },
      spec: { includedNamespaces: ["app", "db"], storageLocation: "default", ttl: "720h0m0s" },
      status: {
        phase: "Completed",
        startTimestamp: "2026-11-01T01:00:00Z",
        completionTimestamp: "2026-11-01T01:02:00Z",
        expiration: "2026-12-01T01:00:00Z",
        progress: { totalItems: 120, itemsBackedUp: 120 },
        formatVersion: "1.1.0",
        version: 1,
      },
    });
  }
}
const loadS = (performance.now() - t) / 1000;
global.gc?.();
const rssLoaded = process.memoryUsage().rss;
console.log(
  `Sandbox: ${CLUSTERS} clusters × ${BACKUPS} Backups = ${(CLUSTERS * BACKUPS).toLocaleString()} objects, loaded in ${loadS.toFixed(1)} s; process RSS ${mib(rssLoaded)} (+${mib(rssLoaded - rss0)})`,
);

// client-node: every cluster, pages of 500.
t = performance.now();
let count = 0;
let pages = 0;
const rssBefore = process.memoryUsage().rss;
for (const c of sb.clusters) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(c.kubeconfig);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let cont: string | undefined;
  do {
    const page = (await api.listNamespacedCustomObject({
      group: "velero.io",
      version: "v1",
      namespace: "velero",
      plural: "backups",
      limit: 500,
      _continue: cont,
    })) as { items: unknown[]; metadata?: { continue?: string } };
    count += page.items.length;
    pages++;
    cont = page.metadata?.continue || undefined;
  } while (cont);
}
const cnS = (performance.now() - t) / 1000;
console.log(
  `client-node: listed ${count.toLocaleString()} Backups in ${pages} pages in ${cnS.toFixed(1)} s (${((cnS * 1000) / CLUSTERS).toFixed(0)} ms per cluster); RSS ${mib(process.memoryUsage().rss)} (listing added ${mib(Math.max(0, process.memoryUsage().rss - rssBefore))})`,
);

// kubectl: the same listing, one process per cluster (async, so this process keeps serving).
if (!fs.existsSync("/usr/bin/time"))
  console.log("kubectl: skipped (needs /usr/bin/time for its memory figure: apt-get install time)");
else {
  t = performance.now();
  let lines = 0;
  let maxRss = 0;
  for (const c of sb.clusters) {
    const r = await kubectlList(c.kubeconfigPath);
    lines += r.lines;
    maxRss = Math.max(maxRss, r.maxRssKb);
  }
  const kS = (performance.now() - t) / 1000;
  console.log(
    `kubectl: listed ${lines.toLocaleString()} Backups (--chunk-size=500) in ${kS.toFixed(1)} s (${((kS * 1000) / CLUSTERS).toFixed(0)} ms per cluster, process start included); peak kubectl RSS ${(maxRss / 1024).toFixed(0)} MiB`,
  );
}
await sb.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
