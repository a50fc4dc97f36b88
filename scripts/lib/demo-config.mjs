// Where `npm run demo` listens: every port comes from the environment, so two demos (two checkouts) can run on one
// host. The README's "Two demos on one host" lists the same variables; scripts/lib/demo-config.test.ts checks both.
export const DEMO_PORT_VARIABLES = {
  console: ["PORT", 3000],
  postgres: ["LIFEBOAT_PG_PORT", 54329],
  sandboxBase: ["LIFEBOAT_SANDBOX_BASE_PORT", 16443],
  s3: ["LIFEBOAT_SANDBOX_S3_PORT", 4569],
  azure: ["LIFEBOAT_SANDBOX_AZURE_PORT", 10000],
  entra: ["LIFEBOAT_SANDBOX_ENTRA_PORT", 10003],
  aws: ["LIFEBOAT_SANDBOX_AWS_PORT", 4566],
};

/** sandbox-1 and sandbox-2 run Velero; sandbox-3 waits for data protection to be enabled (Lifeboat installs Velero). */
export const DEMO_CLUSTERS = 3;
export const DEMO_WITHOUT_VELERO = ["sandbox-3"];

/** The demo's ports from `env`; a value that is not a port is an error naming the variable. */
export function demoPorts(env = process.env) {
  const ports = {};
  for (const [key, [name, dflt]] of Object.entries(DEMO_PORT_VARIABLES)) {
    const raw = env[name]?.trim() || String(dflt);
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a port (1-65535)`);
    ports[key] = port;
  }
  // The sandbox's API servers take base, base+1, …: they must not overlap another port of the demo.
  const taken = Object.entries(ports).filter(([k]) => k !== "sandboxBase");
  for (let i = 0; i < DEMO_CLUSTERS; i++)
    for (const [k, p] of taken)
      if (p === ports.sandboxBase + i)
        throw new Error(
          `${DEMO_PORT_VARIABLES[k][0]}=${p} collides with sandbox cluster ${i + 1} (LIFEBOAT_SANDBOX_BASE_PORT + ${i})`,
        );
  return ports;
}

/** The banner's lines about what a restarted demo keeps and what starts afresh. */
export const DEMO_RESTART_NOTE = [
  "  The sandbox clusters start afresh on every `npm run demo`: schedules and restores you made there, restored",
  "  namespaces and changes to the workloads are gone. The console keeps its database (users, teams, clusters,",
  "  credentials, locations, the audit log), and backups come back from the S3 emulator's bucket (.data/sandbox/s3).",
];
