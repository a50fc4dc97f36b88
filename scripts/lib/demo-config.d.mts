// Types of demo-config.mjs (a plain module the launcher imports without a build step).
export type DemoPortKey = "console" | "postgres" | "sandboxBase" | "s3" | "azure" | "entra" | "aws";
export declare const DEMO_PORT_VARIABLES: Record<DemoPortKey, [name: string, defaultPort: number]>;
export declare const DEMO_CLUSTERS: number;
export declare const DEMO_WITHOUT_VELERO: string[];
export declare function demoPorts(env?: Record<string, string | undefined>): Record<DemoPortKey, number>;
export declare const DEMO_RESTART_NOTE: string[];
