// The shapes the sandbox API server works with. Objects are plain JSON, as on the wire.
export type KObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    managedFields?: unknown[];
    [k: string]: unknown;
  };
  [k: string]: any;
};

/** One served resource: a built-in one or one a CRD defines. */
export interface ResourceType {
  group: string; // "" for core
  version: string;
  resource: string; // plural
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Has a /status subresource (built-ins with status, or a CRD that declares it). */
  status: boolean;
  builtIn: boolean;
  /** For custom resources: the structural schema of this version. */
  schema?: unknown;
  /** For custom resources: additionalPrinterColumns of this version. */
  printerColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
    format?: string;
  }[];
  /** Storage version among the group's versions (custom resources). */
  storage?: boolean;
  /** Field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors?: string;
}

export const groupVersion = (rt: { group: string; version: string }) =>
  rt.group ? `${rt.group}/${rt.version}` : rt.version;
export const resourceKey = (rt: { group: string; resource: string }) => `${rt.group}/${rt.resource}`;
