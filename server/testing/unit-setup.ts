// Unit test files share their worker's process (isolate: false in vitest.config.ts: importing the modules again for
// each of the ~120 files took most of the layer's time). Each file starts from the environment variables the run
// began with, whatever the file before it set, and env() parses them again.
import { forgetEnv } from "../env";

const saved = globalThis as { lifeboatUnitEnv?: NodeJS.ProcessEnv };
const baseline = (saved.lifeboatUnitEnv ??= { ...process.env });
for (const name of Object.keys(process.env)) if (!(name in baseline)) delete process.env[name];
Object.assign(process.env, baseline);
forgetEnv();
