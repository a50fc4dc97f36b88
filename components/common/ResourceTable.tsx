"use client";
import { useState, type ReactNode } from "react";
import type { Breakpoint, SxProps, Theme } from "@mui/material/styles";
import Alert from "@mui/material/Alert";
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Skeleton from "@mui/material/Skeleton";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import TableSortLabel from "@mui/material/TableSortLabel";
import { EmptyState } from "./EmptyState";
import { errorText, type ErrLike } from "./ErrorAlert";
import { sortRows, type SortDirection, type SortValue } from "@/lib/ui/sort-rows";

/** One column of a ResourceTable: what its header says, what each row shows in it, and how it sorts. */
export interface Column<R> {
  id: string;
  header: string;
  cell: (row: R) => ReactNode;
  /** Makes the column sortable (by clicking its header) on this value. */
  sortValue?: (row: R) => SortValue;
  /** A minimum width, in pixels or any CSS length. */
  width?: number | string;
  /** Hidden on screens narrower than this breakpoint (the row stays usable without it). */
  hideBelow?: Breakpoint;
  align?: "left" | "right" | "center";
  /** Extra styles of the column's body cells. */
  cellSx?: SxProps<Theme>;
}

const display = (hideBelow?: Breakpoint) => (hideBelow ? { display: { xs: "none", [hideBelow]: "table-cell" } } : {});

/**
 * A list page's table, declared by its columns: the accessible name (aria-label), sorting by any column that has a
 * sort value, a skeleton while loading, an empty state with a message and an action, and an error with a retry.
 * Rows keep the order given until a header is clicked.
 */
export function ResourceTable<R>(props: {
  /** The table's accessible name. */
  label: string;
  columns: Column<R>[];
  rows: R[] | undefined;
  rowKey: (row: R) => string;
  rowTestId?: (row: R) => string;
  loading?: boolean;
  error?: ErrLike;
  onRetry?: () => void;
  /** Shown instead of the table when there are no rows. */
  empty: { icon?: ReactNode; title: string; message?: ReactNode; action?: ReactNode };
  defaultSort?: { column: string; direction: SortDirection };
  size?: "small" | "medium";
  /** Under the table: "Load older", a limit note. */
  footer?: ReactNode;
}) {
  const { columns, rows, label } = props;
  const [sort, setSort] = useState(props.defaultSort ?? null);
  const sortColumn = columns.find((c) => c.id === sort?.column && c.sortValue);
  const ordered = rows && sortColumn && sort ? sortRows(rows, sortColumn.sortValue!, sort.direction) : rows;
  const errorBox = props.error ? (
    <Alert
      severity="error"
      sx={{ mb: 2 }}
      action={
        props.onRetry ? (
          <Button color="inherit" size="small" onClick={props.onRetry}>
            Retry
          </Button>
        ) : undefined
      }
    >
      {errorText(props.error)}
    </Alert>
  ) : null;

  if (!props.loading && !rows?.length) {
    if (errorBox) return errorBox;
    return (
      <EmptyState icon={props.empty.icon} title={props.empty.title} action={props.empty.action}>
        {props.empty.message}
      </EmptyState>
    );
  }
  const toggle = (id: string) =>
    setSort((s) => ({ column: id, direction: s?.column === id && s.direction === "asc" ? "desc" : "asc" }));
  return (
    <>
      {errorBox}
      <TableContainer component={Paper} variant="outlined">
        <Table size={props.size ?? "small"} aria-label={label} aria-busy={props.loading || undefined}>
          <TableHead>
            <TableRow>
              {columns.map((c) => {
                const active = sort?.column === c.id;
                return (
                  <TableCell
                    key={c.id}
                    align={c.align}
                    sx={{ minWidth: c.width, ...display(c.hideBelow) }}
                    sortDirection={active && c.sortValue ? sort.direction : false}
                  >
                    {c.sortValue ? (
                      <TableSortLabel
                        active={active}
                        direction={active ? sort.direction : "asc"}
                        onClick={() => toggle(c.id)}
                      >
                        {c.header}
                      </TableSortLabel>
                    ) : (
                      c.header
                    )}
                  </TableCell>
                );
              })}
            </TableRow>
          </TableHead>
          <TableBody>
            {props.loading
              ? [0, 1, 2].map((i) => (
                  <TableRow key={i}>
                    {columns.map((c) => (
                      <TableCell key={c.id} sx={display(c.hideBelow)}>
                        <Skeleton />
                      </TableCell>
                    ))}
                  </TableRow>
                ))
              : ordered!.map((r) => (
                  <TableRow key={props.rowKey(r)} data-testid={props.rowTestId?.(r)} hover>
                    {columns.map((c) => (
                      <TableCell
                        key={c.id}
                        align={c.align}
                        sx={[display(c.hideBelow), ...(Array.isArray(c.cellSx) ? c.cellSx : [c.cellSx ?? {}])]}
                      >
                        {c.cell(r)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
          </TableBody>
        </Table>
      </TableContainer>
      {props.footer}
    </>
  );
}
