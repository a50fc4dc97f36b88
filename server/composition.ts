import { db as processDb, type Db } from "./db/client";
import { loadKeyRing } from "./crypto/keyring";
import { SealedStore } from "./services/secrets/sealed-store";
import { detectVelero, probeCluster } from "./kube/probe";
import { ClusterAccess } from "./kube/cluster-access";
import { extractContext, parseKubeconfig } from "./kube/kubeconfig";
import { onboardingManifest } from "./kube/access";
import {
  applyLocation,
  applyStorageClassMapping,
  listStorageClasses,
  locationStatus,
  removeLocation,
} from "./kube/locations";
import { listNamespaces, namespaceContents } from "./kube/namespaces";
import { deleteNamespace, labelNamespace, namespaceWorkloads, readNamespace } from "./kube/drill-namespaces";
import { objectNames, servedResources, storageClassFacts } from "./kube/discovery";
import { providerFor } from "./storage/providers/registry";
import { cloudFormationPort, type AwsEndpoint } from "./storage/aws/cloudformation";
import { iamPort, type IamPort } from "./storage/aws/iam";
import { bucketPort, type BucketPort } from "./storage/aws/bucket";
import type { CloudFormationPort } from "./storage/aws/stacks";
import { createVeleroObject, deleteVeleroObject, getVeleroObject, updateVeleroObject } from "./kube/velero-objects";

// The composition root: the adapters the services receive. Tests build the same with their own database.
export interface KubeAdapter {
  parseKubeconfig: typeof parseKubeconfig;
  extractContext: typeof extractContext;
  probeCluster: typeof probeCluster;
  detectVelero: typeof detectVelero;
  onboardingManifest: typeof onboardingManifest;
  applyLocation: typeof applyLocation;
  removeLocation: typeof removeLocation;
  locationStatus: typeof locationStatus;
  createVeleroObject: typeof createVeleroObject;
  getVeleroObject: typeof getVeleroObject;
  deleteVeleroObject: typeof deleteVeleroObject;
  updateVeleroObject: typeof updateVeleroObject;
  applyStorageClassMapping: typeof applyStorageClassMapping;
  listStorageClasses: typeof listStorageClasses;
  listNamespaces: typeof listNamespaces;
  namespaceContents: typeof namespaceContents;
  servedResources: typeof servedResources;
  storageClassFacts: typeof storageClassFacts;
  objectNames: typeof objectNames;
  readNamespace: typeof readNamespace;
  labelNamespace: typeof labelNamespace;
  deleteNamespace: typeof deleteNamespace;
  namespaceWorkloads: typeof namespaceWorkloads;
}

/** The location provider drivers (server/storage/providers), by location kind. */
export interface StorageAdapter {
  providerFor: typeof providerFor;
}

/** The AWS APIs managed locations use (CloudFormation, IAM), each a narrow port at an account's endpoint. */
export interface AwsAdapter {
  cloudFormation(at: AwsEndpoint): CloudFormationPort;
  iam(at: AwsEndpoint): IamPort;
  bucket(at: AwsEndpoint): BucketPort;
}

export interface Deps {
  db: Db;
  sealed: SealedStore;
  /** The cluster-access port: a client per attached cluster, opened from its sealed kubeconfig. */
  clusters: ClusterAccess;
  kube: KubeAdapter;
  storage: StorageAdapter;
  aws: AwsAdapter;
}

export const realKube: KubeAdapter = {
  parseKubeconfig,
  extractContext,
  probeCluster,
  detectVelero,
  onboardingManifest,
  applyLocation,
  removeLocation,
  locationStatus,
  createVeleroObject,
  getVeleroObject,
  deleteVeleroObject,
  updateVeleroObject,
  applyStorageClassMapping,
  listStorageClasses,
  listNamespaces,
  namespaceContents,
  servedResources,
  storageClassFacts,
  objectNames,
  readNamespace,
  labelNamespace,
  deleteNamespace,
  namespaceWorkloads,
};

let ring: ReturnType<typeof loadKeyRing> | undefined;
const keyRing = () => (ring ??= loadKeyRing());

/** One ClusterAccess per database (so its sessions are shared by every request of the process). */
const accessByDb = new WeakMap<Db, ClusterAccess>();

export function clusterAccessFor(db: Db, sealed: SealedStore): ClusterAccess {
  let access = accessByDb.get(db);
  if (!access) {
    access = new ClusterAccess({
      async version(clusterId) {
        const c = await db.cluster.findUnique({ where: { id: clusterId }, select: { kubeconfigSecretId: true } });
        if (!c?.kubeconfigSecretId) return null;
        const s = await db.sealedSecret.findUnique({
          where: { id: c.kubeconfigSecretId },
          select: { updatedAt: true },
        });
        return s ? `${c.kubeconfigSecretId}@${s.updatedAt.toISOString()}` : null;
      },
      async open(clusterId) {
        const c = await db.cluster.findUniqueOrThrow({
          where: { id: clusterId },
          select: { kubeconfigSecretId: true },
        });
        return (await sealed.read(c.kubeconfigSecretId!, "kubeconfig")).toString();
      },
    });
    accessByDb.set(db, access);
  }
  return access;
}

/** One set of services per database, built on first use and shared by every request of the process. */
const depsByDb = new WeakMap<Db, Deps>();

export function depsFor(db: Db): Deps {
  let d = depsByDb.get(db);
  if (!d) {
    const sealed = new SealedStore(db, keyRing);
    d = {
      db,
      sealed,
      clusters: clusterAccessFor(db, sealed),
      kube: realKube,
      storage: { providerFor },
      aws: { cloudFormation: cloudFormationPort, iam: iamPort, bucket: bucketPort },
    };
    depsByDb.set(db, d);
  }
  return d;
}

/**
 * The services on a transaction, for a call that only changes the database (its audit row commits with it): the
 * database and the sealed store write through the transaction; cluster access and providers stay the process's.
 */
export function servicesIn(d: Deps, tx: Db): Deps {
  return { ...d, db: tx, sealed: d.sealed.on(tx) };
}

export const deps = () => depsFor(processDb());
