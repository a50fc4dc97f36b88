import { stringify } from "yaml";

// A kubeconfig as kubectl and client-node read it: one cluster, one token user, one context.
export function kubeconfigYaml(o: {
  name: string;
  server: string;
  token: string;
  caCert?: string | null;
  user?: string;
  namespace?: string;
}): string {
  const user = o.user ?? `${o.name}-admin`;
  const cluster: Record<string, unknown> = { server: o.server };
  if (o.caCert) cluster["certificate-authority-data"] = Buffer.from(o.caCert).toString("base64");
  else cluster["insecure-skip-tls-verify"] = true;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: o.name, cluster }],
    users: [{ name: user, user: { token: o.token } }],
    contexts: [{ name: o.name, context: { cluster: o.name, user, namespace: o.namespace ?? "default" } }],
    "current-context": o.name,
    preferences: {},
  });
}
