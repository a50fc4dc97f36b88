"use client";
import { useState } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import Button from "@mui/material/Button";
import Chip from "@mui/material/Chip";
import LinearProgress from "@mui/material/LinearProgress";
import MenuItem from "@mui/material/MenuItem";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { PageHeader } from "../common/PageHeader";
import { ErrorAlert } from "../common/ErrorAlert";

const OUTCOME_COLOR = { SUCCESS: "success", DENIED: "warning", FAILURE: "error" } as const;
type Outcome = keyof typeof OUTCOME_COLOR;
const empty = { actor: "", action: "", target: "", outcome: "" as "" | Outcome, from: "", to: "" };

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
        </Stack>
      </Paper>
      <ErrorAlert error={q.error} />
      {q.isLoading ? (
        <LinearProgress />
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Audit events">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Actor</TableCell>
                <TableCell>Action</TableCell>
                <TableCell>Target</TableCell>
                <TableCell>Scope</TableCell>
                <TableCell>Outcome</TableCell>
                <TableCell>Client</TableCell>
                <TableCell>Request</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.length === 0 && (
                <TableRow>
                  <TableCell colSpan={8}>
                    <Typography variant="body2" color="text.secondary">
                      No events match these filters.
                    </Typography>
                  </TableCell>
                </TableRow>
              )}
              {rows.map((r) => (
                <TableRow key={r.id} data-testid="audit-row">
                  <TableCell sx={{ whiteSpace: "nowrap" }}>{r.at.toLocaleString()}</TableCell>
                  <TableCell>{r.actorEmail ?? "anonymous"}</TableCell>
                  <TableCell>
                    <code>{r.action}</code>
                  </TableCell>
                  <TableCell>{r.targetType ? `${r.targetType} ${r.targetId ?? ""}` : "—"}</TableCell>
                  <TableCell>{r.scope}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      color={OUTCOME_COLOR[r.outcome]}
                      label={r.outcome.toLowerCase()}
                      title={r.reason ?? undefined}
                    />
                  </TableCell>
                  <TableCell>{r.clientIp ?? "—"}</TableCell>
                  <TableCell>
                    <Typography variant="caption" sx={{ fontFamily: "monospace" }}>
                      {r.requestId.slice(0, 8)}
                    </Typography>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {q.hasNextPage && (
        <Button sx={{ mt: 2 }} onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? "Loading…" : "Load older events"}
        </Button>
      )}
    </>
  );
}
