"use client";
import Alert from "@mui/material/Alert";
import AlertTitle from "@mui/material/AlertTitle";
import Button from "@mui/material/Button";
import Paper from "@mui/material/Paper";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import type {
  OutcomeRow,
  PreflightFinding,
  PreflightFix,
  PreflightResult,
  RestorePrediction,
} from "@/lib/schemas/preflight";

// The restore pre-flight check's findings, worst first, each with the fix the wizard can apply (#14 §1), and the
// predicted outcome per namespace and kind (§2) — on the wizard's review step and on a backup's page; the restore's
// page shows the prediction beside what the restore did.

const SEVERITY = { error: "error", warning: "warning", note: "info" } as const;
const VERDICT = {
  pass: { severity: "success", text: "Pre-flight check passed: nothing stands in the way of this restore." },
  warnings: { severity: "warning", text: "Pre-flight check passed with warnings: read them before you restore." },
  errors: { severity: "error", text: "Pre-flight check found errors: part of what you asked for would not come back." },
} as const;

function FindingAlert({
  f,
  onFix,
  applied,
  canApply,
}: {
  f: PreflightFinding;
  onFix?: (fix: PreflightFix) => void;
  applied?: (fix: PreflightFix) => boolean;
  canApply?: (fix: PreflightFix) => boolean;
}) {
  const button = (fix: PreflightFix | null, label: string | null, variant: "contained" | "outlined") =>
    fix && label && onFix && (canApply?.(fix) ?? true) ? (
      <Button
        size="small"
        variant={variant}
        color="inherit"
        disabled={applied?.(fix)}
        onClick={() => onFix(fix)}
        aria-label={applied?.(fix) ? `${label} (applied)` : label}
      >
        {applied?.(fix) ? `${label} ✓` : label}
      </Button>
    ) : null;
  return (
    // A note, not an alert: the verdict above is the one live region; findings are read when reached.
    <Alert severity={SEVERITY[f.severity]} role="note" data-testid={`finding-${f.id}`}>
      <AlertTitle>{f.title}</AlertTitle>
      <Typography variant="body2">{f.detail}</Typography>
      {f.items.length > 0 && (
        <Typography variant="body2" sx={{ mt: 0.5 }}>
          {f.items.join(", ")}
          {f.count > f.items.length ? ` and ${f.count - f.items.length} more` : ""}
        </Typography>
      )}
      {onFix && (f.fix || f.altFix) && (
        <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
          {button(f.fix, f.fixLabel, "contained")}
          {button(f.altFix, f.altFixLabel, "outlined")}
        </Stack>
      )}
    </Alert>
  );
}

const COUNTS = [
  ["create", "Created"],
  ["skip", "Skipped"],
  ["update", "Updated"],
  ["fail", "Failing"],
  ["dropped", "Not restored"],
] as const;

/** The prediction as a table: one row per namespace and kind, totals last; beside the outcome when there is one. */
export function PredictionTable({
  prediction,
  outcome,
  caption,
}: {
  prediction: RestorePrediction;
  outcome?: OutcomeRow[] | null;
  caption: string;
}) {
  const key = (r: { namespace: string | null; kind: string; groupVersion: string }) =>
    `${r.namespace ?? ""}|${r.groupVersion}|${r.kind}`;
  const actual = new Map((outcome ?? []).map((o) => [key(o), o]));
  const predicted = new Set(prediction.rows.map(key));
  const extra = (outcome ?? []).filter((o) => !predicted.has(key(o)));
  const said = (o: OutcomeRow | undefined) =>
    o
      ? [
          o.created && `${o.created} created`,
          o.skipped && `${o.skipped} skipped`,
          o.updated && `${o.updated} updated`,
          o.failed && `${o.failed} failed`,
        ]
          .filter(Boolean)
          .join(", ") || "none"
      : "none";
  return (
    // Scrolls sideways on a narrow screen: a region the keyboard can reach.
    <Paper variant="outlined" sx={{ overflowX: "auto" }} tabIndex={0} role="region" aria-label={caption}>
      <Table size="small" aria-label={caption}>
        <TableHead>
          <TableRow>
            <TableCell>Namespace</TableCell>
            <TableCell>Kind</TableCell>
            {COUNTS.map(([k, label]) => (
              <TableCell key={k} align="right">
                {label}
              </TableCell>
            ))}
            {outcome && <TableCell>What the restore did</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {prediction.rows.length === 0 && (
            <TableRow>
              <TableCell colSpan={outcome ? 8 : 7}>The restore would act on no object of the backup.</TableCell>
            </TableRow>
          )}
          {prediction.rows.map((r) => (
            <TableRow key={key(r)} data-testid={`prediction-${r.namespace ?? "cluster"}-${r.kind}`}>
              <TableCell>{r.namespace ?? "(cluster-scoped)"}</TableCell>
              <TableCell>
                {r.kind}{" "}
                <Typography component="span" variant="caption" color="text.secondary">
                  {r.groupVersion}
                </Typography>
              </TableCell>
              {COUNTS.map(([k]) => (
                <TableCell key={k} align="right">
                  {r[k] || ""}
                </TableCell>
              ))}
              {outcome && <TableCell>{said(actual.get(key(r)))}</TableCell>}
            </TableRow>
          ))}
          {extra.map((o) => (
            <TableRow key={`x-${key(o)}`}>
              <TableCell>{o.namespace ?? "(cluster-scoped)"}</TableCell>
              <TableCell>
                {o.kind}{" "}
                <Typography component="span" variant="caption" color="text.secondary">
                  {o.groupVersion}
                </Typography>
              </TableCell>
              <TableCell colSpan={5}>not predicted</TableCell>
              <TableCell>{said(o)}</TableCell>
            </TableRow>
          ))}
          <TableRow>
            <TableCell colSpan={2} sx={{ fontWeight: 600 }}>
              Total
            </TableCell>
            {COUNTS.map(([k]) => (
              <TableCell key={k} align="right" sx={{ fontWeight: 600 }} data-testid={`prediction-total-${k}`}>
                {prediction.total[k]}
              </TableCell>
            ))}
            {outcome && (
              <TableCell sx={{ fontWeight: 600 }}>
                {said(
                  outcome.reduce(
                    (t, o) => ({
                      ...t,
                      created: t.created + o.created,
                      skipped: t.skipped + o.skipped,
                      updated: t.updated + o.updated,
                      failed: t.failed + o.failed,
                    }),
                    { namespace: null, kind: "", groupVersion: "", created: 0, skipped: 0, updated: 0, failed: 0 },
                  ),
                )}
              </TableCell>
            )}
          </TableRow>
        </TableBody>
      </Table>
    </Paper>
  );
}

export function PreflightPanel({
  result,
  pending,
  onFix,
  applied,
  canApply,
}: {
  result: PreflightResult | undefined;
  pending: boolean;
  onFix?: (fix: PreflightFix) => void;
  applied?: (fix: PreflightFix) => boolean;
  /** A fix the user may not apply here (a role's limit) is not offered. */
  canApply?: (fix: PreflightFix) => boolean;
}) {
  if (!result)
    return pending ? (
      <Alert severity="info" role="status">
        Running the pre-flight check: reading the backup&apos;s contents and what the cluster serves…
      </Alert>
    ) : null;
  const v = VERDICT[result.verdict];
  return (
    <Stack spacing={1} aria-busy={pending} data-testid="preflight">
      <Alert severity={v.severity} role="status" data-testid="preflight-verdict">
        {pending ? "Checking again…" : v.text}
      </Alert>
      {result.findings.map((f) => (
        <FindingAlert key={f.id} f={f} onFix={onFix} applied={applied} canApply={canApply} />
      ))}
      {result.prediction && (
        <>
          <Typography variant="subtitle2" component="h3" sx={{ pt: 1 }}>
            Predicted outcome
          </Typography>
          <Typography variant="body2" color="text.secondary">
            A prediction from the backup&apos;s contents and the objects on {result.clusterName} now, not a result:
            objects created or changed before the restore runs change it.
          </Typography>
          {result.prediction.caveats.map((c) => (
            <Typography key={c} variant="body2" color="text.secondary">
              {c}
            </Typography>
          ))}
          <PredictionTable prediction={result.prediction} caption="Predicted outcome per namespace and kind" />
        </>
      )}
    </Stack>
  );
}
