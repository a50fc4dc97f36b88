import fs from "node:fs";

// The sandbox the integration project started (sandbox/testing/global-setup.ts), read as any external system would be:
// kubeconfig files and endpoints in a JSON document.
export interface TestSandbox {
  clusters: { name: string; server: string; kubeconfig: string; kubernetesVersion: string; velero: string }[];
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; buckets: string[] };
}

export function testSandbox(): TestSandbox {
  const p = process.env.LIFEBOAT_TEST_SANDBOX;
  if (!p) throw new Error("LIFEBOAT_TEST_SANDBOX is not set: run through vitest's integration project, whose global setup starts the sandbox");
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

export const kubeconfigText = (i: number) => fs.readFileSync(testSandbox().clusters[i].kubeconfig, "utf8");
