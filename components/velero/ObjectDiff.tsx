"use client";
import Box from "@mui/material/Box";
import Chip from "@mui/material/Chip";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import { alpha } from "@mui/material/styles";
import type { ObjectChange } from "@/lib/schemas/velero";
import { changeLabel, diffTestId, objectName } from "./change-summary";

const MONO = "ui-monospace, SFMono-Regular, Menlo, monospace";

/** What "-" and "+" mean in a review (what runs → what applying makes it) and in a drift check. */
export function DiffLegend({ context }: { context: "review" | "drift" }) {
  return (
    <Typography variant="caption" color="text.secondary" component="p">
      Lines marked <code>-</code> are{" "}
      {context === "review" ? "what runs on the cluster now" : "what the cluster has now, changed by hand"}; lines
      marked <code>+</code> are{" "}
      {context === "review" ? "what applying makes them" : "what Lifeboat applied, which putting it back restores"}.
    </Typography>
  );
}

/**
 * One object's change as a unified diff: monospace, removed lines marked "-" on red, added lines "+" on green (the
 * marks carry the meaning, the colours help), in a scrollable box the keyboard can reach.
 */
export function ObjectDiff({
  change,
  context,
  heading = "h4",
}: {
  change: ObjectChange;
  context: "review" | "drift";
  /** The name's heading level where the diff shows. */
  heading?: "h3" | "h4";
}) {
  const name = objectName(change);
  const label = changeLabel(change.change, context);
  return (
    <Box data-testid={diffTestId(change)} data-change={change.change}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 0.5 }}>
        <Typography variant="subtitle2" component={heading}>
          {name}
        </Typography>
        <Chip
          size="small"
          variant="outlined"
          label={label}
          color={change.change === "delete" ? "error" : change.change === "create" ? "success" : "default"}
        />
      </Stack>
      <Box
        component="pre"
        role="region"
        aria-label={`Diff of ${name}`}
        tabIndex={0}
        sx={{
          m: 0,
          p: 1,
          maxHeight: 360,
          overflow: "auto",
          fontFamily: MONO,
          fontSize: 13,
          lineHeight: 1.45,
          border: 1,
          borderColor: "divider",
          borderRadius: 1,
        }}
      >
        {change.lines.map((l, i) => (
          <Box
            key={i}
            component={l.op === "+" ? "ins" : l.op === "-" ? "del" : "span"}
            sx={{
              display: "block",
              textDecoration: "none",
              whiteSpace: "pre",
              bgcolor: (t) =>
                l.op === "+"
                  ? alpha(t.palette.success.main, 0.14)
                  : l.op === "-"
                    ? alpha(t.palette.error.main, 0.12)
                    : "transparent",
              color: l.op === " " && l.text.startsWith("… ") ? "text.secondary" : "text.primary",
            }}
          >
            <Box component="span" sx={{ fontWeight: l.op === " " ? undefined : 700, userSelect: "none" }}>
              {l.op === " " ? "  " : `${l.op} `}
            </Box>
            {l.text}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
