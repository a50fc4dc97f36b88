import { db as processDb, type Db } from "./db/client";
import { loadKeyRing } from "./crypto/keyring";
import { SealedStore } from "./services/secrets/sealed-store";
import * as kube from "./kube/client";
import { extractContext, parseKubeconfig } from "./kube/kubeconfig";
import { onboardingManifest } from "./kube/access";
import {
  applyLocation,
  applyStorageClassMapping,
  listStorageClasses,
  locationStatus,
  removeLocation,
} from "./kube/locations";
import { providerFor } from "./storage/providers/registry";
import { createVeleroObject, deleteVeleroObject, getVeleroObject, updateVeleroObject } from "./kube/velero-objects";

// The composition root: the adapters the services receive. Tests build the same with their own database.
export interface KubeAdapter {
  parseKubeconfig: typeof parseKubeconfig;
  extractContext: typeof extractContext;
  probeCluster: typeof kube.probeCluster;
  detectVelero: typeof kube.detectVelero;
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
}

/** The location provider drivers (server/storage/providers), by location kind. */
export interface StorageAdapter {
  providerFor: typeof providerFor;
}

export interface Deps {
  db: Db;
  sealed: SealedStore;
  kube: KubeAdapter;
  storage: StorageAdapter;
}

export const realKube: KubeAdapter = {
  parseKubeconfig,
  extractContext,
  probeCluster: kube.probeCluster,
  detectVelero: kube.detectVelero,
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
};

let ring: ReturnType<typeof loadKeyRing> | undefined;
const keyRing = () => (ring ??= loadKeyRing());

export function depsFor(db: Db): Deps {
  return { db, sealed: new SealedStore(db, keyRing), kube: realKube, storage: { providerFor } };
}

export const deps = () => depsFor(processDb());
