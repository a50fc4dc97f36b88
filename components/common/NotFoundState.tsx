"use client";
import { useEffect } from "react";
import Link from "next/link";
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Typography from "@mui/material/Typography";
import SearchOff from "@mui/icons-material/SearchOff";

/**
 * What a page shows for something that is not there (a page, a cluster, a backup): what was looked for, why it may be
 * missing, and a link back to where it would be listed. The one pattern for every missing object.
 */
export function NotFoundState(props: {
  /** What was looked for: "Cluster", "Backup", "Page". */
  kind: string;
  /** Its name, when the address names it. */
  name?: string;
  /** Replaces "<kind> “name” not found" (e.g. "Backup “b1” was deleted"). */
  title?: string;
  message?: string;
  back: { href: string; label: string };
  testId?: string;
}) {
  const title = props.title ?? `${props.kind}${props.name ? ` “${props.name}”` : ""} not found`;
  // The tab says so too (a not-found page has no metadata of its own).
  useEffect(() => {
    document.title = `${title} · Lifeboat`;
  }, [title]);
  return (
    <Paper
      variant="outlined"
      sx={{ p: { xs: 3, sm: 5 }, textAlign: "center" }}
      data-testid={props.testId ?? "not-found"}
    >
      <SearchOff sx={{ fontSize: 48, color: "text.secondary", mb: 1 }} aria-hidden />
      <Typography variant="h5" component="h1" sx={{ overflowWrap: "anywhere" }}>
        {title}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1, maxWidth: 560, mx: "auto" }}>
        {props.message ?? `It does not exist, or you are not allowed to see it.`}
      </Typography>
      <Button component={Link} href={props.back.href} variant="contained" sx={{ mt: 3 }}>
        {props.back.label}
      </Button>
    </Paper>
  );
}
