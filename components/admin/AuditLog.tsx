"use client";
import { useState } from "react";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import { Tooltip } from "@/components/common/Tooltip";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import Paper from "@mui/material/Paper";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/lib/trpc/client";
import type { AppRouter } from "@/server/routers/_app";
import { ResourceTable, type Column } from "../common/ResourceTable";
import { PageHeader } from "../common/PageHeader";

const OUTCOME_COLOR = { SUCCESS: "success", DENIED: "warning", FAILURE: "error" } as const;
type Outcome = keyof typeof OUTCOME_COLOR;
const empty = { actor: "", action: "", target: "", outcome: "" as "" | Outcome, from: "", to: "" };

type Row = inferRouterOutputs<AppRouter>["audit"]["list"]["items"][number];

// Newest first, in pages from the server (keyset): sorting the loaded pages alone would mislead, so nothing sorts here.
const COLUMNS: Column<Row>[] = [
  { id: "at", header: "Time", cellSx: { whiteSpace: "nowrap" }, cell: (r) => r.at.toLocaleString() },
  {
    id: "actor",
    header: "Actor",
    cell: (r) =>
      r.actorEmail || r.actorId ? (
        <Tooltip title={[r.actorEmail, r.actorId && `user id ${r.actorId}`].filter(Boolean).join(" · ")}>
          <span>{r.actorName ?? r.actorEmail ?? r.actorId}</span>
        </Tooltip>
      ) : (
        "anonymous"
      ),
  },
  { id: "action", header: "Action", cell: (r) => <code>{r.action}</code> },
  {
    id: "target",
    header: "Target",
    cell: (r) =>
      r.targetType ? (
        <Tooltip title={`${r.targetType} id ${r.targetId ?? "—"}`}>
          <span>
            {r.targetType} {r.targetName ?? r.targetId ?? ""}
          </span>
        </Tooltip>
      ) : (
        "—"
      ),
  },
  {
    id: "scope",
    header: "Scope",
    hideBelow: "xl",
    cell: (r) =>
      r.scopeName ? (
        <Tooltip title={r.scope}>
          <span>{`${r.scope.split(":")[0]} ${r.scopeName}`}</span>
        </Tooltip>
      ) : (
        r.scope
      ),
  },
  {
    id: "outcome",
    header: "Outcome",
    cell: (r) => (
      <>
        <Chip size="small" color={OUTCOME_COLOR[r.outcome]} label={r.outcome.toLowerCase()} />
        {r.reason && (
          <Typography variant="caption" component="div" color="text.secondary" data-testid="audit-reason">
            {r.reason}
          </Typography>
        )}
      </>
    ),
  },
  { id: "client", header: "Client", hideBelow: "xl", cell: (r) => r.clientIp ?? "—" },
  {
    id: "request",
    header: "Request",
    hideBelow: "xl",
    cell: (r) => (
      <Typography variant="caption" sx={{ fontFamily: "monospace" }}>
        {r.requestId.slice(0, 8)}
      </Typography>
    ),
  },
];

export function AuditLog() {
  const trpc = useTRPC();
  const [draft, setDraft] = useState(empty);
  const [filters, setFilters] = useState(empty);
  const input = {
    actor: filters.actor || undefined,
    action: filters.action || undefined,
    target: filters.target || undefined,
    outcome: filters.outcome || undefined,
    from: filters.from ? new Date(filters.from) : undefined,
    to: filters.to ? new Date(filters.to) : undefined,
    limit: 50,
  };
  const q = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const qc = useQueryClient();
  const [exporting, setExporting] = useState<"csv" | "json" | null>(null);
  const [exported, setExported] = useState<{ rows: number; truncated: boolean; limit: number } | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  /** Downloads the rows of the applied filter, as the server writes them. */
  const download = async (format: "csv" | "json") => {
    setExporting(format);
    setExportError(null);
    try {
      const { limit: _limit, ...filter } = input;
      const file = await qc.fetchQuery({ ...trpc.audit.export.queryOptions({ ...filter, format }), staleTime: 0 });
      const url = URL.createObjectURL(
        new Blob([file.content], { type: format === "csv" ? "text/csv;charset=utf-8" : "application/json" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = `lifeboat-audit-${new Date().toISOString().slice(0, 19).replaceAll(":", "")}.${format}`;
      a.click();
      URL.revokeObjectURL(url);
      setExported(file);
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    } finally {
      setExporting(null);
    }
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change and every refused request, newest first. Entries cannot be edited or deleted."
      />
      <Paper variant="outlined" sx={{ p: 2, mb: 2 }}>
        <Stack
          direction="row"
          spacing={1}
          useFlexGap
          sx={{ flexWrap: "wrap" }}
          component="form"
          aria-label="Filter audit log"
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <TextField
            size="small"
            label="Actor email"
            value={draft.actor}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
          />
          <TextField
            size="small"
            label="Action"
            placeholder="e.g. team."
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          />
          <TextField
            size="small"
            label="Target id or type"
            value={draft.target}
            onChange={(e) => setDraft({ ...draft, target: e.target.value })}
          />
          <TextField
            size="small"
            select
            label="Outcome"
            value={draft.outcome}
            onChange={(e) => setDraft({ ...draft, outcome: e.target.value as Outcome })}
            sx={{ minWidth: 130 }}
          >
            <MenuItem value="">Any</MenuItem>
            <MenuItem value="SUCCESS">Success</MenuItem>
            <MenuItem value="DENIED">Denied</MenuItem>
            <MenuItem value="FAILURE">Failure</MenuItem>
          </TextField>
          <TextField
            size="small"
            type="datetime-local"
            label="From"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            size="small"
            type="datetime-local"
            label="To"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <Button type="submit" variant="contained">
            Apply
          </Button>
          <Button
            onClick={() => {
              setDraft(empty);
              setFilters(empty);
            }}
          >
            Clear
          </Button>
          <Button variant="outlined" disabled={exporting !== null} onClick={() => void download("csv")}>
            {exporting === "csv" ? "Exporting…" : "Export CSV"}
          </Button>
          <Button variant="outlined" disabled={exporting !== null} onClick={() => void download("json")}>
            {exporting === "json" ? "Exporting…" : "Export JSON"}
          </Button>
        </Stack>
      </Paper>
      {exportError && (
        <Alert severity="error" sx={{ mb: 2 }}>
          The export failed: {exportError}
        </Alert>
      )}
      {exported && (
        <Alert severity={exported.truncated ? "warning" : "info"} sx={{ mb: 2 }} data-testid="audit-export-note">
          {exported.truncated
            ? `Exported the newest ${exported.limit.toLocaleString()} events: more match this filter, so narrow it (e.g. by time) to export the rest.`
            : `Exported ${exported.rows.toLocaleString()} events matching the filter.`}
        </Alert>
      )}
      <ResourceTable
        label="Audit events"
        columns={COLUMNS}
        rows={rows}
        rowKey={(r) => r.id}
        rowTestId={() => "audit-row"}
        loading={q.isLoading}
        error={q.error}
        onRetry={() => void q.refetch()}
        empty={{ title: "No events match these filters." }}
        footer={
          q.hasNextPage && (
            <Button sx={{ mt: 2 }} onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? "Loading…" : "Load older events"}
            </Button>
          )
        }
      />
    </>
  );
}
