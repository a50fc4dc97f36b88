import { router } from "../trpc/init";
import { clusterProcedure } from "../trpc/scoped";
import { clusterCoverage } from "@/lib/schemas/coverage";
import { clusterCoverage as computeClusterCoverage } from "../services/coverage/coverage";

// Volume coverage of one cluster (#13): per volume what protects it (predicted by Velero's rules, checked against the
// last backups), per namespace its recovery point. Anyone who may see the cluster may see its coverage.
export const coverageRouter = router({
  get: clusterProcedure
    .meta({ permission: "coverage.get" })
    .output(clusterCoverage)
    .query(({ ctx }) => computeClusterCoverage(ctx.services, ctx.cluster.id)),
});
