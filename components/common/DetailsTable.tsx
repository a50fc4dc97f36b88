import type { ReactNode } from "react";
import Paper from "@mui/material/Paper";
import type { SxProps, Theme } from "@mui/material/styles";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableRow from "@mui/material/TableRow";

/** A detail page's facts, one per row: what it is, and its value. `label` is the table's accessible name. */
export function DetailsTable({
  label,
  rows,
  keyWidth = 260,
  sx,
}: {
  label: string;
  rows: [string, ReactNode][];
  keyWidth?: number;
  sx?: SxProps<Theme>;
}) {
  return (
    <Paper variant="outlined" sx={sx}>
      <Table size="small" aria-label={label}>
        <TableBody>
          {rows.map(([k, v]) => (
            <TableRow key={k}>
              <TableCell component="th" scope="row" sx={{ width: keyWidth, color: "text.secondary" }}>
                {k}
              </TableCell>
              <TableCell>{v}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Paper>
  );
}
