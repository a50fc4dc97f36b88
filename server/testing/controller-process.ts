// A console process's controller runtime, alone (run by server/controllers/replicas.integration.test.ts): the same
// startControllers the console's instrumentation hook runs, on DATABASE_URL. On "report" (stdin) it prints one JSON
// line: its holder, the clusters it owns and those its sync engine follows.
import readline from "node:readline";
import { startControllers } from "../controllers/start";
import type { SyncReconciler } from "../controllers/reconcilers";

const manager = await startControllers(Number(process.env.LIFEBOAT_HEALTH_INTERVAL_SECONDS ?? 2));
const sync = manager.reconciler("sync") as SyncReconciler;
readline.createInterface({ input: process.stdin }).on("line", (l) => {
  if (l !== "report") return;
  const report = {
    holder: manager.holder,
    owned: manager.clusters.ids().sort(),
    syncing: (sync.engine?.running() ?? []).sort(),
  };
  process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
});
process.stdout.write("READY\n");
