import { stringify } from "yaml";

// The CloudFormation template of a target location Lifeboat provisions in an AWS account (issue #11 §1): options →
// template object → YAML or JSON. Pure (no SDK), shared by the server (CreateStack) and the "I run it in my account"
// download.
//
// What the stack holds: a dedicated S3 bucket (default encryption SSE-S3, or SSE-KMS with a key the stack creates; all
// public access blocked; ACLs disabled; a bucket policy that refuses non-TLS and TLS < 1.2; incomplete multipart
// uploads aborted; optional versioning, optional object lock; Retain on delete and on replace), an IAM user for Velero
// with exactly what velero-plugin-for-aws needs on that bucket (and on the key), and outputs without any secret: the
// user's access key is created by Lifeboat through IAM after CREATE_COMPLETE, never by the template.
// Every option combination passes cfn-lint (location-template.lint.test.ts, where cfn-lint is installed).

/** Bumped whenever the generated template changes; kept in Metadata.LifeboatTemplateVersion and as an output. */
export const TEMPLATE_VERSION = "1";

export type Encryption = "SSE_S3" | "SSE_KMS";
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

export interface TemplateOptions {
  encryption: Encryption;
  /** Keep previous versions of overwritten or deleted objects (noncurrent versions expire after NoncurrentVersionDays). */
  versioning: boolean;
  /** Object lock with a default retention (needs versioning; can only be chosen when the bucket is created). */
  objectLock: ObjectLockMode | null;
}

/** Why these options cannot make a template, or null. */
export function optionsProblem(o: TemplateOptions): string | null {
  if (o.objectLock && !o.versioning) return "Object lock needs versioning: S3 keeps locked objects as versions";
  return null;
}

/** Every option combination the console offers (the cfn-lint test walks them all). */
export function allTemplateOptions(): TemplateOptions[] {
  const out: TemplateOptions[] = [];
  for (const encryption of ["SSE_S3", "SSE_KMS"] as const)
    for (const versioning of [false, true])
      for (const objectLock of [null, "GOVERNANCE", "COMPLIANCE"] as const) {
        const o = { encryption, versioning, objectLock };
        if (!optionsProblem(o)) out.push(o);
      }
  return out;
}

export const optionsSlug = (o: TemplateOptions) =>
  [
    o.encryption.toLowerCase().replace("_", "-"),
    o.versioning ? "versioned" : "unversioned",
    o.objectLock ? `lock-${o.objectLock.toLowerCase()}` : "no-lock",
  ].join(".");

/** The options a stack's LifeboatOptions output names (optionsSlug read back), or null when it is not one. */
export function optionsFromSlug(slug: string): TemplateOptions | null {
  return allTemplateOptions().find((o) => optionsSlug(o) === slug) ?? null;
}

// ---- the pieces -------------------------------------------------------------------------------------------------

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const ref = (name: string): Obj => ({ Ref: name });
const getAtt = (resource: string, attribute: string): Obj => ({ "Fn::GetAtt": [resource, attribute] });
const sub = (text: string): Obj => ({ "Fn::Sub": text });

/** Logical ids: part of the template's contract (outputs, the policy, Lifeboat's failure messages name them). */
export const LOGICAL = {
  bucket: "BackupBucket",
  bucketPolicy: "BackupBucketPolicy",
  key: "BackupKey",
  user: "VeleroUser",
  policy: "VeleroPolicy",
} as const;

/** S3 actions velero-plugin-for-aws needs on the objects (README "Set permissions for Velero"; EBS actions left out). */
export const VELERO_OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
] as const;
/** …and on the bucket. */
export const VELERO_BUCKET_ACTIONS = ["s3:ListBucket"] as const;
/**
 * KMS actions S3 performs for the user with SSE-KMS: GenerateDataKey (PutObject, multipart) and Decrypt (GetObject,
 * multipart). (kms:Encrypt, which some guides list, is never called by S3 for SSE-KMS.)
 */
export const VELERO_KMS_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

const bucketArn = getAtt(LOGICAL.bucket, "Arn");
const objectsArn = sub(`\${${LOGICAL.bucket}.Arn}/*`);

function bucketEncryption(o: TemplateOptions): Obj {
  const byDefault: Obj =
    o.encryption === "SSE_KMS"
      ? { SSEAlgorithm: "aws:kms", KMSMasterKeyID: getAtt(LOGICAL.key, "Arn") }
      : { SSEAlgorithm: "AES256" };
  return {
    ServerSideEncryptionConfiguration: [
      // An S3 Bucket Key cuts KMS requests (and their cost) by orders of magnitude; harmless with SSE-S3.
      { ServerSideEncryptionByDefault: byDefault, BucketKeyEnabled: o.encryption === "SSE_KMS" },
    ],
  };
}

function lifecycleRules(o: TemplateOptions): Obj[] {
  const rules: Obj[] = [
    {
      Id: "AbortIncompleteMultipartUploads",
      Status: "Enabled",
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    },
  ];
  if (o.versioning) {
    rules.push({
      Id: "ExpireNoncurrentVersions",
      Status: "Enabled",
      NoncurrentVersionExpiration: { NoncurrentDays: ref("NoncurrentVersionDays") },
    });
    rules.push({ Id: "RemoveExpiredDeleteMarkers", Status: "Enabled", ExpiredObjectDeleteMarker: true });
  }
  return rules;
}

function bucket(o: TemplateOptions): Obj {
  const props: Obj = {
    BucketName: { "Fn::If": ["HasBucketName", ref("BucketName"), ref("AWS::NoValue")] },
    BucketEncryption: bucketEncryption(o),
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
    LifecycleConfiguration: { Rules: lifecycleRules(o) },
  };
  if (o.versioning) props.VersioningConfiguration = { Status: "Enabled" };
  if (o.objectLock) {
    props.ObjectLockEnabled = true;
    props.ObjectLockConfiguration = {
      ObjectLockEnabled: "Enabled",
      Rule: { DefaultRetention: { Mode: o.objectLock, Days: ref("ObjectLockRetentionDays") } },
    };
  }
  return {
    Type: "AWS::S3::Bucket",
    // The backups outlive the stack: deleting or replacing it keeps the bucket (Lifeboat empties and deletes it only
    // behind a typed confirmation).
    DeletionPolicy: "Retain",
    UpdateReplacePolicy: "Retain",
    Properties: props,
  };
}

function bucketPolicy(): Obj {
  const both = [bucketArn, objectsArn];
  return {
    Type: "AWS::S3::BucketPolicy",
    Properties: {
      Bucket: ref(LOGICAL.bucket),
      PolicyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            Sid: "DenyOutdatedTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: both,
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
          },
        ],
      },
    },
  };
}

function kmsKey(): Obj {
  return {
    Type: "AWS::KMS::Key",
    // Retained with the bucket: a deleted key makes every retained backup unreadable.
    DeletionPolicy: "Retain",
    UpdateReplacePolicy: "Retain",
    Properties: {
      Description: sub("Lifeboat: encrypts the Velero backups of stack ${AWS::StackName}"),
      EnableKeyRotation: true,
      KeyPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            // The account (its IAM policies) governs the key, as for a key made in the console; the Velero user gets
            // its use through VeleroPolicy.
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      },
    },
  };
}

function veleroPolicy(o: TemplateOptions): Obj {
  const statements: Obj[] = [
    { Sid: "VeleroObjects", Effect: "Allow", Action: [...VELERO_OBJECT_ACTIONS], Resource: objectsArn },
    { Sid: "VeleroBucket", Effect: "Allow", Action: [...VELERO_BUCKET_ACTIONS], Resource: bucketArn },
  ];
  if (o.encryption === "SSE_KMS")
    statements.push({
      Sid: "VeleroKeyThroughS3",
      Effect: "Allow",
      Action: [...VELERO_KMS_ACTIONS],
      Resource: getAtt(LOGICAL.key, "Arn"),
      Condition: { StringEquals: { "kms:ViaService": sub("s3.${AWS::Region}.amazonaws.com") } },
    });
  return {
    Type: "AWS::IAM::Policy",
    Properties: {
      PolicyName: "velero-backup-location",
      Users: [ref(LOGICAL.user)],
      PolicyDocument: { Version: "2012-10-17", Statement: statements },
    },
  };
}

function parameters(o: TemplateOptions): Obj {
  const p: Obj = {
    BucketName: {
      Type: "String",
      Default: "",
      Description: "The bucket's name; empty lets CloudFormation choose a unique one",
      AllowedPattern: "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
      ConstraintDescription: "3 to 63 lowercase letters, digits, '.' and '-', or empty",
    },
  };
  if (o.versioning)
    p.NoncurrentVersionDays = {
      Type: "Number",
      Default: 30,
      MinValue: 1,
      Description: "Days a previous version of an object is kept before it expires",
    };
  if (o.objectLock)
    p.ObjectLockRetentionDays = {
      Type: "Number",
      Default: 7,
      MinValue: 1,
      MaxValue: 36500,
      Description: `Days each new object version is locked (${o.objectLock} mode)`,
    };
  return p;
}

// ---- the template -----------------------------------------------------------------------------------------------

export function buildTemplate(o: TemplateOptions): Obj {
  const problem = optionsProblem(o);
  if (problem) throw new Error(problem);
  const resources: Obj = {};
  if (o.encryption === "SSE_KMS") resources[LOGICAL.key] = kmsKey();
  resources[LOGICAL.bucket] = bucket(o);
  resources[LOGICAL.bucketPolicy] = bucketPolicy();
  resources[LOGICAL.user] = { Type: "AWS::IAM::User", Properties: { Path: "/lifeboat/" } };
  resources[LOGICAL.policy] = veleroPolicy(o);

  const outputs: Obj = {
    BucketName: { Description: "The bucket Velero writes to", Value: ref(LOGICAL.bucket) },
    BucketArn: { Value: bucketArn },
    Region: { Value: ref("AWS::Region") },
    VeleroUserName: { Description: "Lifeboat creates (and rotates) this user's access key", Value: ref(LOGICAL.user) },
    VeleroUserArn: { Value: getAtt(LOGICAL.user, "Arn") },
    LifeboatTemplateVersion: { Value: TEMPLATE_VERSION },
    // What "I run it in my account" stacks are read back by: the options their template was generated with.
    LifeboatOptions: { Value: optionsSlug(o) },
  };
  if (o.encryption === "SSE_KMS") outputs.KmsKeyArn = { Value: getAtt(LOGICAL.key, "Arn") };

  const features = [
    o.encryption === "SSE_KMS" ? "SSE-KMS (own key)" : "SSE-S3",
    o.versioning ? "versioning" : null,
    o.objectLock ? `object lock ${o.objectLock}` : null,
  ].filter(Boolean);
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `Lifeboat target location for Velero backups: S3 bucket (${features.join(", ")}) and its Velero IAM user (template v${TEMPLATE_VERSION})`,
    Metadata: {
      LifeboatTemplateVersion: TEMPLATE_VERSION,
      LifeboatOptions: { Encryption: o.encryption, Versioning: o.versioning, ObjectLock: o.objectLock ?? "off" },
      "AWS::CloudFormation::Interface": {
        ParameterGroups: [
          {
            Label: { default: "Bucket" },
            Parameters: [
              "BucketName",
              ...(o.versioning ? ["NoncurrentVersionDays"] : []),
              ...(o.objectLock ? ["ObjectLockRetentionDays"] : []),
            ],
          },
        ],
      },
    },
    Parameters: parameters(o),
    Conditions: { HasBucketName: { "Fn::Not": [{ "Fn::Equals": [ref("BucketName"), ""] }] } },
    Resources: resources,
    Outputs: outputs,
  };
}

/** The template as YAML, in long-form intrinsics ("Fn::Sub:", not "!Sub"), so that any YAML parser reads it. */
export const templateYaml = (o: TemplateOptions) => stringify(buildTemplate(o), { lineWidth: 0 });
export const templateJson = (o: TemplateOptions) => `${JSON.stringify(buildTemplate(o), null, 2)}\n`;

// ---- "I run it in my account" -------------------------------------------------------------------------------------

const SHELL_SAFE = /^[A-Za-z0-9._/=:@,+-]+$/;
const shq = (s: string) => (SHELL_SAFE.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`);

/** The command an operator runs in their own account (CAPABILITY_IAM: the IAM user's name is generated, not given). */
export function deployCommand(a: {
  file: string;
  stackName: string;
  region: string;
  bucketName?: string;
  /** The template's other parameters (NoncurrentVersionDays, ObjectLockRetentionDays), when not the defaults. */
  parameters?: Record<string, string>;
  tags?: Record<string, string>;
}): string {
  const parts = [
    "aws cloudformation deploy",
    `--template-file ${shq(a.file)}`,
    `--stack-name ${shq(a.stackName)}`,
    `--region ${shq(a.region)}`,
    "--capabilities CAPABILITY_IAM",
  ];
  const overrides = Object.entries({ ...(a.bucketName ? { BucketName: a.bucketName } : {}), ...a.parameters });
  if (overrides.length) parts.push(`--parameter-overrides ${overrides.map(([k, v]) => shq(`${k}=${v}`)).join(" ")}`);
  const tags = Object.entries(a.tags ?? {});
  if (tags.length) parts.push(`--tags ${tags.map(([k, v]) => shq(`${k}=${v}`)).join(" ")}`);
  return parts.join(" \\\n  ");
}
