import type { KObject, ResourceType } from "./types";

// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for with `Accept: ...;as=Table`.
type Column = { name: string; type: string; format: string; description: string; priority: number };
const col = (name: string, type = "string", format = "", priority = 0): Column => ({
  name,
  type,
  format,
  description: name,
  priority,
});

export function age(ts: string | undefined, nowMs = Date.now()): string {
  if (!ts) return "<unknown>";
  const s = Math.max(0, Math.floor((nowMs - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ""}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return h < 8 ? `${h}h${m % 60 ? `${m % 60}m` : ""}` : `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 ? `${d}d${h % 24 ? `${h % 24}h` : ""}` : `${d}d`;
}

/** A small JSONPath subset as CRD printer columns use it: .a.b, .a[0].b, .a['x.y'] */
export function jsonPath(o: unknown, path: string): unknown {
  const parts =
    path
      .replace(/^\{?\.?/, "")
      .replace(/\}$/, "")
      .match(/[^.[\]'"]+|\[\d+\]/g) ?? [];
  let cur: any = o;
  for (const p of parts) {
    if (cur == null) return undefined;
    cur = p.startsWith("[") ? cur[Number(p.slice(1, -1))] : cur[p];
  }
  return cur;
}

function columnsFor(rt: ResourceType): { defs: Column[]; cells: (o: KObject) => unknown[] } {
  const name = col("Name", "string", "name");
  const ageCol = col("Age");
  if (rt.printerColumns?.length) {
    const cols = rt.printerColumns;
    return {
      defs: [
        name,
        ...cols.map((c) => col(c.name, c.type === "date" ? "string" : c.type, c.format ?? "", c.priority ?? 0)),
      ],
      cells: (o) => [
        o.metadata.name,
        ...cols.map((c) => {
          const v = jsonPath(o, c.jsonPath);
          if (c.type === "date") return typeof v === "string" ? age(v) : "<unknown>";
          return v ?? (c.type === "integer" || c.type === "number" ? null : "");
        }),
      ],
    };
  }
  switch (`${rt.group}/${rt.resource}`) {
    case "/pods":
      return {
        defs: [
          name,
          col("Ready"),
          col("Status"),
          col("Restarts", "string"),
          ageCol,
          col("IP", "string", "", 1),
          col("Node", "string", "", 1),
        ],
        cells: (o) => {
          const containers = o.spec?.containers?.length ?? 0;
          const ready = (o.status?.containerStatuses ?? []).filter((c: any) => c.ready).length;
          return [
            o.metadata.name,
            `${ready}/${containers}`,
            o.metadata.deletionTimestamp ? "Terminating" : (o.status?.phase ?? "Unknown"),
            "0",
            age(o.metadata.creationTimestamp),
            o.status?.podIP ?? "<none>",
            o.spec?.nodeName ?? "<none>",
          ];
        },
      };
    case "/namespaces":
      return {
        defs: [name, col("Status"), ageCol],
        cells: (o) => [o.metadata.name, o.status?.phase ?? "Active", age(o.metadata.creationTimestamp)],
      };
    case "/persistentvolumeclaims":
      return {
        defs: [name, col("Status"), col("Volume"), col("Capacity"), col("Access Modes"), col("StorageClass"), ageCol],
        cells: (o) => [
          o.metadata.name,
          o.status?.phase ?? "Pending",
          o.spec?.volumeName ?? "",
          o.status?.capacity?.storage ?? "",
          (o.status?.accessModes ?? o.spec?.accessModes ?? []).join(","),
          o.spec?.storageClassName ?? "",
          age(o.metadata.creationTimestamp),
        ],
      };
    case "apps/deployments":
      return {
        defs: [name, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"), ageCol],
        cells: (o) => [
          o.metadata.name,
          `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
          o.status?.updatedReplicas ?? 0,
          o.status?.availableReplicas ?? 0,
          age(o.metadata.creationTimestamp),
        ],
      };
    case "policy/poddisruptionbudgets": {
      const bound = (v: unknown) => (v === undefined || v === null ? "N/A" : String(v));
      return {
        defs: [name, col("Min Available"), col("Max Unavailable"), col("Allowed Disruptions", "integer"), ageCol],
        cells: (o) => [
          o.metadata.name,
          bound(o.spec?.minAvailable),
          bound(o.spec?.maxUnavailable),
          o.status?.disruptionsAllowed ?? 0,
          age(o.metadata.creationTimestamp),
        ],
      };
    }
    case "/secrets":
      return {
        defs: [name, col("Type"), col("Data", "integer"), ageCol],
        cells: (o) => [
          o.metadata.name,
          o.type ?? "Opaque",
          Object.keys(o.data ?? {}).length,
          age(o.metadata.creationTimestamp),
        ],
      };
    case "/configmaps":
      return {
        defs: [name, col("Data", "integer"), ageCol],
        cells: (o) => [
          o.metadata.name,
          Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
          age(o.metadata.creationTimestamp),
        ],
      };
    default:
      return { defs: [name, ageCol], cells: (o) => [o.metadata.name, age(o.metadata.creationTimestamp)] };
  }
}

export function toTable(
  rt: ResourceType,
  objects: KObject[],
  listMeta: Record<string, unknown>,
  includeObject: "None" | "Metadata" | "Object" = "Metadata",
  withColumns = true,
) {
  const { defs, cells } = columnsFor(rt);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: withColumns ? defs : [],
    rows: objects.map((o) => ({
      cells: cells(o),
      object:
        includeObject === "None"
          ? undefined
          : includeObject === "Object"
            ? o
            : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}

export const wantsTable = (accept: string | undefined) => Boolean(accept && /as=Table/.test(accept));
