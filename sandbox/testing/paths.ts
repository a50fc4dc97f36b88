import fs from "node:fs";
import path from "node:path";

// Where the shared reference data sits: ../shared beside the checkout (as CI has it), or named by environment.
const repo = path.resolve(import.meta.dirname, "../..");
export const VELERO_CRDS_DIR = process.env.VELERO_CRDS_DIR ?? path.resolve(repo, "../shared/velero-crds");
export const WORKLOADS_DIR =
  process.env.LIFEBOAT_WORKLOADS_DIR ?? path.resolve(repo, "../shared/workloads/kubernetes-examples");
export const haveCrds = fs.existsSync(VELERO_CRDS_DIR);
export const haveWorkloads = fs.existsSync(WORKLOADS_DIR);
export const crdsSkipReason = `(skipped: Velero CRDs not found at ${VELERO_CRDS_DIR}; set VELERO_CRDS_DIR)`;
