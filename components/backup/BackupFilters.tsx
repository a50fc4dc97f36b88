"use client";
import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import FormControlLabel from "@mui/material/FormControlLabel";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { backupQueryString, type BackupQuery, type BackupQueryKey } from "@/lib/schemas/backup-query";

/**
 * The backups list's filter bar. Choices apply at once (the cluster and phase are native selects; namespace, schedule
 * and location offer the values the visible backups carry); typed values apply on Enter or when the field is left.
 * The page keeps the result in its URL, so this only reports changes.
 */
export function BackupFilters({
  query,
  onChange,
  shows,
  perCluster,
  clusterId,
  fixedSchedule,
}: {
  query: BackupQuery;
  onChange: (q: BackupQuery) => void;
  shows: Record<string, { label: string }>;
  perCluster: boolean;
  /** On a cluster's page: the pickers offer that cluster's values. */
  clusterId?: string;
  /** On a schedule's page: its backups only, so no schedule field. */
  fixedSchedule?: string;
}) {
  const trpc = useTRPC();
  const clusters = useQuery({ ...trpc.cluster.list.queryOptions(), enabled: !perCluster });
  // What the visible backups carry, offered as you type (a datalist: pick one, or type any value).
  // Suggestions: not refetched (three DISTINCT scans) on each of the list's live changes, only when a minute old.
  const facets = useQuery({
    ...trpc.backup.facets.queryOptions(clusterId ? { clusterId } : {}),
    staleTime: 60_000,
    meta: { live: false },
  });
  const choices: Partial<Record<BackupQueryKey, string[]>> = {
    namespace: facets.data?.namespaces,
    schedule: facets.data?.schedules,
    location: facets.data?.locations,
  };
  const [typed, setTyped] = useState<BackupQuery>(query);
  const key = backupQueryString(query);
  const [seen, setSeen] = useState(key);
  if (seen !== key) {
    // The URL changed (back, forward, a link, "Clear filters"): show its values.
    setSeen(key);
    setTyped(query);
  }
  const set = (k: BackupQueryKey, v: string) => onChange({ ...query, [k]: v || undefined });
  const applyTyped = (e?: FormEvent) => {
    e?.preventDefault();
    const next = {
      ...query,
      q: typed.q,
      namespace: typed.namespace,
      schedule: typed.schedule,
      location: typed.location,
    };
    if (
      ["q", "namespace", "schedule", "location"].some(
        (k) => (next[k as BackupQueryKey] ?? "") !== (query[k as BackupQueryKey] ?? ""),
      )
    )
      onChange(next);
  };
  const text = (k: BackupQueryKey, label: string, width = 160) => {
    const list = choices[k];
    const listId = list ? `backup-filter-${k}-choices` : undefined;
    return (
      <>
        <TextField
          size="small"
          label={label}
          value={typed[k] ?? ""}
          onChange={(e) => {
            const v = e.target.value;
            setTyped({ ...typed, [k]: v });
            // A value picked from the list (or typed out in full) applies at once, like the other choices.
            if (list?.includes(v) && v !== (query[k] ?? "")) onChange({ ...query, [k]: v });
          }}
          onBlur={() => applyTyped()}
          slotProps={{ htmlInput: { maxLength: k === "namespace" ? 63 : 253, list: listId, autoComplete: "off" } }}
          sx={{ width }}
        />
        {list && (
          <datalist id={listId} data-testid={listId}>
            {list.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        )}
      </>
    );
  };
  const active = Object.entries(query).some(([k, v]) => v && !(fixedSchedule && k === "schedule"));
  return (
    <Box
      component="form"
      role="search"
      aria-label="Filter backups"
      onSubmit={applyTyped}
      sx={{ display: "flex", flexWrap: "wrap", gap: 1.5, alignItems: "center", mb: 2 }}
    >
      {text("q", "Search by name", 200)}
      {!perCluster && (
        <TextField
          select
          size="small"
          label="Cluster"
          value={clusters.data?.some((c) => c.id === query.cluster) ? query.cluster : ""}
          onChange={(e) => set("cluster", e.target.value)}
          slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
          sx={{ minWidth: 160 }}
        >
          <option value="">All clusters</option>
          {(clusters.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </TextField>
      )}
      {text("namespace", "Namespace")}
      {!fixedSchedule && text("schedule", "Schedule")}
      {text("location", "Location")}
      <TextField
        select
        size="small"
        label="Show"
        value={query.show && shows[query.show] ? query.show : "all"}
        onChange={(e) => set("show", e.target.value === "all" ? "" : e.target.value)}
        slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
        sx={{ minWidth: 220 }}
      >
        {Object.entries(shows).map(([k, f]) => (
          <option key={k} value={k}>
            {f.label}
          </option>
        ))}
      </TextField>
      <TextField
        size="small"
        type="date"
        label="Created from"
        value={query.from ?? ""}
        onChange={(e) => set("from", e.target.value)}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <TextField
        size="small"
        type="date"
        label="Created until"
        value={query.to ?? ""}
        onChange={(e) => set("to", e.target.value)}
        slotProps={{ inputLabel: { shrink: true } }}
      />
      <FormControlLabel
        control={
          <Switch checked={query.copies === "hide"} onChange={(e) => set("copies", e.target.checked ? "hide" : "")} />
        }
        label="Hide copies synced from other clusters"
      />
      {/* Enter in a field submits the form; the button is there for keyboard and screen reader users. */}
      <Button type="submit" size="small" variant="outlined">
        Apply
      </Button>
      {active && (
        <Button size="small" onClick={() => onChange({})}>
          Clear filters
        </Button>
      )}
    </Box>
  );
}
