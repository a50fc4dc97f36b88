import crypto from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { kubeconfigText, testSandbox } from "../testing/sandbox";
import { awsCredentialsFile } from "../storage/providers/s3";
import { ClusterError } from "./errors";
import { withKubeconfig } from "./cluster-access";
import * as locations from "./locations";
import { MANAGED_BY, type LocationOnCluster } from "./locations";

// The adapter runs over the cluster-access port; these open it on a sandbox kubeconfig.
const applyLocation = (k: string, loc: LocationOnCluster, o: { namespace?: string } = {}) =>
  withKubeconfig(k, (c) => locations.applyLocation(c, loc, o));
const removeLocation = (k: string, name: string) => withKubeconfig(k, (c) => locations.removeLocation(c, name));
const locationStatus = (k: string, name: string) => withKubeconfig(k, (c) => locations.locationStatus(c, name));
const listManagedLocations = (k: string) => withKubeconfig(k, (c) => locations.listManagedLocations(c));

// The location adapter against the sandbox clusters (in their own process), whose Velero stand-in validates every
// BackupStorageLocation by reaching the bucket in the S3 emulator with the credentials in the referenced Secret.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const NS = "velero";
const BSL = { group: "velero.io", version: "v1", plural: "backupstoragelocations" } as const;
const run = crypto.randomBytes(4).toString("hex");
const NAME = `lifeboat-it-${run}`;
const LOCATION_ID = `loc-${run}`;
const FOREIGN = `foreign-${run}`;
const S3_KEY = "S3RVER";

/** An S3 location on the sandbox's emulator, as the S3 driver describes it (prefix, CA and keys given apart). */
function location({
  prefix = `locations-it/${run}/a`,
  caCertPem,
  credentials = { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
  ...over
}: Partial<LocationOnCluster> & {
  prefix?: string;
  caCertPem?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} = {}): LocationOnCluster {
  const s3 = testSandbox().s3;
  return {
    name: NAME,
    provider: "aws",
    objectStorage: { bucket: "lifeboat-backups", prefix, ...(caCertPem ? { caCert: caCertPem } : {}) },
    config: { region: s3.region, s3ForcePathStyle: "true", s3Url: s3.endpoint },
    accessMode: "ReadWrite",
    credentialsFile: awsCredentialsFile({ kind: "AWS_ACCESS_KEY", ...credentials }),
    secrets: [credentials.accessKeyId, credentials.secretAccessKey],
    labels: { "lifeboat.io/location-id": LOCATION_ID },
    ...over,
  };
}

/** Plain client-node with the admin kubeconfig, as anything else on the cluster would write. */
function admin(i: number) {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfigText(i));
  return { core: kc.makeApiClient(k8s.CoreV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}
const orNull = <T>(p: Promise<T>) =>
  p.catch((e) => (e instanceof k8s.ApiException && e.code === 404 ? null : Promise.reject(e)));
const readBsl = (i: number, name = NAME): Promise<any> =>
  orNull(admin(i).custom.getNamespacedCustomObject({ ...BSL, namespace: NS, name }));
const readSecret = (i: number, name = `${NAME}-credentials`) =>
  orNull(admin(i).core.readNamespacedSecret({ name, namespace: NS }));

async function refusal(p: Promise<unknown>): Promise<ClusterError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClusterError);
  return e as ClusterError;
}

/** Polls locationStatus until it reports `phase` (the stand-in validates on every spec change and every few seconds). */
async function untilPhase(i: number, phase: "Available" | "Unavailable", name = NAME, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await locationStatus(kubeconfigText(i), name);
    if (st?.phase === phase) return st;
    if (Date.now() > deadline)
      throw new Error(
        `${name} on cluster ${i} did not become ${phase} within ${timeoutMs / 1000} s (last: ${JSON.stringify(st)})`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

afterAll(async () => {
  for (const i of [0, 1]) await removeLocation(kubeconfigText(i), NAME).catch(() => undefined);
  await admin(0)
    .custom.deleteNamespacedCustomObject({ ...BSL, namespace: NS, name: FOREIGN })
    .catch(() => undefined);
  await admin(0)
    .core.deleteNamespacedSecret({ name: `${NAME}-b-credentials`, namespace: NS })
    .catch(() => undefined);
});

describe("applyLocation", () => {
  it("creates the credentials Secret and the BackupStorageLocation with Lifeboat's labels, and Velero finds the bucket", async () => {
    const r = await applyLocation(kubeconfigText(0), location());
    expect(r).toEqual({ secretName: `${NAME}-credentials`, bslName: NAME, created: true });

    const labels = { ...MANAGED_BY, "lifeboat.io/location-id": LOCATION_ID };
    const secret = await readSecret(0);
    expect(secret?.metadata?.labels).toEqual(labels);
    expect(secret?.type).toBe("Opaque");
    expect(Buffer.from(secret!.data!.cloud, "base64").toString()).toBe(
      `[default]\naws_access_key_id=${S3_KEY}\naws_secret_access_key=${S3_KEY}\n`,
    );

    const bsl = await readBsl(0);
    expect(bsl.metadata.labels).toEqual(labels);
    expect(bsl.spec).toEqual({
      provider: "aws",
      objectStorage: { bucket: "lifeboat-backups", prefix: `locations-it/${run}/a` },
      config: { region: testSandbox().s3.region, s3ForcePathStyle: "true", s3Url: testSandbox().s3.endpoint },
      credential: { name: `${NAME}-credentials`, key: "cloud" },
      accessMode: "ReadWrite",
      default: false,
    });

    const st = await untilPhase(0, "Available");
    expect(st.lastValidationTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(st.message).toBeUndefined();
  });

  it("applying the same location again writes nothing", async () => {
    const before = await readSecret(0);
    const r = await applyLocation(kubeconfigText(0), location());
    expect(r.created).toBe(false);
    expect((await readSecret(0))?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });

  it("a changed prefix and keys update both objects in place, and Velero validates the new prefix", async () => {
    const secretBefore = await readSecret(0);
    const bslBefore = await readBsl(0);
    const r = await applyLocation(
      kubeconfigText(0),
      location({
        prefix: `locations-it/${run}/b`,
        caCertPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
      }),
    );
    expect(r).toEqual({ secretName: `${NAME}-credentials`, bslName: NAME, created: false });

    const bsl = await readBsl(0);
    expect(bsl.metadata.uid).toBe(bslBefore.metadata.uid);
    expect(bsl.spec.objectStorage).toEqual({
      bucket: "lifeboat-backups",
      prefix: `locations-it/${run}/b`,
      caCert: Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64"),
    });
    expect((await readSecret(0))?.metadata?.uid).toBe(secretBefore?.metadata?.uid);

    // One of each, not a second pair.
    const selector = `lifeboat.io/location-id=${LOCATION_ID}`;
    const bsls: any = await admin(0).custom.listNamespacedCustomObject({
      ...BSL,
      namespace: NS,
      labelSelector: selector,
    });
    expect(bsls.items.map((o: any) => o.metadata.name)).toEqual([NAME]);
    const secrets = await admin(0).core.listNamespacedSecret({ namespace: NS, labelSelector: selector });
    expect(secrets.items.map((o) => o.metadata?.name)).toEqual([`${NAME}-credentials`]);

    await untilPhase(0, "Available");
    // Back to no CA (the stand-in does not use it; Velero would), so the rest of the file runs on the plain location.
    await applyLocation(kubeconfigText(0), location({ prefix: `locations-it/${run}/b` }));
    expect((await readBsl(0)).spec.objectStorage).toEqual({
      bucket: "lifeboat-backups",
      prefix: `locations-it/${run}/b`,
    });
  });

  it("the same location goes onto the second cluster ReadOnly and is Available there", async () => {
    const r = await applyLocation(
      kubeconfigText(1),
      location({ prefix: `locations-it/${run}/b`, accessMode: "ReadOnly" }),
    );
    expect(r.created).toBe(true);
    expect((await readBsl(1)).spec.accessMode).toBe("ReadOnly");
    await untilPhase(1, "Available");
  });

  // Only the Secret changes here, and Velero revalidates on spec changes and on its validation period (the stand-in's
  // is 10 s), so each step may wait for one period.
  it(
    "new keys update the Secret in place; wrong ones make the location Unavailable, with Velero's message",
    { timeout: 60_000 },
    async () => {
      const before = await readSecret(1);
      await applyLocation(
        kubeconfigText(1),
        location({
          prefix: `locations-it/${run}/b`,
          accessMode: "ReadOnly",
          credentials: { accessKeyId: "WRONG", secretAccessKey: "wrong-secret-key-0123456789" },
        }),
      );
      expect((await readSecret(1))?.metadata?.uid).toBe(before?.metadata?.uid);
      const st = await untilPhase(1, "Unavailable", NAME, 25_000);
      expect(st.message).toMatch(new RegExp(`BackupStorageLocation "${NAME}" is unavailable`));
      expect(st.message).not.toContain("wrong-secret-key");
      await applyLocation(kubeconfigText(1), location({ prefix: `locations-it/${run}/b`, accessMode: "ReadOnly" }));
      await untilPhase(1, "Available", NAME, 25_000);
    },
  );

  it("refuses a name held by a BackupStorageLocation Lifeboat did not create, and leaves it alone", async () => {
    const foreign = {
      apiVersion: "velero.io/v1",
      kind: "BackupStorageLocation",
      metadata: { name: FOREIGN, namespace: NS },
      spec: { provider: "aws", objectStorage: { bucket: "someone-elses" }, accessMode: "ReadWrite" },
    };
    await admin(0).custom.createNamespacedCustomObject({ ...BSL, namespace: NS, body: foreign });
    const e = await refusal(applyLocation(kubeconfigText(0), location({ name: FOREIGN })));
    expect(e.kind).toBe("Other");
    expect(e.message).toMatch(
      new RegExp(`^A BackupStorageLocation named ${FOREIGN} exists and was not created by Lifeboat`),
    );
    expect(e.message).not.toContain(S3_KEY);
    expect((await readBsl(0, FOREIGN)).spec.objectStorage).toEqual({ bucket: "someone-elses" });
    expect(await readSecret(0, `${FOREIGN}-credentials`)).toBeNull();
    const r = await refusal(removeLocation(kubeconfigText(0), FOREIGN));
    expect(r.message).toMatch(/was not created by Lifeboat.*will not delete it/);
    expect(await readBsl(0, FOREIGN)).not.toBeNull();
  });

  it("refuses a credentials Secret name Lifeboat did not create, before writing anything", async () => {
    const name = `${NAME}-b`;
    await admin(0).core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: `${name}-credentials` }, stringData: { other: "x" } },
    });
    const e = await refusal(applyLocation(kubeconfigText(0), location({ name })));
    expect(e.message).toMatch(new RegExp(`^A Secret named ${name}-credentials exists and was not created by Lifeboat`));
    expect(await readBsl(0, name)).toBeNull();
  });

  // What only velero-plugin-for-aws refuses (keys on several lines, config keys it does not know) is the S3 driver's to
  // check: server/storage/providers/s3.test.ts.
  it("refuses what Velero would reject, without quoting a key", async () => {
    const e2 = await refusal(
      applyLocation(kubeconfigText(0), location({ config: { region: "us-east-1", bucket: "x" } })),
    );
    expect(e2.message).toMatch(/^The config key bucket is set by Velero/);
    const e4 = await refusal(applyLocation(kubeconfigText(0), location({ name: "Not_A_Name" })));
    expect(e4.message).toMatch(/cannot name a BackupStorageLocation/);
    const e5 = await refusal(applyLocation(kubeconfigText(0), location({ provider: "AWS S3" })));
    expect(e5.message).toMatch(/^The provider "AWS S3" is not a Velero provider name/);
    const e6 = await refusal(applyLocation(kubeconfigText(0), location({ credentialsFile: " " })));
    expect(e6.message).toBe("The credentials file is missing");
    expect(await readBsl(0, NAME)).not.toBeNull();
  });

  it("a write Kubernetes refuses comes back as a ClusterError without the keys", async () => {
    const secretAccessKey = "k8s-must-never-echo-this-0123456789";
    // Everything passes the local checks, but the namespace does not exist: the API server answers 404 to the create.
    const e = await refusal(
      applyLocation(kubeconfigText(0), location({ credentials: { accessKeyId: "AKIA-NEVER-ECHO", secretAccessKey } }), {
        namespace: `missing-${run}`,
      }),
    );
    expect(e.kind).toBe("NotFound");
    expect(e.message).not.toContain(secretAccessKey);
    expect(e.message).not.toContain("AKIA-NEVER-ECHO");
  });
});

describe("listManagedLocations", () => {
  it("lists Lifeboat's locations with their labels, and not the others", async () => {
    const mine = await listManagedLocations(kubeconfigText(0));
    expect(mine).toContainEqual({ name: NAME, labels: { ...MANAGED_BY, "lifeboat.io/location-id": LOCATION_ID } });
    expect(mine.map((l) => l.name)).not.toContain(FOREIGN);
    expect(mine.every((l) => l.labels["app.kubernetes.io/managed-by"] === "lifeboat")).toBe(true);
    expect((await listManagedLocations(kubeconfigText(1))).map((l) => l.name)).toContain(NAME);
  });
});

describe("removeLocation", () => {
  it("deletes the BackupStorageLocation and its Secret", async () => {
    expect(await removeLocation(kubeconfigText(0), NAME)).toEqual({ removed: true });
    expect(await readBsl(0)).toBeNull();
    expect(await readSecret(0)).toBeNull();
    expect(await locationStatus(kubeconfigText(0), NAME)).toBeNull();
    expect((await listManagedLocations(kubeconfigText(0))).map((l) => l.name)).not.toContain(NAME);
    // The second cluster keeps its own copy until it is removed there.
    expect(await readBsl(1)).not.toBeNull();
    expect(await removeLocation(kubeconfigText(1), NAME)).toEqual({ removed: true });
    expect(await readBsl(1)).toBeNull();
    expect(await readSecret(1)).toBeNull();
  });

  it("removing a location that is not there reports removed: false", async () => {
    expect(await removeLocation(kubeconfigText(0), NAME)).toEqual({ removed: false });
    expect(await removeLocation(kubeconfigText(0), `never-${run}`)).toEqual({ removed: false });
  });
});
