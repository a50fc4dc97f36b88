"use client";
import Typography from "@mui/material/Typography";
import { LIST_LIMIT } from "@/lib/limits";

/** Says that a list stopped at LIST_LIMIT rows, rather than letting the operator believe that is everything. */
export function ListLimitNote({ count, what }: { count: number; what: string }) {
  if (count < LIST_LIMIT) return null;
  return (
    <Typography variant="caption" color="text.secondary" sx={{ display: "block", mt: 1 }} role="status">
      Showing the {LIST_LIMIT} newest {what}; older ones are not listed here.
    </Typography>
  );
}
