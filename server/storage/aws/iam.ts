import { awsClientConfig, CONTROL_PLANE_TIMEOUT_MS, lazyClient } from "./clients";
import type { AwsEndpoint } from "./cloudformation";

// The IAM adapter: only what Lifeboat does to a managed location's Velero user (its access keys), on the outbound path.

export interface AccessKeyRow {
  accessKeyId: string;
  status: string;
  createdAt: Date | null;
}

/** The IAM calls Lifeboat makes, and nothing else. */
export interface IamPort {
  listAccessKeys(user: string): Promise<AccessKeyRow[]>;
  createAccessKey(user: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  deactivateAccessKey(user: string, accessKeyId: string): Promise<void>;
  deleteAccessKey(user: string, accessKeyId: string): Promise<void>;
}

export function iamPort(at: AwsEndpoint): IamPort {
  const iam = lazyClient(
    () => import("@aws-sdk/client-iam"),
    (sdk) => new sdk.IAMClient(awsClientConfig({ ...at, timeoutMs: at.timeoutMs ?? CONTROL_PLANE_TIMEOUT_MS })),
  );
  return {
    async listAccessKeys(user) {
      const { sdk, client } = await iam();
      const r = await client.send(new sdk.ListAccessKeysCommand({ UserName: user }));
      return (r.AccessKeyMetadata ?? []).flatMap((k) =>
        k.AccessKeyId
          ? [{ accessKeyId: k.AccessKeyId, status: k.Status ?? "Active", createdAt: k.CreateDate ?? null }]
          : [],
      );
    },
    async createAccessKey(user) {
      const { sdk, client } = await iam();
      const r = await client.send(new sdk.CreateAccessKeyCommand({ UserName: user }));
      if (!r.AccessKey?.AccessKeyId || !r.AccessKey.SecretAccessKey) throw new Error("IAM returned no access key");
      return { accessKeyId: r.AccessKey.AccessKeyId, secretAccessKey: r.AccessKey.SecretAccessKey };
    },
    async deactivateAccessKey(user, accessKeyId) {
      const { sdk, client } = await iam();
      await client.send(
        new sdk.UpdateAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId, Status: "Inactive" }),
      );
    },
    async deleteAccessKey(user, accessKeyId) {
      const { sdk, client } = await iam();
      await client.send(new sdk.DeleteAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId }));
    },
  };
}
