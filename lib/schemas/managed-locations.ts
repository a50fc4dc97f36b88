import { z } from "zod";
import { id, resourceName } from "./admin";
import { AWS_REGIONS } from "../aws/regions";
import { locationPrefix } from "./locations";

// Managed target locations (#11 §1): a bucket and its Velero IAM user that Lifeboat provisions through CloudFormation
// with an AWS account credential, from its own template (lib/aws/location-template.ts). One schema for the wizard, the
// router input and the service.

const regions: readonly string[] = AWS_REGIONS;
const awsRegion = z
  .string()
  .trim()
  .refine((r) => regions.includes(r), { message: "Not an AWS region (e.g. us-east-1, eu-central-1)" });

export const templateOptionsInput = z
  .object({
    encryption: z.enum(["SSE_S3", "SSE_KMS"]).default("SSE_S3"),
    versioning: z.boolean().default(false),
    objectLock: z.enum(["GOVERNANCE", "COMPLIANCE"]).nullable().default(null),
    /** Days a previous version is kept (versioning only). */
    noncurrentVersionDays: z.number().int().min(1, "At least 1 day").max(3650).default(30),
    /** Days each new object version is locked (object lock only). */
    objectLockRetentionDays: z.number().int().min(1, "At least 1 day").max(36500).default(7),
  })
  .superRefine((v, ctx) => {
    if (v.objectLock && !v.versioning)
      ctx.addIssue({
        code: "custom",
        path: ["objectLock"],
        message: "Object lock needs versioning: S3 keeps locked objects as versions",
      });
  });
export type TemplateOptionsInput = z.input<typeof templateOptionsInput>;

export const managedLocationInput = z
  .object({
    /** The target location's name (also the stack's lifeboat:location tag). */
    name: resourceName,
    accountCredentialId: id,
    region: awsRegion,
    /** The stack's name; empty: lifeboat-<name>. */
    stackName: z
      .string()
      .trim()
      .max(128)
      .regex(/^([A-Za-z][A-Za-z0-9-]*)?$/, "A letter, then letters, digits and '-'")
      .default(""),
    /** The bucket's name; empty lets CloudFormation choose a unique one. */
    bucketName: z
      .string()
      .trim()
      .max(63)
      .regex(/^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$/, "3 to 63 lowercase letters, digits, '.' and '-'")
      .default(""),
    prefix: locationPrefix,
  })
  .and(templateOptionsInput);
export type ManagedLocationInput = z.input<typeof managedLocationInput>;

/** The stack's name for a location when the operator gives none. */
export const defaultStackName = (name: string) => `lifeboat-${name}`.slice(0, 128);

/** "I run it in my account": the stack the operator deployed from Lifeboat's template, to read back and make a location. */
export const connectStackInput = z.object({
  name: resourceName,
  accountCredentialId: id,
  region: awsRegion,
  stackName: z
    .string()
    .trim()
    .min(1, "Enter the name of the stack you deployed")
    .max(128)
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, "A letter, then letters, digits and '-'"),
  prefix: locationPrefix,
});
export type ConnectStackInput = z.input<typeof connectStackInput>;

/** Emptying and deleting a deleted location's kept bucket: its name typed, and the number of backups the operator saw. */
export const emptyKeptBucketInput = z.object({
  id,
  confirmBucket: z.string().trim().min(1, "Type the bucket's name to confirm").max(63),
  backups: z.number().int().min(0),
});
export type EmptyKeptBucketInput = z.input<typeof emptyKeptBucketInput>;
