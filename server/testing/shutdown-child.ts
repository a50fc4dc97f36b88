// A console process's signal handling, alone (run by server/controllers/shutdown.integration.test.ts): a handler
// registered first stands in for Next's (which closes the HTTP server and exits); the controllers' stop waits until the
// test writes "finish" on stdin. SHUTDOWN_SAME_STOP_MS: how soon a repeated signal counts as the same stop request.
import readline from "node:readline";
import { handleShutdown } from "../controllers/shutdown";
import { isDraining } from "../lifecycle";

const say = (s: string) => process.stdout.write(`${s}\n`);
process.on("SIGTERM", () => {
  say(`next-handler draining=${isDraining()}`);
  process.exit(143);
});
let finish!: () => void;
const finished = new Promise<void>((resolve) => (finish = resolve));
readline.createInterface({ input: process.stdin }).on("line", (l) => {
  if (l === "finish") finish();
});
handleShutdown(
  {
    stop: async () => {
      say(`stopping draining=${isDraining()}`);
      await finished;
      say("stopped");
    },
  },
  undefined,
  Number(process.env.SHUTDOWN_SAME_STOP_MS ?? 0),
);
say("ready");
setInterval(() => undefined, 1 << 30);
