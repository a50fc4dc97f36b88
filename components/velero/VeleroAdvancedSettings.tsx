"use client";
import type { Ref } from "react";
import { useFieldArray, useWatch, type Control, type UseFormSetValue } from "react-hook-form";
import Accordion from "@mui/material/Accordion";
import AccordionDetails from "@mui/material/AccordionDetails";
import AccordionSummary from "@mui/material/AccordionSummary";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import IconButton from "@mui/material/IconButton";
import MenuItem from "@mui/material/MenuItem";
import Stack from "@mui/material/Stack";
import Typography from "@mui/material/Typography";
import Delete from "@mui/icons-material/Delete";
import ExpandMore from "@mui/icons-material/ExpandMore";
import { MAX_PULL_SECRETS, VELERO_DEFAULT_RESOURCES } from "@/lib/schemas/velero";
import { FormTextField } from "../common/FormFields";
import {
  emptySelectorRow,
  emptyTolerationRow,
  MAX_TOLERATIONS,
  TAINT_EFFECTS,
  type SettingsFormOutput,
  type SettingsFormValues,
} from "./settings-form";

// The settings dialog's "Advanced" section: image pull secrets for a private registry, the requests and limits of
// Velero's server and node-agent, and where the node-agent runs (node selector, tolerations). Collapsed unless the
// settings use it or one of its fields is refused.

type FormControl = Control<SettingsFormValues, unknown, SettingsFormOutput>;

const RESOURCE_FIELDS = [
  { key: "cpuRequest", label: "CPU request" },
  { key: "memRequest", label: "memory request" },
  { key: "cpuLimit", label: "CPU limit" },
  { key: "memLimit", label: "memory limit" },
] as const;

/** The four quantities of one pod, each with Velero's default under it. */
function ResourceFields({ control, pod, who }: { control: FormControl; pod: "velero" | "nodeAgent"; who: string }) {
  return (
    <Box component="fieldset" sx={{ border: 0, p: 0, m: 0, minWidth: 0 }}>
      <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
        {who}: requests and limits
      </Typography>
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr" }, gap: 2 }}>
        {RESOURCE_FIELDS.map((f) => {
          const def = VELERO_DEFAULT_RESOURCES[pod][f.key];
          return (
            <FormTextField
              key={f.key}
              control={control}
              name={`resources.${pod}.${f.key}`}
              label={`${who} ${f.label}`}
              size="small"
              helperText={`Velero's default: ${def === "0" ? "0 (none)" : def}`}
            />
          );
        })}
      </Box>
    </Box>
  );
}

function NodeSelectorRows({ control }: { control: FormControl }) {
  const rows = useFieldArray({ control, name: "nodeSelector" });
  const values = useWatch({ control, name: "nodeSelector" });
  return (
    <Box component="fieldset" sx={{ border: 0, p: 0, m: 0, minWidth: 0 }}>
      <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
        Node-agent: node selector
      </Typography>
      <Stack spacing={1}>
        {rows.fields.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            No node selector: the node-agent runs on every node its tolerations allow.
          </Typography>
        )}
        {rows.fields.map((row, i) => (
          <Stack key={row.id} direction="row" spacing={1} sx={{ alignItems: "flex-start" }}>
            <FormTextField
              control={control}
              name={`nodeSelector.${i}.key`}
              label="Node label key"
              placeholder="kubernetes.io/os"
              size="small"
              sx={{ flex: 1 }}
            />
            <Typography aria-hidden sx={{ pt: 1 }}>
              =
            </Typography>
            <FormTextField
              control={control}
              name={`nodeSelector.${i}.value`}
              label="Node label value"
              placeholder="linux"
              size="small"
              sx={{ flex: 1 }}
            />
            <IconButton
              aria-label={`Remove node label ${values[i]?.key.trim() || i + 1}`}
              onClick={() => rows.remove(i)}
            >
              <Delete />
            </IconButton>
          </Stack>
        ))}
        <Button size="small" sx={{ alignSelf: "flex-start" }} onClick={() => rows.append(emptySelectorRow())}>
          Add node label
        </Button>
      </Stack>
    </Box>
  );
}

function TolerationRows({
  control,
  setValue,
}: {
  control: FormControl;
  setValue: UseFormSetValue<SettingsFormValues>;
}) {
  const rows = useFieldArray({ control, name: "tolerations" });
  const values = useWatch({ control, name: "tolerations" });
  return (
    <Box component="fieldset" sx={{ border: 0, p: 0, m: 0, minWidth: 0 }}>
      <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
        Node-agent: tolerations
      </Typography>
      <Stack spacing={2}>
        {rows.fields.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            No tolerations of its own: nodes with a NoSchedule or NoExecute taint run no node-agent.
          </Typography>
        )}
        {rows.fields.map((row, i) => {
          const exists = values[i]?.operator === "Exists";
          return (
            <Stack
              key={row.id}
              role="group"
              aria-label={`Toleration ${i + 1}`}
              direction="row"
              spacing={1}
              useFlexGap
              sx={{ alignItems: "flex-start", flexWrap: "wrap" }}
            >
              <FormTextField
                control={control}
                name={`tolerations.${i}.key`}
                label="Taint key"
                placeholder={exists ? "any key" : "dedicated"}
                size="small"
                sx={{ flex: "1 1 10rem" }}
              />
              <FormTextField
                control={control}
                name={`tolerations.${i}.operator`}
                label="Operator"
                select
                size="small"
                sx={{ flex: "0 1 9rem" }}
                afterChange={(op) => {
                  if (op === "Exists") setValue(`tolerations.${i}.value`, "", { shouldValidate: true });
                }}
              >
                <MenuItem value="Equal">Equal</MenuItem>
                <MenuItem value="Exists">Exists</MenuItem>
              </FormTextField>
              <FormTextField
                control={control}
                name={`tolerations.${i}.value`}
                label="Taint value"
                placeholder={exists ? "any value" : "backup"}
                disabled={exists}
                size="small"
                sx={{ flex: "1 1 8rem" }}
              />
              <FormTextField
                control={control}
                name={`tolerations.${i}.effect`}
                label="Effect"
                select
                size="small"
                sx={{ flex: "1 1 10rem" }}
                slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
              >
                <MenuItem value="">Any effect</MenuItem>
                {TAINT_EFFECTS.map((e) => (
                  <MenuItem key={e} value={e}>
                    {e}
                  </MenuItem>
                ))}
              </FormTextField>
              <IconButton aria-label={`Remove toleration ${i + 1}`} onClick={() => rows.remove(i)}>
                <Delete />
              </IconButton>
            </Stack>
          );
        })}
        <Button
          size="small"
          sx={{ alignSelf: "flex-start" }}
          disabled={rows.fields.length >= MAX_TOLERATIONS}
          onClick={() => rows.append(emptyTolerationRow())}
        >
          {rows.fields.length >= MAX_TOLERATIONS ? `At most ${MAX_TOLERATIONS} tolerations` : "Add toleration"}
        </Button>
      </Stack>
    </Box>
  );
}

/**
 * The collapsible section. `expanded` is the dialog's (it opens the section on a refused field); `onEntered` runs once
 * the section is shown, when the keyboard can be moved into it.
 */
export function VeleroAdvancedSettings({
  control,
  setValue,
  expanded,
  onExpandedChange,
  onEntered,
  invalid,
  nodeAgent,
  detailsRef,
}: {
  control: FormControl;
  setValue: UseFormSetValue<SettingsFormValues>;
  expanded: boolean;
  onExpandedChange: (expanded: boolean) => void;
  onEntered: () => void;
  /** One of its fields is refused (said on the collapsed section too). */
  invalid: boolean;
  /** Whether the node-agent runs with the settings chosen. */
  nodeAgent: boolean;
  detailsRef: Ref<HTMLDivElement>;
}) {
  return (
    <Accordion
      expanded={expanded}
      onChange={(_, open) => onExpandedChange(open)}
      variant="outlined"
      disableGutters
      data-testid="velero-advanced"
      slotProps={{ transition: { onEntered } }}
    >
      <AccordionSummary expandIcon={<ExpandMore />} aria-controls="velero-advanced-content" id="velero-advanced-header">
        {/* Spans: the summary is a button, which holds phrasing content only. */}
        <Box component="span">
          <Typography component="span" sx={{ display: "block" }}>
            Advanced
          </Typography>
          <Typography
            component="span"
            variant="body2"
            color={invalid ? "error" : "text.secondary"}
            sx={{ display: "block" }}
          >
            {invalid ? "A setting here needs your attention" : "Image pull secrets, resources, node-agent placement"}
          </Typography>
        </Box>
      </AccordionSummary>
      <AccordionDetails ref={detailsRef}>
        <Stack spacing={3}>
          <FormTextField
            control={control}
            name="pullSecretsText"
            label="Image pull secrets"
            placeholder="regcred"
            helperText={
              `Secrets (kubernetes.io/dockerconfigjson) for a private registry, comma-separated, at most ` +
              `${MAX_PULL_SECRETS}. Each must exist in the namespace velero, for Velero's pods (on a new cluster, ` +
              `create the namespace and the Secret first), and in Lifeboat's namespace on the cluster, where ` +
              `Velero's installer runs.`
            }
          />
          <Typography variant="body2" color="text.secondary">
            Quantities such as 500m, 1, 128Mi or 1Gi; &quot;0&quot; sets no request or limit.
          </Typography>
          <ResourceFields control={control} pod="velero" who="Server" />
          {!nodeAgent && (
            <Alert severity="info" data-testid="velero-advanced-no-node-agent">
              The node-agent does not run with these settings (file-system backup and data movement are off): its
              resources and placement apply once one of them is on.
            </Alert>
          )}
          <ResourceFields control={control} pod="nodeAgent" who="Node-agent" />
          <NodeSelectorRows control={control} />
          <TolerationRows control={control} setValue={setValue} />
        </Stack>
      </AccordionDetails>
    </Accordion>
  );
}
