"use client";
import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import FormControlLabel from "@mui/material/FormControlLabel";
import MenuItem from "@mui/material/MenuItem";
import Switch from "@mui/material/Switch";
import TextField from "@mui/material/TextField";
import { useTRPC } from "@/lib/trpc/client";
import { backupQueryString, type BackupQuery, type BackupQueryKey } from "@/lib/schemas/backup-query";

/**
 * The backups list's filter bar. Choices apply at once; typed values apply on Enter or when the field is left. The
 * page keeps the result in its URL, so this only reports changes.
 */
export function BackupFilters({
  query,
  onChange,
  shows,
  perCluster,
  fixedSchedule,
}: {
  query: BackupQuery;
  onChange: (q: BackupQuery) => void;
  shows: Record<string, { label: string }>;
  perCluster: boolean;
  /** On a schedule's page: its backups only, so no schedule field. */
  fixedSchedule?: string;
}) {
  const trpc = useTRPC();
  const clusters = useQuery({ ...trpc.cluster.list.queryOptions(), enabled: !perCluster });
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
  const text = (k: BackupQueryKey, label: string, width = 160) => (
    <TextField
      size="small"
      label={label}
      value={typed[k] ?? ""}
      onChange={(e) => setTyped({ ...typed, [k]: e.target.value })}
      onBlur={() => applyTyped()}
      slotProps={{ htmlInput: { maxLength: k === "namespace" ? 63 : 253 } }}
      sx={{ width }}
    />
  );
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
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">All clusters</MenuItem>
          {(clusters.data ?? []).map((c) => (
            <MenuItem key={c.id} value={c.id}>
              {c.name}
            </MenuItem>
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
        sx={{ minWidth: 220 }}
      >
        {Object.entries(shows).map(([k, f]) => (
          <MenuItem key={k} value={k}>
            {f.label}
          </MenuItem>
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
