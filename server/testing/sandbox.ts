import fs from "node:fs";
import https from "node:https";
import YAML from "yaml";

// The sandbox the integration project started (sandbox/testing/global-setup.ts), read as any external system would be:
// kubeconfig files and endpoints in a JSON document.
export interface TestSandbox {
  clusters: { name: string; server: string; kubeconfig: string; kubernetesVersion: string; velero: string }[];
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; buckets: string[] };
  /** Azurite's blob service (development account; container "velero" exists). */
  azure: {
    blobEndpoint: string;
    accountName: string;
    accountKey: string;
    connectionString: string;
    /** The Entra ID / ARM stand-in next to azurite (url) and the principal it knows, which may list azurite's keys. */
    servicePrincipal: TestServicePrincipal | null;
  } | null;
  /** moto with IAM enforced (sandbox/storage/moto.ts says who may do what); null where it cannot run, see awsReason. */
  aws: TestAws | null;
  /** Why aws is null (e.g. python3 has no moto, and how to install it); null when it is not. */
  awsReason: string | null;
}

export interface TestServicePrincipal {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  resourceGroup: string;
}

export interface TestAwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface TestAws {
  endpoint: string;
  region: string;
  accountId: string;
  /** "Action": "*". */
  admin: TestAwsKey;
  /** s3:ListAllMyBuckets only: CreateStack is AccessDenied. */
  noCloudFormation: TestAwsKey;
  /** sts:AssumeRole only: assumes role with its externalId. */
  source: TestAwsKey;
  /** cloudformation:*, s3:*, iam:*, kms:*; trusts source with externalId. */
  role: { arn: string; externalId: string };
  /** The admin's bucket, holding one object, that no Lifeboat-made user is granted. */
  foreignBucket: { name: string; key: string };
}

export function testSandbox(): TestSandbox {
  const p = process.env.LIFEBOAT_TEST_SANDBOX;
  if (!p)
    throw new Error(
      "LIFEBOAT_TEST_SANDBOX is not set: run through vitest's integration project, whose global setup starts the sandbox",
    );
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

export const kubeconfigText = (i: number) => fs.readFileSync(testSandbox().clusters[i].kubeconfig, "utf8");

/** The Velero stand-in's fault switches (POST /sandbox/v1/velero-faults as the sandbox admin). */
export function veleroFaults(
  body: { unreachableLocations?: string[]; slowMs?: number },
  cluster = 0,
): Promise<unknown> {
  return sandboxControl("velero-faults", body, cluster);
}

/** The API server's list faults: lists in these namespaces answer every item whatever limit was asked for. */
export function listFaults(body: { ignoreLimitIn?: string[] }, cluster = 0): Promise<unknown> {
  return sandboxControl("list-faults", body, cluster);
}

/** POST /sandbox/v1/<control> as the sandbox admin, verifying the server against the kubeconfig's CA. */
function sandboxControl(control: string, body: unknown, cluster: number): Promise<unknown> {
  const kc = YAML.parse(kubeconfigText(cluster));
  const server = kc.clusters[0].cluster;
  const url = new URL(`${String(server.server).replace(/\/+$/, "")}/sandbox/v1/${control}`);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        ca: Buffer.from(server["certificate-authority-data"], "base64"),
        headers: { authorization: `Bearer ${kc.users[0].user.token}`, "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () =>
          (res.statusCode ?? 500) < 300
            ? resolve(JSON.parse(text || "{}"))
            : reject(new Error(`${control}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
