// `npm run sandbox -- --clusters 2`: starts sandbox clusters and storage, writes a kubeconfig per cluster under
// .data/sandbox/, prints where everything is, and stops it all on Ctrl-C.
import fs from "node:fs";
import path from "node:path";
import { defaultPlan, parseWithoutPlugins, startSandbox } from "./start";

const args = process.argv.slice(2);
const opt = (name: string, dflt?: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
if (args.includes("--help")) {
  console.log(`Usage: npm run sandbox -- [--clusters N] [--dir DIR] [--base-port PORT] [--s3-port PORT] [--azure-port PORT|none] [--entra-port PORT|none] [--aws-port PORT|none] [--without-velero sandbox-2,...] [--without-plugin sandbox-2=velero.io/azure,...] [--velero-periods VALIDATION,SYNC] [--no-seed]
  --clusters N          how many clusters (default 2); named sandbox-1..N
  --dir DIR             where kubeconfigs, PKI and storage data go (default .data/sandbox)
  --base-port PORT      API server ports PORT, PORT+1, ... (default: free ports)
  --s3-port PORT        s3rver port (default 4569); --azure-port PORT|none (default 10000)
  --entra-port PORT|none
                        a stand-in for Entra ID and Azure Resource Manager next to azurite (one service principal that
                        may list azurite's keys; default: the azure port + 3, 10003, or a free one with --azure-port 0)
  --aws-port PORT|none  moto port (default 4566; 0 = a free port); AWS with IAM enforced, needs python3 with moto
  --without-velero LIST clusters without Velero (no velero namespace, no velero.io CRDs)
  --without-plugin LIST ObjectStore plugins a cluster's Velero lacks (its BackupStorageLocations of that provider are
                        Unavailable, as Velero says: unable to locate ObjectStore plugin)
  --versions LIST       Kubernetes versions the clusters report, in order (default v1.31.4,v1.30.8,v1.32.2, repeated)
  --velero-periods V,S  milliseconds between Velero's validations of a location and between its syncs of a location's
                        backups, where a location sets none (default 10000,5000; real Velero: 1m each); at least 1000:
                        the stand-in looks at its locations once a second`);
  process.exit(0);
}
const n = Number(opt("--clusters", "2"));
if (!Number.isInteger(n) || n < 1 || n > 500) {
  console.error("--clusters takes a whole number from 1 to 500");
  process.exit(2);
}
const dir = path.resolve(opt("--dir", ".data/sandbox")!);
const periods = opt("--velero-periods")?.split(",").map(Number);
if (periods && (periods.length !== 2 || !periods.every((p) => Number.isInteger(p) && p >= 1000))) {
  console.error("--velero-periods takes two whole numbers of milliseconds, at least 1000 each: VALIDATION,SYNC");
  process.exit(2);
}
const azureArg = opt("--azure-port", "10000");
const awsArg = opt("--aws-port", "4566")!;
const isPort = (v: string) => Number.isInteger(Number(v)) && Number(v) >= 0 && Number(v) <= 65535;
// Azurite takes its port; its queue and table services (not run here) would take the next two.
const entraArg =
  opt("--entra-port") ?? (azureArg === "none" ? "none" : Number(azureArg) === 0 ? "0" : String(Number(azureArg) + 3));
if (entraArg !== "none" && !isPort(entraArg)) {
  console.error("--entra-port takes a port (0 = a free one) or none");
  process.exit(2);
}
if (awsArg !== "none" && !(Number.isInteger(Number(awsArg)) && Number(awsArg) >= 0 && Number(awsArg) <= 65535)) {
  console.error("--aws-port takes a port (0 = a free one) or none");
  process.exit(2);
}
function withoutPlugins() {
  try {
    return parseWithoutPlugins(opt("--without-plugin", "")!);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
const sandbox = await startSandbox({
  dir,
  clusters: defaultPlan(n, {
    withoutVelero: opt("--without-velero", "")!.split(",").filter(Boolean),
    basePort: opt("--base-port") ? Number(opt("--base-port")) : undefined,
    versions: opt("--versions")?.split(",").filter(Boolean),
    withoutPlugins: withoutPlugins(),
  }),
  s3Port: Number(opt("--s3-port", "4569")),
  azurePort: azureArg === "none" ? null : Number(azureArg),
  entraPort: entraArg === "none" ? null : Number(entraArg),
  awsPort: awsArg === "none" ? null : Number(awsArg),
  seed: !args.includes("--no-seed"),
  velero: periods ? { validationPeriodMs: periods[0], syncPeriodMs: periods[1] } : undefined,
});
const summary = {
  clusters: sandbox.clusters.map((c) => ({
    name: c.name,
    server: c.url,
    kubeconfig: c.kubeconfigPath,
    kubernetesVersion: c.cluster.version,
    velero: c.plan.velero ? c.plan.velero.version : "absent",
  })),
  s3: {
    endpoint: sandbox.storage.s3.endpoint,
    region: sandbox.storage.s3.region,
    accessKeyId: sandbox.storage.s3.accessKeyId,
    secretAccessKey: sandbox.storage.s3.secretAccessKey,
    buckets: ["lifeboat-backups", "lifeboat-shared"],
  },
  azure: sandbox.storage.azure
    ? {
        blobEndpoint: sandbox.storage.azure.blobEndpoint,
        accountName: sandbox.storage.azure.accountName,
        container: "velero",
      }
    : null,
};
const { aws } = sandbox.storage;
const awsReason = aws ? null : awsArg === "none" ? "started with --aws-port none" : sandbox.storage.awsReason;
// The full details, keys included (a file only this user can read): what tests and scripts read.
fs.writeFileSync(
  path.join(dir, "sandbox.json"),
  JSON.stringify({ ...summary, azure: sandbox.storage.azure, aws, awsReason }, null, 2) + "\n",
  { mode: 0o600 },
);
console.log("Sandbox clusters:");
for (const c of summary.clusters)
  console.log(
    `  ${c.name}  ${c.server}  Kubernetes ${c.kubernetesVersion}  Velero ${c.velero}\n    kubeconfig: ${c.kubeconfig}`,
  );
console.log(
  `S3 (s3rver):      ${summary.s3.endpoint}  keys ${summary.s3.accessKeyId}/${summary.s3.secretAccessKey}  buckets ${summary.s3.buckets.join(", ")}`,
);
if (summary.azure)
  console.log(
    `Azure (azurite):  ${summary.azure.blobEndpoint}  account ${summary.azure.accountName}  container ${summary.azure.container}`,
  );
const sp = sandbox.storage.azure?.servicePrincipal;
if (sp)
  console.log(
    `Entra ID + ARM:   ${sp.url}  service principal: tenant ${sp.tenantId}  client ${sp.clientId}  secret ${sp.clientSecret}\n` +
      `                  subscription ${sp.subscriptionId}  resource group ${sp.resourceGroup} (lists ${summary.azure!.accountName}'s keys)`,
  );
else if (sandbox.storage.azure) console.log("Entra ID + ARM:   absent: started with --entra-port none");
console.log(
  aws
    ? `AWS (moto):       ${aws.endpoint}  account ${aws.accountId}  admin keys ${aws.admin.accessKeyId}/${aws.admin.secretAccessKey}  (more users and a role in sandbox.json)`
    : `AWS (moto):       absent: ${awsReason}`,
);
console.log(
  `Details: ${path.join(dir, "sandbox.json")}\nTry: kubectl --kubeconfig ${summary.clusters[0].kubeconfig} get pods -A\nREADY`,
);

let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.log("Stopping the sandbox…");
    await sandbox.stop();
    process.exit(0);
  });
}
