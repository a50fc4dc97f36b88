import { z } from "zod";
import { description, id, resourceName } from "./admin";

// Credentials and self-provisioned S3 target locations: shapes shared by the forms and the routers.
export const credentialCreateInput = z.object({
  name: resourceName,
  description,
  accessKeyId: z.string().trim().min(1, "Enter the access key id").max(128),
  secretAccessKey: z.string().min(1, "Enter the secret access key").max(256),
});

const bucketName = z
  .string()
  .trim()
  .min(3, "Bucket names have 3 to 63 characters")
  .max(63)
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "Lowercase letters, digits, '.' and '-'");
const prefix = z
  .string()
  .trim()
  .max(512)
  .regex(/^([^/\s][^\s]*)?$/, "No leading '/' and no spaces")
  .transform((p) => p.replace(/\/+$/, ""))
  .default("");

export const locationCreateInput = z
  .object({
    name: resourceName,
    provider: z.enum(["AWS_S3", "S3_COMPATIBLE"]),
    bucket: bucketName,
    prefix,
    region: z.string().trim().max(64).default(""),
    endpoint: z.string().trim().max(2048).default(""),
    pathStyle: z.boolean().default(false),
    caBundle: z
      .string()
      .max(64 * 1024)
      .optional()
      .transform((v) => (v?.trim() ? v : undefined)),
    credentialId: id,
  })
  .superRefine((v, ctx) => {
    if (v.provider === "S3_COMPATIBLE" && !v.endpoint)
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "S3-compatible storage needs its endpoint URL" });
    if (v.provider === "AWS_S3" && !v.region)
      ctx.addIssue({ code: "custom", path: ["region"], message: "AWS S3 needs the bucket's region" });
    if (v.caBundle && !v.caBundle.includes("-----BEGIN CERTIFICATE-----"))
      ctx.addIssue({ code: "custom", path: ["caBundle"], message: "The CA bundle must be PEM certificates" });
  });

export const locationAssignInput = z.object({
  locationId: id,
  target: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clusterGroup"), id }),
    z.object({ kind: z.literal("cluster"), id }),
  ]),
  readOnly: z.boolean().default(false),
});
