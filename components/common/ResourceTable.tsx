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
import Box from "@mui/material/Box";
import useMediaQuery from "@mui/material/useMediaQuery";
import { useTheme } from "@mui/material/styles";
import ViewColumn from "@mui/icons-material/ViewColumn";
import { EmptyState } from "./EmptyState";
import { errorText, type ErrLike } from "./ErrorAlert";
import { useColumnPrefs } from "./useColumnPrefs";
import dynamic from "next/dynamic";

// The menu (MUI's Menu, Popover and Modal) loads when "Columns" is first pressed, not with every list.
const ColumnsMenuList = dynamic(() => import("./ColumnsMenuList").then((m) => m.ColumnsMenuList), { ssr: false });
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
  /**
   * Hidden by default on screens narrower than this breakpoint (the row stays usable without it): the less important
   * a column, the higher its breakpoint ("xl" hides it on a 1280 px laptop). The "Columns" menu shows it anyway.
   */
  hideBelow?: Breakpoint;
  /** Always shown: the "Columns" menu does not offer to hide it (nor the first column, nor one with the id "actions"). */
  required?: boolean;
  align?: "left" | "right" | "center";
  /** Extra styles of the column's body cells. */
  cellSx?: SxProps<Theme>;
}

/** A column's display: the user's choice when they made one, else its breakpoint. */
const display = (hideBelow?: Breakpoint, shown?: boolean) =>
  shown === true
    ? { display: "table-cell" }
    : shown === false
      ? { display: "none" }
      : hideBelow
        ? { display: { xs: "none", [hideBelow]: "table-cell" } }
        : {};

/** Whether each breakpoint is reached at the current width (for the "Columns" menu's default ticks). */
function useBreakpointsUp(): Record<Breakpoint, boolean> {
  const theme = useTheme();
  const sm = useMediaQuery(theme.breakpoints.up("sm"));
  const md = useMediaQuery(theme.breakpoints.up("md"));
  const lg = useMediaQuery(theme.breakpoints.up("lg"));
  const xl = useMediaQuery(theme.breakpoints.up("xl"));
  return { xs: true, sm, md, lg, xl };
}

/** The "Columns" menu: a tick per column that may be hidden, remembered per table in this browser. */
function ColumnsMenu<R>(props: {
  label: string;
  columns: Column<R>[];
  isShown: (c: Column<R>) => boolean;
  onToggle: (c: Column<R>) => void;
}) {
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = `columns-${props.label.replace(/\W+/g, "-")}`;
  return (
    <>
      <Button
        size="small"
        startIcon={<ViewColumn />}
        aria-haspopup="menu"
        aria-expanded={anchor ? true : undefined}
        aria-controls={anchor ? menuId : undefined}
        aria-label={`Columns of ${props.label}`}
        onClick={(e) => setAnchor(e.currentTarget)}
      >
        Columns
      </Button>
      {anchor && (
        <ColumnsMenuList
          id={menuId}
          anchor={anchor}
          onClose={() => setAnchor(null)}
          items={props.columns.map((c) => ({ id: c.id, header: c.header, shown: props.isShown(c) }))}
          onToggle={(id) => {
            const c = props.columns.find((x) => x.id === id);
            if (c) props.onToggle(c);
          }}
        />
      )}
    </>
  );
}

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
  /** Names the table's remembered column choices (defaults to its label). */
  prefsKey?: string;
}) {
  const { columns, rows, label } = props;
  const [sort, setSort] = useState(props.defaultSort ?? null);
  const [prefs, setPref] = useColumnPrefs(props.prefsKey ?? label);
  const up = useBreakpointsUp();
  const hideable = columns.filter((c, i) => i > 0 && !(c.required ?? c.id === "actions"));
  const isShown = (c: Column<R>) => prefs[c.id] ?? (!c.hideBelow || up[c.hideBelow]);
  const cellDisplay = (c: Column<R>) => display(c.hideBelow, hideable.includes(c) ? prefs[c.id] : undefined);
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
      {hideable.length > 0 && (
        <Box sx={{ display: "flex", justifyContent: "flex-end", mb: 0.5 }}>
          <ColumnsMenu
            label={label}
            columns={hideable}
            isShown={isShown}
            onToggle={(c) => setPref(c.id, !isShown(c))}
          />
        </Box>
      )}
      {/* Never wider than the page: a narrow screen scrolls the table inside its own box. */}
      <TableContainer component={Paper} variant="outlined" sx={{ maxWidth: "100%", overflowX: "auto" }}>
        <Table
          size={props.size ?? "small"}
          aria-label={label}
          aria-busy={props.loading || undefined}
          // Long names and ids wrap rather than widen the table past the page.
          sx={{ "& td": { overflowWrap: "anywhere" } }}
        >
          <TableHead>
            <TableRow>
              {columns.map((c) => {
                const active = sort?.column === c.id;
                return (
                  <TableCell
                    key={c.id}
                    align={c.align}
                    sx={{ minWidth: c.width, ...cellDisplay(c) }}
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
                      <TableCell key={c.id} sx={cellDisplay(c)}>
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
                        sx={[cellDisplay(c), ...(Array.isArray(c.cellSx) ? c.cellSx : [c.cellSx ?? {}])]}
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
