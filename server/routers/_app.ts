import { router } from "../trpc/init";
import { setupRouter } from "./setup";
import { meRouter } from "./me";
import { userRouter } from "./user";
import { teamRouter } from "./team";
import { clusterGroupRouter } from "./cluster-group";
import { bindingRouter } from "./binding";
import { clusterRouter } from "./cluster";
import { auditRouter } from "./audit";
import { credentialRouter, locationRouter } from "./protection";
import { backupRouter } from "./backup";
import { restoreRouter } from "./restore";
import { scheduleRouter } from "./schedule";
import { overviewRouter } from "./overview";
import { liveRouter } from "./live";
import { veleroRouter } from "./velero";
import { coverageRouter } from "./coverage";
import { veleroFleetRouter } from "./velero-fleet";
import { veleroGroupRouter } from "./velero-group";
import { drillRouter } from "./drill";

export const appRouter = router({
  setup: setupRouter,
  me: meRouter,
  user: userRouter,
  team: teamRouter,
  clusterGroup: clusterGroupRouter,
  binding: bindingRouter,
  cluster: clusterRouter,
  audit: auditRouter,
  credential: credentialRouter,
  location: locationRouter,
  backup: backupRouter,
  restore: restoreRouter,
  schedule: scheduleRouter,
  overview: overviewRouter,
  live: liveRouter,
  velero: veleroRouter,
  coverage: coverageRouter,
  veleroFleet: veleroFleetRouter,
  veleroGroup: veleroGroupRouter,
  drill: drillRouter,
});

export type AppRouter = typeof appRouter;
