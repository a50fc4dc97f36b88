import { db as processDb, type Db } from "./db/client";
import { loadKeyRing } from "./crypto/keyring";
import { SealedStore } from "./services/secrets/sealed-store";
import * as kube from "./kube/client";
import { extractContext, parseKubeconfig } from "./kube/kubeconfig";
import { onboardingManifest } from "./kube/access";

// The composition root: the adapters the services receive. Tests build the same with their own database.
export interface KubeAdapter {
  parseKubeconfig: typeof parseKubeconfig;
  extractContext: typeof extractContext;
  probeCluster: typeof kube.probeCluster;
  detectVelero: typeof kube.detectVelero;
  onboardingManifest: typeof onboardingManifest;
}

export interface Deps {
  db: Db;
  sealed: SealedStore;
  kube: KubeAdapter;
}

export const realKube: KubeAdapter = { parseKubeconfig, extractContext, probeCluster: kube.probeCluster, detectVelero: kube.detectVelero, onboardingManifest };

let ring: ReturnType<typeof loadKeyRing> | undefined;
const keyRing = () => (ring ??= loadKeyRing());

export function depsFor(db: Db): Deps {
  return { db, sealed: new SealedStore(db, keyRing), kube: realKube };
}

export const deps = () => depsFor(processDb());
