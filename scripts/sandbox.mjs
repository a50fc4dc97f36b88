#!/usr/bin/env node
// `npm run sandbox -- …`: installs what is missing, then runs sandbox/cli.ts (see --help); Ctrl-C stops it all.
import path from "node:path";
import { ensureInstalled, onShutdown, root, spawnChild } from "./lib/setup.mjs";

ensureInstalled();
const child = spawnChild(process.execPath, [
  path.join(root, "node_modules/tsx/dist/cli.mjs"),
  "sandbox/cli.ts",
  ...process.argv.slice(2),
]);
onShutdown(async () => {
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
});
child.on("exit", (code) => process.exit(code ?? 0));
