"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTRPC } from "@/lib/trpc/client";
import { clusterUpdateInput, parseLabelText } from "@/lib/schemas/cluster";
import { formErrorMap } from "@/lib/forms/server-errors";
import { FormDialog } from "../common/FormDialog";
import { FormTextField } from "../common/FormFields";
import { formError, submitWith } from "../common/form-submit";

/** cluster.update's input, with the labels as the operator types them ("env=prod, team=payments"). */
const editForm = clusterUpdateInput
  .omit({ labels: true })
  .extend({ labelText: z.string() })
  .transform((v, ctx) => {
    const { labelText, ...rest } = v;
    const parsed = parseLabelText(labelText);
    if (parsed.error) ctx.addIssue({ code: "custom", path: ["labelText"], message: parsed.error });
    return { ...rest, labels: parsed.labels };
  });

const fieldOf = (path: readonly string[]) =>
  path[0] === "labels" ? "labelText" : ["name", "description"].includes(path[0]) ? path[0] : null;

/** Rename, describe and relabel a cluster: Lifeboat's record of it; nothing on the cluster changes. */
export function EditClusterDialog({
  cluster,
  onClose,
}: {
  cluster: { id: string; name: string; description: string; labels: Record<string, string> };
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    resolver: zodResolver(editForm, { error: formErrorMap }),
    defaultValues: {
      id: cluster.id,
      name: cluster.name,
      description: cluster.description,
      labelText: Object.entries(cluster.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", "),
    },
  });
  const update = useMutation(
    trpc.cluster.update.mutationOptions({
      onSuccess: async (c) => {
        qc.setQueryData(trpc.cluster.get.queryKey({ id: c.id }), c);
        await qc.invalidateQueries({ queryKey: trpc.cluster.list.queryKey() });
        onClose();
      },
    }),
  );
  const { control } = form;
  return (
    <FormDialog
      open
      title={`Edit ${cluster.name}`}
      submitLabel="Save"
      busy={update.isPending}
      error={formError(form.formState.errors)}
      onClose={onClose}
      onSubmit={submitWith(form, (v) => update.mutateAsync(v), fieldOf)}
    >
      <FormTextField
        control={control}
        name="name"
        label="Name"
        required
        helperText="Lowercase letters, digits and '-'"
      />
      <FormTextField control={control} name="description" label="Description" />
      <FormTextField
        control={control}
        name="labelText"
        label="Labels"
        placeholder="env=prod, region=eu"
        helperText="key=value, comma-separated: Lifeboat's labels for this cluster"
      />
    </FormDialog>
  );
}
