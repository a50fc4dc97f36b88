"use client";
import { useEffect, useState, type ReactNode } from "react";
import { Controller, useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery } from "@tanstack/react-query";
import Alert from "@mui/material/Alert";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import FormControl from "@mui/material/FormControl";
import FormControlLabel from "@mui/material/FormControlLabel";
import FormHelperText from "@mui/material/FormHelperText";
import FormLabel from "@mui/material/FormLabel";
import MenuItem from "@mui/material/MenuItem";
import Radio from "@mui/material/Radio";
import RadioGroup from "@mui/material/RadioGroup";
import Stack from "@mui/material/Stack";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";
import Download from "@mui/icons-material/Download";
import { useTRPC } from "@/lib/trpc/client";
import { AWS_REGIONS } from "@/lib/aws/regions";
import { CREDENTIAL_KIND_LABELS, type CredentialKind } from "@/lib/schemas/locations";
import { defaultStackName, managedLocationInput, type ManagedLocationInput } from "@/lib/schemas/managed-locations";
import { formErrorMap } from "@/lib/forms/server-errors";
import { DetailsTable } from "../common/DetailsTable";
import { ErrorAlert } from "../common/ErrorAlert";
import { FormRadioGroup, FormSwitch, FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";
import { WizardDialog, type WizardStep } from "../common/WizardDialog";

// A managed target location (#11 §1): the bucket and Velero's IAM user in the operator's AWS account, from Lifeboat's
// CloudFormation template. The form validates with the schema location.provision validates with; the stack's progress
// then shows on the Target locations page (StacksPanel), and the location appears when the stack completes.

/** The credentials that may provision: AWS account credentials (an access key, or a role Lifeboat assumes). */
const ACCOUNT_KINDS: readonly CredentialKind[] = ["AWS_ACCOUNT_KEY", "AWS_ACCOUNT_ROLE"];

type Credential = { id: string; name: string; kind: CredentialKind; details: string };
type Mode = "LIFEBOAT" | "OPERATOR";
type StepName = "Account and region" | "Bucket" | "How" | "Review";

const DAYS = { noncurrentVersionDays: 30, objectLockRetentionDays: 7 };
const blank: ManagedLocationInput = {
  name: "",
  accountCredentialId: "",
  region: "us-east-1",
  stackName: "",
  bucketName: "",
  prefix: "",
  encryption: "SSE_S3",
  versioning: false,
  objectLock: null,
  ...DAYS,
};

const IAM_NOTE =
  "Lifeboat needs cloudformation:CreateStack, DescribeStacks, DescribeStackEvents and the iam/s3/kms permissions CloudFormation uses on its behalf";

const validDays = (n: unknown, max: number) => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= max;

export function ManagedLocationDialog({
  open,
  credentials,
  onDone,
  onClose,
}: {
  open: boolean;
  credentials: Credential[];
  onDone: () => unknown;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const accounts = credentials.filter((c) => ACCOUNT_KINDS.includes(c.kind));
  const form = useForm({
    resolver: zodResolver(managedLocationInput, { error: formErrorMap }),
    mode: "onChange",
    defaultValues: blank,
  });
  const { control } = form;
  const v = useWatch({ control }) as ManagedLocationInput;
  const [mode, setMode] = useState<Mode>("LIFEBOAT");
  const stackName = v.stackName?.trim() || defaultStackName(v.name?.trim() || "<name>");
  const account = accounts.find((c) => c.id === v.accountCredentialId);

  // Turned off, versioning (or the lock) takes its choices back to valid values: no hidden field may block Next.
  useEffect(() => {
    if (v.versioning) return;
    if (v.objectLock) form.setValue("objectLock", null, { shouldValidate: true });
    if (!validDays(v.noncurrentVersionDays, 3650))
      form.setValue("noncurrentVersionDays", DAYS.noncurrentVersionDays, { shouldValidate: true });
  }, [form, v.versioning, v.objectLock, v.noncurrentVersionDays]);
  useEffect(() => {
    if (!v.objectLock && !validDays(v.objectLockRetentionDays, 36500))
      form.setValue("objectLockRetentionDays", DAYS.objectLockRetentionDays, { shouldValidate: true });
  }, [form, v.objectLock, v.objectLockRetentionDays]);

  const provision = useMutation(
    trpc.location.provision.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const connect = useMutation(
    trpc.location.connectStack.mutationOptions({
      onSuccess: async () => {
        await onDone();
        onClose();
      },
    }),
  );
  const submit = submitWith(
    form,
    (values) =>
      mode === "LIFEBOAT"
        ? provision.mutateAsync(values)
        : connect.mutateAsync({
            name: values.name,
            accountCredentialId: values.accountCredentialId,
            region: values.region,
            stackName: values.stackName || defaultStackName(values.name),
            prefix: values.prefix,
          }),
    undefined,
    { focus: false },
  );
  // A refusal belongs to the account or region it was made with: another choice starts afresh.
  const clearRefusal = () => form.clearErrors("root.server");

  const content: Record<StepName, ReactNode> = {
    "Account and region": (
      <Stack spacing={2}>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <FormTextField
            control={control}
            name="accountCredentialId"
            select
            label="AWS account credential"
            required
            sx={{ flex: 2 }}
            afterChange={clearRefusal}
            helperText={
              accounts.length
                ? "The account the stack is created in; its bucket and Velero's user live there"
                : `No AWS account credential yet: create one of kind "${CREDENTIAL_KIND_LABELS.AWS_ACCOUNT_KEY}" ` +
                  `or "${CREDENTIAL_KIND_LABELS.AWS_ACCOUNT_ROLE}" on Credentials first`
            }
          >
            {accounts.map((c) => (
              <MenuItem key={c.id} value={c.id}>
                {c.name} ({c.details || CREDENTIAL_KIND_LABELS[c.kind]})
              </MenuItem>
            ))}
          </FormTextField>
          <FormTextField
            control={control}
            name="region"
            select
            label="Region"
            required
            sx={{ flex: 1 }}
            afterChange={clearRefusal}
          >
            {AWS_REGIONS.map((r) => (
              <MenuItem key={r} value={r}>
                {r}
              </MenuItem>
            ))}
          </FormTextField>
        </Stack>
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <FormTextField
            control={control}
            name="name"
            label="Name"
            required
            sx={{ flex: 1 }}
            helperText="The target location's name: lowercase letters, digits and '-'"
          />
          <FormTextField
            control={control}
            name="stackName"
            label="Stack name"
            sx={{ flex: 1 }}
            placeholder={defaultStackName(v.name?.trim() || "<name>")}
            slotProps={{ inputLabel: { shrink: true } }}
            helperText="The CloudFormation stack; empty: lifeboat-<name>"
          />
        </Stack>
      </Stack>
    ),
    Bucket: (
      <Stack spacing={2}>
        <Box>
          <Typography variant="subtitle2" component="p">
            Encryption
          </Typography>
          <FormRadioGroup
            control={control}
            name="encryption"
            label="Encryption"
            options={[
              { value: "SSE_S3", label: "SSE-S3: keys S3 manages" },
              { value: "SSE_KMS", label: "SSE-KMS with the stack's own KMS key (kept when the stack is deleted)" },
            ]}
          />
        </Box>
        <FormSwitch
          control={control}
          name="versioning"
          label="Versioning: keep previous versions of overwritten or deleted objects"
        />
        {v.versioning && (
          <FormTextField
            control={control}
            name="noncurrentVersionDays"
            number
            label="Keep previous versions for (days)"
            slotProps={{ htmlInput: { min: 1, max: 3650 } }}
            helperText="A backup Velero deletes leaves its objects as previous versions; they expire this many days later"
          />
        )}
        <ObjectLockField control={control} versioning={Boolean(v.versioning)} />
        {v.objectLock && (
          <FormTextField
            control={control}
            name="objectLockRetentionDays"
            number
            label="Lock each new version for (days)"
            slotProps={{ htmlInput: { min: 1, max: 36500 } }}
            helperText="A locked version cannot be deleted or overwritten until then; keep it at most the backups' TTL"
          />
        )}
        {v.objectLock === "COMPLIANCE" && (
          <Alert severity="warning" data-testid="compliance-warning">
            Compliance mode: nobody, not even the account root, can delete locked versions early or shorten their lock.
            Backups Velero deletes stay in the bucket, and are billed, until their lock ends.
          </Alert>
        )}
        {v.objectLock && (
          <Alert severity="info">
            File-system backups (kopia) into a bucket with object lock are not verified with Lifeboat yet.
          </Alert>
        )}
        <Stack direction={{ xs: "column", sm: "row" }} spacing={2}>
          <FormTextField
            control={control}
            name="bucketName"
            label="Bucket name (optional)"
            sx={{ flex: 1 }}
            helperText="Empty: CloudFormation picks a unique name"
          />
          <FormTextField
            control={control}
            name="prefix"
            label="Prefix"
            sx={{ flex: 1 }}
            helperText="A folder only Velero uses; empty: the bucket's root"
          />
        </Stack>
      </Stack>
    ),
    How: (
      <Stack spacing={2}>
        <RadioGroup aria-label="Who creates the stack" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          <FormControlLabel value="LIFEBOAT" control={<Radio />} label="Lifeboat provisions it" />
          <FormControlLabel value="OPERATOR" control={<Radio />} label="I run it in my account" />
        </RadioGroup>
        {mode === "LIFEBOAT" ? (
          <Typography variant="body2" color="text.secondary">
            Lifeboat creates the stack {stackName} in {v.region} with the account credential {account?.name}, follows
            its events on the Target locations page, then creates the Velero user&apos;s access key, seals it, checks
            the bucket with it and makes the target location.
          </Typography>
        ) : (
          <RunItYourself values={v} stackName={stackName} />
        )}
      </Stack>
    ),
    Review: (
      <Stack spacing={2}>
        <Typography variant="body2">
          {mode === "LIFEBOAT"
            ? `Lifeboat will create the CloudFormation stack ${stackName} in ${v.region}, which makes:`
            : `The template makes, in the stack you deploy:`}
        </Typography>
        <DetailsTable
          label="What will be created"
          keyWidth={200}
          rows={[
            ["Target location", v.name],
            ["AWS account", account ? `${account.name}${account.details ? ` (${account.details})` : ""}` : "—"],
            ["Region", v.region],
            ["Stack", stackName],
            [
              "Bucket",
              `${v.bucketName || "a unique name CloudFormation picks"}${v.prefix ? `, prefix ${v.prefix}` : ""}; ` +
                "public access blocked, TLS only, incomplete uploads aborted, kept when the stack is deleted",
            ],
            [
              "Encryption",
              v.encryption === "SSE_KMS"
                ? "SSE-KMS with a KMS key the stack creates (kept when the stack is deleted)"
                : "SSE-S3",
            ],
            ["Versioning", v.versioning ? `On: previous versions kept ${v.noncurrentVersionDays} days` : "Off"],
            [
              "Object lock",
              v.objectLock ? `${v.objectLock}: each new version locked ${v.objectLockRetentionDays} days` : "Off",
            ],
            [
              "Velero's access",
              "An IAM user with only the permissions Velero's AWS plugin needs on this bucket" +
                (v.encryption === "SSE_KMS" ? " and key" : "") +
                ". No secret is in the template: Lifeboat creates the user's access key once the stack completes, and seals it",
            ],
          ]}
        />
        <Alert severity="info" data-testid="iam-note">
          {IAM_NOTE}.
        </Alert>
        {mode === "LIFEBOAT" ? (
          <Typography variant="body2" color="text.secondary">
            The stack&apos;s progress shows under Managed stacks on the Target locations page; the location appears
            there when it completes.
          </Typography>
        ) : (
          <Typography variant="body2" color="text.secondary">
            Connect stack reads {stackName} in {v.region} with the account credential {account?.name}: it must be
            CREATE_COMPLETE and made from this template. Lifeboat then creates the Velero user&apos;s access key, checks
            the bucket with it and makes the target location. The stack stays yours: deleting the location removes only
            the keys Lifeboat made.
          </Typography>
        )}
      </Stack>
    ),
  };
  const fields: Record<StepName, (keyof ManagedLocationInput)[]> = {
    "Account and region": ["accountCredentialId", "region", "name", "stackName"],
    Bucket: [
      "encryption",
      "versioning",
      "noncurrentVersionDays",
      "objectLock",
      "objectLockRetentionDays",
      "bucketName",
      "prefix",
    ],
    How: [],
    Review: [],
  };
  const steps: WizardStep<ManagedLocationInput>[] = (Object.keys(content) as StepName[]).map((label) => ({
    label,
    content: content[label],
    fields: fields[label],
  }));

  return (
    <WizardDialog
      open={open}
      title="Provision a target location on AWS"
      steps={steps}
      form={form}
      onClose={onClose}
      onSubmit={submit}
      submitLabel={mode === "LIFEBOAT" ? "Create stack" : "Connect stack"}
      submittingLabel={mode === "LIFEBOAT" ? "Creating the stack…" : "Reading the stack…"}
      submitting={provision.isPending || connect.isPending}
      error={formError(form.formState.errors)}
    />
  );
}

type LockControl = ReturnType<typeof useForm<ManagedLocationInput>>["control"];

/** Object lock: off, GOVERNANCE or COMPLIANCE; it needs versioning (S3 keeps locked objects as versions). */
function ObjectLockField({ control, versioning }: { control: LockControl; versioning: boolean }) {
  return (
    <Controller
      control={control}
      name="objectLock"
      render={({ field, fieldState }) => (
        <FormControl component="fieldset" error={Boolean(fieldState.error)} disabled={!versioning}>
          <FormLabel component="legend">Object lock</FormLabel>
          <RadioGroup
            row
            value={field.value ?? ""}
            onChange={(e) => field.onChange(e.target.value || null)}
            onBlur={field.onBlur}
            aria-label="Object lock"
          >
            <FormControlLabel value="" control={<Radio slotProps={{ input: { ref: field.ref } }} />} label="Off" />
            <FormControlLabel value="GOVERNANCE" control={<Radio />} label="Governance" />
            <FormControlLabel value="COMPLIANCE" control={<Radio />} label="Compliance" />
          </RadioGroup>
          <FormHelperText role={fieldState.error ? "alert" : undefined}>
            {fieldState.error?.message ??
              (versioning
                ? "Governance: users allowed s3:BypassGovernanceRetention can still delete locked versions. Compliance: nobody can"
                : "Needs versioning: S3 keeps locked objects as versions")}
          </FormHelperText>
        </FormControl>
      )}
    />
  );
}

/**
 * "I run it in my account": the template for the options chosen, to download, and the command that deploys it. Mounted
 * only while shown, so the template is asked for once the options are settled (and not refetched on live changes).
 */
function RunItYourself({ values: v, stackName }: { values: ManagedLocationInput; stackName: string }) {
  const trpc = useTRPC();
  const template = useQuery({
    ...trpc.location.template.queryOptions({
      encryption: v.encryption,
      versioning: v.versioning,
      objectLock: v.objectLock,
      noncurrentVersionDays: v.noncurrentVersionDays,
      objectLockRetentionDays: v.objectLockRetentionDays,
      stackName,
      region: v.region,
      bucketName: v.bucketName || undefined,
    }),
    meta: { live: false },
  });
  const [copied, setCopied] = useState(false);
  const download = () => {
    if (!template.data) return;
    const url = URL.createObjectURL(new Blob([template.data.yaml], { type: "application/yaml" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = template.data.fileName;
    a.click();
    // Once the browser has taken the file.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const copy = async () => {
    if (!template.data) return;
    await navigator.clipboard.writeText(template.data.deployCommand);
    setCopied(true);
  };
  return (
    <>
      <Typography variant="body2" color="text.secondary">
        Deploy Lifeboat&apos;s template yourself, after your own review: download it, and run the command below with the
        AWS CLI where the file is.
      </Typography>
      <ErrorAlert error={template.error} />
      <Box>
        <Button variant="outlined" startIcon={<Download />} onClick={download} disabled={!template.data}>
          Download template (YAML)
        </Button>
      </Box>
      <TextField
        label="Deploy command"
        value={template.data?.deployCommand ?? (template.isPending ? "Building…" : "")}
        multiline
        minRows={3}
        slotProps={{
          input: {
            readOnly: true,
            sx: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13 },
          },
        }}
        helperText={copied ? "Copied to the clipboard" : "Read-only: select it, or copy it with the button"}
      />
      <Box>
        <Button onClick={() => void copy().catch(() => setCopied(false))} disabled={!template.data}>
          Copy command
        </Button>
      </Box>
      <Alert severity="info">
        When the stack is CREATE_COMPLETE, come back to this step and choose Connect stack (on the last step): Lifeboat
        reads the stack named {stackName} with the account credential and makes it a target location.
      </Alert>
    </>
  );
}
