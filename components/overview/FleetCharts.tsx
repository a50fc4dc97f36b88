"use client";
import { useId, useState, type ReactNode } from "react";
import Link from "next/link";
import { BarChart } from "@mui/x-charts/BarChart";
import { LineChart } from "@mui/x-charts/LineChart";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Grid from "@mui/material/Grid";
import Paper from "@mui/material/Paper";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableContainer from "@mui/material/TableContainer";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useColorScheme, useTheme, type CssVarsTheme } from "@mui/material/styles";
import type { FleetDashboard } from "@/lib/schemas/coverage";
import { backupQueryString, type BackupQuery } from "@/lib/schemas/backup-query";
import { formatBytes } from "../coverage/labels";

// The fleet dashboard's charts (#13 §4), loaded in the browser only (next/dynamic, ssr: false) so the server render
// and the first paint do without @mui/x-charts. Each chart has a heading, a summary for screen readers (the drawing is
// one image to them) and a "Show as table" toggle with the same numbers, each linking to the list it counts.

/** How many clusters the coverage chart draws (the worst, as the server sorts them); the table above lists them all. */
const COVERAGE_CHART_MAX = 20;

/** The theme's colours in the scheme shown (SVG fills take colours, not the theme's CSS variables). */
function usePalette() {
  const theme = useTheme();
  const { mode, systemMode } = useColorScheme();
  const dark = (mode === "system" ? systemMode : mode) === "dark";
  // The theme is built with CSS variables (components/theme.ts), so it carries both schemes' palettes.
  const schemes = (theme as Partial<Pick<CssVarsTheme, "colorSchemes">>).colorSchemes;
  return schemes?.[dark ? "dark" : "light"]?.palette ?? theme.palette;
}

/** "Dec 5", for a UTC day "2026-12-05". */
const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

const shortName = (name: string) => (name.length > 16 ? `${name.slice(0, 15)}…` : name);

/** The backups list filtered to one day (and more), as its URL query reads it. */
const backupsHref = (q: BackupQuery) => `/backups?${backupQueryString(q)}`;

/** A number in a table alternative: a link to the list it counts, or plain when there is nothing to list. */
const Count = ({ n, href, text }: { n: number; href?: string; text?: string }) =>
  n > 0 && href ? <Link href={href}>{text ?? n}</Link> : <>{text ?? n}</>;

function ChartCard({
  title,
  caption,
  summary,
  table,
  children,
}: {
  title: string;
  caption?: ReactNode;
  /** What the drawing shows, in words: its accessible name. */
  summary: string;
  /** The same numbers as a table (shown on request); none when there is nothing to draw. */
  table?: (id: string) => ReactNode;
  children: ReactNode;
}) {
  const [asTable, setAsTable] = useState(false);
  const id = useId();
  return (
    <Paper variant="outlined" sx={{ p: 2, height: "100%", minWidth: 0 }}>
      <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 500 }}>
        {title}
      </Typography>
      {caption && (
        <Typography variant="body2" color="text.secondary">
          {caption}
        </Typography>
      )}
      <Box role="img" aria-label={summary} sx={{ width: "100%", minWidth: 0, overflow: "hidden" }}>
        {children}
      </Box>
      {table && (
        <Button
          size="small"
          aria-pressed={asTable}
          aria-controls={asTable ? `${id}-table` : undefined}
          onClick={() => setAsTable((v) => !v)}
        >
          Show as table
        </Button>
      )}
      {table && asTable && table(`${id}-table`)}
    </Paper>
  );
}

function SmallTable({ id, label, head, children }: { id: string; label: string; head: string[]; children: ReactNode }) {
  return (
    <TableContainer id={id} sx={{ maxWidth: "100%", overflowX: "auto", mt: 1 }}>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {head.map((h, i) => (
              <TableCell key={h} align={i ? "right" : "left"}>
                {h}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>{children}</TableBody>
      </Table>
    </TableContainer>
  );
}

function CoverageChart({ data }: { data: FleetDashboard }) {
  const palette = usePalette();
  const withVolumes = data.clusters.filter((c) => c.volumes > 0);
  const shown = withVolumes.slice(0, COVERAGE_CHART_MAX);
  const names = shown.map((c) => c.clusterName);
  const covered = shown.map((c) => c.covered);
  const notCovered = shown.map((c) => c.volumes - c.covered);
  const title = "Coverage by cluster";
  const caption =
    withVolumes.length > COVERAGE_CHART_MAX
      ? `Volumes covered and not covered by a backup, for the ${COVERAGE_CHART_MAX} clusters with the least coverage.`
      : "Volumes covered and not covered by a backup, per cluster.";
  const total = (ns: number[]) => ns.reduce((a, b) => a + b, 0);
  const clusters = `${shown.length} cluster${shown.length === 1 ? "" : "s"}`;
  const summary = shown.length
    ? `${title}: stacked bar chart of ${clusters}, ` +
      `${total(covered)} volumes covered and ${total(notCovered)} not covered in all.`
    : `${title}: no volumes counted yet.`;
  return (
    <ChartCard
      title={title}
      caption={caption}
      summary={summary}
      table={
        shown.length
          ? (id) => (
              <SmallTable
                id={id}
                label={`${title}, as a table`}
                head={["Cluster", "Covered", "Not covered", "Volumes"]}
              >
                {shown.map((c) => (
                  <TableRow key={c.clusterId}>
                    <TableCell>{c.clusterName}</TableCell>
                    <TableCell align="right">
                      <Count n={c.covered} href={`/clusters/${c.clusterId}/coverage`} />
                    </TableCell>
                    <TableCell align="right">
                      <Count n={c.volumes - c.covered} href={`/clusters/${c.clusterId}/coverage?show=not-covered`} />
                    </TableCell>
                    <TableCell align="right">
                      <Count n={c.volumes} href={`/clusters/${c.clusterId}/coverage`} />
                    </TableCell>
                  </TableRow>
                ))}
              </SmallTable>
            )
          : undefined
      }
    >
      {shown.length ? (
        <BarChart
          layout="horizontal"
          height={Math.max(160, 70 + 28 * shown.length)}
          yAxis={[
            {
              scaleType: "band",
              data: names,
              width: 110,
              valueFormatter: (v: string, ctx) => (ctx.location === "tick" ? shortName(v) : v),
            },
          ]}
          xAxis={[{ tickMinStep: 1 }]}
          series={[
            { data: covered, label: "Covered", stack: "volumes", color: palette.success.main },
            { data: notCovered, label: "Not covered", stack: "volumes", color: palette.error.main },
          ]}
          margin={{ right: 16 }}
        />
      ) : (
        <Typography variant="body2" sx={{ py: 4, textAlign: "center" }}>
          No volumes counted yet.
        </Typography>
      )}
    </ChartCard>
  );
}

function BackupsChart({ data }: { data: FleetDashboard }) {
  const palette = usePalette();
  const days = data.backupsPerDay;
  const total = days.reduce((n, d) => n + d.completed + d.partiallyFailed + d.failed, 0);
  const sum = (k: "completed" | "partiallyFailed" | "failed") => days.reduce((n, d) => n + d[k], 0);
  const title = "Backups per day";
  const summary = total
    ? `${title}, last 30 days: stacked bar chart. ${sum("completed")} completed, ` +
      `${sum("partiallyFailed")} partially failed, ${sum("failed")} failed.`
    : `${title}, last 30 days: no backup finished.`;
  const range = (day: string) => ({ from: day, to: day });
  return (
    <ChartCard
      title={title}
      caption={
        total
          ? "Finished backups by outcome over the last 30 days (UTC days)."
          : "No backup finished in the last 30 days."
      }
      summary={summary}
      table={(id) => (
        <SmallTable id={id} label={`${title}, as a table`} head={["Day", "Completed", "Partially failed", "Failed"]}>
          {days.map((d) => (
            <TableRow key={d.day}>
              <TableCell>
                <time dateTime={d.day}>{dayLabel(d.day)}</time>
              </TableCell>
              <TableCell align="right">
                <Count n={d.completed} href={backupsHref({ show: "completed", ...range(d.day) })} />
              </TableCell>
              <TableCell align="right">
                <Count n={d.partiallyFailed} href={backupsHref({ show: "failed", ...range(d.day) })} />
              </TableCell>
              <TableCell align="right">
                <Count n={d.failed} href={backupsHref({ show: "failed", ...range(d.day) })} />
              </TableCell>
            </TableRow>
          ))}
        </SmallTable>
      )}
    >
      <BarChart
        height={260}
        xAxis={[{ scaleType: "band", data: days.map((d) => d.day), valueFormatter: (v: string) => dayLabel(v) }]}
        yAxis={[{ tickMinStep: 1, width: 40 }]}
        series={[
          {
            data: days.map((d) => d.completed),
            label: "Completed",
            stack: "outcome",
            color: palette.success.main,
          },
          {
            data: days.map((d) => d.partiallyFailed),
            label: "Partially failed",
            stack: "outcome",
            color: palette.warning.main,
          },
          { data: days.map((d) => d.failed), label: "Failed", stack: "outcome", color: palette.error.main },
        ]}
        margin={{ right: 8 }}
      />
    </ChartCard>
  );
}

function StoredChart({ data }: { data: FleetDashboard }) {
  const locations = data.storedPerLocation;
  const days = locations[0]?.days.map((d) => d.day) ?? data.backupsPerDay.map((d) => d.day);
  const title = "Volume data written per location";
  const totals = locations.map((l) => ({ location: l.location, bytes: l.days.reduce((n, d) => n + d.bytes, 0) }));
  const summary = locations.length
    ? `${title}, last 30 days: line chart. ${totals.map((t) => `${t.location}: ${formatBytes(t.bytes)} in all`).join("; ")}.`
    : `${title}, last 30 days: no volume data written.`;
  // "(default)" names backups without a location: the list cannot filter on that, so its numbers are not links.
  const href = (location: string, day: string) =>
    location === "(default)" ? undefined : backupsHref({ location, from: day, to: day });
  return (
    <ChartCard
      title={title}
      caption={
        locations.length
          ? "Bytes of volume data the backups that finished each day wrote, per backup storage location (UTC days)."
          : "No backup wrote volume data in the last 30 days, or their volume info has not been read yet."
      }
      summary={summary}
      table={
        locations.length
          ? (id) => (
              <SmallTable id={id} label={`${title}, as a table`} head={["Day", ...locations.map((l) => l.location)]}>
                {days.map((day, i) => (
                  <TableRow key={day}>
                    <TableCell>
                      <time dateTime={day}>{dayLabel(day)}</time>
                    </TableCell>
                    {locations.map((l) => {
                      const bytes = l.days[i]?.bytes ?? 0;
                      return (
                        <TableCell key={l.location} align="right">
                          <Count n={bytes} href={href(l.location, day)} text={bytes ? formatBytes(bytes) : "0"} />
                        </TableCell>
                      );
                    })}
                  </TableRow>
                ))}
              </SmallTable>
            )
          : undefined
      }
    >
      {locations.length ? (
        <LineChart
          height={260}
          xAxis={[{ scaleType: "point", data: days, valueFormatter: (v: string) => dayLabel(v) }]}
          yAxis={[{ width: 72, valueFormatter: (v: number) => formatBytes(v) }]}
          series={locations.map((l) => ({
            data: l.days.map((d) => d.bytes),
            label: l.location,
            showMark: false,
            valueFormatter: (v: number | null) => formatBytes(v),
          }))}
          margin={{ right: 16 }}
        />
      ) : (
        <Typography variant="body2" sx={{ py: 4, textAlign: "center" }}>
          Nothing to draw yet.
        </Typography>
      )}
    </ChartCard>
  );
}

/** The dashboard's three charts, side by side on a wide screen and one under another on a narrow one. */
export function FleetCharts({ data }: { data: FleetDashboard }) {
  return (
    <Grid container spacing={2} sx={{ mt: 2 }}>
      <Grid size={{ xs: 12, lg: 6 }} sx={{ minWidth: 0 }}>
        <CoverageChart data={data} />
      </Grid>
      <Grid size={{ xs: 12, lg: 6 }} sx={{ minWidth: 0 }}>
        <BackupsChart data={data} />
      </Grid>
      <Grid size={12} sx={{ minWidth: 0 }}>
        <StoredChart data={data} />
      </Grid>
    </Grid>
  );
}
