"use client";
import { useId, type ComponentProps, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import Box from "@mui/material/Box";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormLabel from "@mui/material/FormLabel";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import Table from "@mui/material/Table";
import TableBody from "@mui/material/TableBody";
import TableCell from "@mui/material/TableCell";
import TableHead from "@mui/material/TableHead";
import TableRow from "@mui/material/TableRow";
import Typography from "@mui/material/Typography";
import { useTRPC } from "@/lib/trpc/client";
import { onboardingLevel, type OnboardingLevel } from "@/lib/schemas/cluster";
import { ErrorAlert } from "../common/ErrorAlert";
import { ManifestField } from "../common/ManifestField";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 };

/** A test id on the radio's <input> itself (so that tests can check it); Radio's input slot types no data attributes. */
const testIdOf = (testId: string) => ({ "data-testid": testId }) as ComponentProps<"input">;

const LEVELS: { value: OnboardingLevel; label: string }[] = [
  { value: "operate", label: "Operate" },
  { value: "manage", label: "Manage Velero" },
];

/**
 * The choice between the two access levels of #12 (plan §5), the onboarding manifest and kubeconfig command of the
 * chosen one (cluster.onboarding), and under "manage Velero" the table of what it adds, as the server words it. Shared by
 * the attach dialog and the access levels dialog; the level is the caller's state so that it survives a tab switch.
 */
export function OnboardingManifest({
  level,
  onLevel,
  enabled = true,
  intro,
}: {
  level: OnboardingLevel;
  onLevel: (level: OnboardingLevel) => void;
  /** Fetch the manifest (e.g. only while the dialog is open). */
  enabled?: boolean;
  /** What to do with the manifest, shown above the choice. */
  intro: ReactNode;
}) {
  const trpc = useTRPC();
  const id = useId();
  const onboarding = useQuery({ ...trpc.cluster.onboarding.queryOptions({ level }), enabled });
  const adds = onboarding.data?.adds ?? [];
  return (
    <Stack spacing={1.5}>
      <Typography variant="body2">{intro}</Typography>
      <FormControl>
        <FormLabel id={`${id}-level`}>Access level</FormLabel>
        <RadioGroup
          row
          name={`${id}-level`}
          value={level}
          onChange={(e) => onLevel(onboardingLevel.parse(e.target.value))}
          aria-labelledby={`${id}-level`}
          aria-describedby={`${id}-levels-help`}
        >
          {LEVELS.map((l) => (
            <FormControlLabel
              key={l.value}
              value={l.value}
              label={l.label}
              control={<Radio slotProps={{ input: testIdOf(`onboarding-level-${l.value}`) }} />}
            />
          ))}
        </RadioGroup>
      </FormControl>
      <Typography variant="body2" color="text.secondary" id={`${id}-levels-help`}>
        <strong>Operate</strong> lets Lifeboat run backups and restores with a Velero someone else installed, with the
        least access that needs. <strong>Manage Velero</strong> also lets Lifeboat install, upgrade and remove Velero;
        that is equivalent to cluster-admin on the cluster, because the Velero it installs runs as cluster-admin. Prefer
        operate when another tool (Helm, GitOps, velero install) installs Velero.
      </Typography>
      <ErrorAlert error={onboarding.error} />
      {level === "manage" && adds.length > 0 && (
        <Box component="section" aria-labelledby={`${id}-adds`}>
          <Typography id={`${id}-adds`} variant="subtitle2" component="h3" sx={{ mb: 0.5 }}>
            What manage Velero adds
          </Typography>
          <Table size="small" aria-labelledby={`${id}-adds`} data-testid="manage-adds">
            <TableHead>
              <TableRow>
                <TableCell>Where</TableCell>
                <TableCell>Resource</TableCell>
                <TableCell>Verbs</TableCell>
                <TableCell>Why</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {adds.map((a) => (
                <TableRow key={`${a.scope} ${a.resource} ${a.verbs.join(",")}`}>
                  <TableCell sx={{ whiteSpace: "nowrap" }}>{a.scope}</TableCell>
                  <TableCell sx={{ ...mono, wordBreak: "break-all" }}>{a.resource}</TableCell>
                  <TableCell sx={mono}>{a.verbs.join(", ")}</TableCell>
                  <TableCell>{a.why}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      <ManifestField
        label="Manifest"
        value={onboarding.data?.yaml ?? (onboarding.error ? "" : "Loading…")}
        minRows={6}
        maxRows={14}
        testId="onboarding-manifest"
      />
      <ManifestField label="Command that prints the kubeconfig" value={onboarding.data?.command ?? ""} minRows={1} />
    </Stack>
  );
}
