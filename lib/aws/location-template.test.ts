import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  allTemplateOptions,
  buildTemplate,
  deployCommand,
  LOGICAL,
  optionsFromSlug,
  optionsProblem,
  optionsSlug,
  templateJson,
  templateYaml,
  TEMPLATE_VERSION,
  VELERO_BUCKET_ACTIONS,
  VELERO_KMS_ACTIONS,
  VELERO_OBJECT_ACTIONS,
  type TemplateOptions,
} from "./location-template";

/* eslint-disable @typescript-eslint/no-explicit-any -- a CloudFormation template is read here as the JSON it is */
const resources = (o: TemplateOptions) => buildTemplate(o).Resources as Record<string, any>;
const policyOf = (o: TemplateOptions) => resources(o)[LOGICAL.policy].Properties.PolicyDocument.Statement as any[];

describe("the managed-location template's options", () => {
  it("offers eight combinations and refuses object lock without versioning, saying why", () => {
    const all = allTemplateOptions();
    expect(all).toHaveLength(8);
    expect(new Set(all.map(optionsSlug)).size).toBe(8);
    const lockAlone: TemplateOptions = { encryption: "SSE_S3", versioning: false, objectLock: "GOVERNANCE" };
    expect(optionsProblem(lockAlone)).toMatch(/needs versioning/);
    expect(() => buildTemplate(lockAlone)).toThrow(/needs versioning/);
  });
});

describe.each(allTemplateOptions().map((o) => [optionsSlug(o), o] as const))("the template %s", (_, o) => {
  it("keeps the bucket (and its key) when the stack is deleted or replaced, and blocks every public access", () => {
    const r = resources(o);
    expect(r[LOGICAL.bucket]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    expect(r[LOGICAL.bucket].Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(r[LOGICAL.bucket].Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }],
    });
    if (o.encryption === "SSE_KMS")
      expect(r[LOGICAL.key]).toMatchObject({ DeletionPolicy: "Retain", Properties: { EnableKeyRotation: true } });
    else expect(r[LOGICAL.key]).toBeUndefined();
  });

  it("encrypts by default as chosen, refuses requests without TLS 1.2, and aborts incomplete uploads", () => {
    const props = resources(o)[LOGICAL.bucket].Properties;
    const byDefault = props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
    expect(byDefault.SSEAlgorithm).toBe(o.encryption === "SSE_KMS" ? "aws:kms" : "AES256");
    const deny = resources(o)[LOGICAL.bucketPolicy].Properties.PolicyDocument.Statement;
    expect(deny.map((s: any) => [s.Effect, s.Condition])).toEqual([
      ["Deny", { Bool: { "aws:SecureTransport": "false" } }],
      ["Deny", { NumericLessThan: { "s3:TlsVersion": "1.2" } }],
    ]);
    expect(props.LifecycleConfiguration.Rules[0]).toMatchObject({
      Status: "Enabled",
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    });
    expect(Boolean(props.VersioningConfiguration)).toBe(o.versioning);
    expect(props.ObjectLockConfiguration?.Rule.DefaultRetention.Mode ?? null).toBe(o.objectLock);
  });

  it("gives the Velero user exactly what Velero's AWS plugin needs on this bucket (and key), and no access key", () => {
    const statements = policyOf(o);
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ["VeleroObjects", [...VELERO_OBJECT_ACTIONS]],
      ["VeleroBucket", [...VELERO_BUCKET_ACTIONS]],
      ...(o.encryption === "SSE_KMS" ? [["VeleroKeyThroughS3", [...VELERO_KMS_ACTIONS]]] : []),
    ]);
    expect(statements.every((s) => s.Effect === "Allow" && s.Resource !== "*")).toBe(true);
    const types = Object.values(resources(o)).map((r: any) => r.Type);
    expect(types).not.toContain("AWS::IAM::AccessKey");
    expect(types.filter((t) => t === "AWS::IAM::User")).toHaveLength(1);
  });

  it("outputs what Lifeboat reads back and no secret, and says its version and options", () => {
    const t = buildTemplate(o) as any;
    expect(Object.keys(t.Outputs).sort()).toEqual(
      [
        "BucketArn",
        "BucketName",
        "LifeboatOptions",
        "LifeboatTemplateVersion",
        "Region",
        "VeleroUserArn",
        "VeleroUserName",
        ...(o.encryption === "SSE_KMS" ? ["KmsKeyArn"] : []),
      ].sort(),
    );
    expect(JSON.stringify(t.Outputs)).not.toMatch(/SecretAccessKey|AccessKey"/);
    expect(t.Metadata.LifeboatTemplateVersion).toBe(TEMPLATE_VERSION);
    expect(t.Outputs.LifeboatOptions.Value).toBe(optionsSlug(o));
  });

  it("reads back the same from its YAML and its JSON", () => {
    expect(parse(templateYaml(o))).toEqual(buildTemplate(o));
    expect(JSON.parse(templateJson(o))).toEqual(buildTemplate(o));
    // Long-form intrinsics only: any YAML parser reads them, not only CloudFormation's.
    expect(templateYaml(o)).not.toMatch(/!(Ref|Sub|GetAtt|If|Not|Equals)\b/);
  });
});

describe("the command an operator runs in their own account", () => {
  it("deploys with CAPABILITY_IAM and quotes what a shell would split or expand", () => {
    const cmd = deployCommand({
      file: "lifeboat location.yaml",
      stackName: "lifeboat-backups",
      region: "eu-central-1",
      bucketName: "acme-velero",
      tags: { "lifeboat:location": "it's prod" },
    });
    expect(cmd).toContain("--capabilities CAPABILITY_IAM");
    expect(cmd).toContain("--template-file 'lifeboat location.yaml'");
    expect(cmd).toContain("--stack-name lifeboat-backups");
    expect(cmd).toContain("--parameter-overrides BucketName=acme-velero");
    expect(
      deployCommand({
        file: "t.yaml",
        stackName: "s",
        region: "us-east-1",
        parameters: { NoncurrentVersionDays: "14", ObjectLockRetentionDays: "3" },
      }),
    ).toContain("--parameter-overrides NoncurrentVersionDays=14 ObjectLockRetentionDays=3");
    expect(cmd).toContain(`--tags 'lifeboat:location=it'"'"'s prod'`);
  });
});

describe("the options a stack names", () => {
  it("reads every combination back from its LifeboatOptions output, and nothing else", () => {
    for (const o of allTemplateOptions()) expect(optionsFromSlug(optionsSlug(o))).toEqual(o);
    expect(optionsFromSlug("sse-s3.unversioned.lock-compliance")).toBeNull();
    expect(optionsFromSlug("")).toBeNull();
  });
});
