import { awsClientConfig, CONTROL_PLANE_TIMEOUT_MS, lazyClient, type AwsClientOptions } from "./clients";
import type { CloudFormationPort, StackRead } from "./stacks";

// The CloudFormation adapter: the SDK behind the narrow port stacks.ts works with, on the outbound path (every address
// checked, loopback only where allowed), one try per call (the reconciler retries on its own schedule).

/** Where and as whom Lifeboat calls an AWS API: an account credential's keys (or role), region and endpoint. */
export type AwsEndpoint = AwsClientOptions;

export function cloudFormationPort(at: AwsEndpoint): CloudFormationPort {
  const cfn = lazyClient(
    () => import("@aws-sdk/client-cloudformation"),
    (sdk) =>
      new sdk.CloudFormationClient(awsClientConfig({ ...at, timeoutMs: at.timeoutMs ?? CONTROL_PLANE_TIMEOUT_MS })),
  );
  return {
    async createStack(i) {
      const { sdk, client } = await cfn();
      const r = await client.send(
        new sdk.CreateStackCommand({
          StackName: i.stackName,
          TemplateBody: i.templateBody,
          Parameters: Object.entries(i.parameters).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
          // The Velero user's name is generated, so no named IAM resource needs CAPABILITY_NAMED_IAM.
          Capabilities: ["CAPABILITY_IAM"],
          ClientRequestToken: i.clientRequestToken,
          Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return { stackId: r.StackId ?? i.stackName };
    },
    async describeStack(stack) {
      const { sdk, client } = await cfn();
      try {
        const r = await client.send(new sdk.DescribeStacksCommand({ StackName: stack }));
        const s = r.Stacks?.[0];
        if (!s) return null;
        return {
          stackId: s.StackId ?? stack,
          stackName: s.StackName ?? stack,
          status: s.StackStatus ?? "UNKNOWN",
          statusReason: s.StackStatusReason ?? null,
          outputs: Object.fromEntries(
            (s.Outputs ?? []).flatMap((o) => (o.OutputKey ? [[o.OutputKey, o.OutputValue ?? ""]] : [])),
          ),
          tags: Object.fromEntries((s.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : []))),
        } satisfies StackRead;
      } catch (e) {
        // CloudFormation answers a stack that is not there with a ValidationError "Stack with id X does not exist".
        if (/does not exist/.test((e as Error).message ?? "")) return null;
        throw e;
      }
    },
    async stackEvents(stack, nextToken) {
      const { sdk, client } = await cfn();
      const r = await client.send(new sdk.DescribeStackEventsCommand({ StackName: stack, NextToken: nextToken }));
      return {
        events: (r.StackEvents ?? []).map((e) => ({
          eventId: e.EventId ?? `${e.LogicalResourceId}-${e.Timestamp?.toISOString()}-${e.ResourceStatus}`,
          timestamp: e.Timestamp ?? new Date(0),
          logicalId: e.LogicalResourceId ?? "",
          resourceType: e.ResourceType ?? "",
          status: e.ResourceStatus ?? "",
          reason: e.ResourceStatusReason ?? null,
        })),
        nextToken: r.NextToken,
      };
    },
    async deleteStack(stack, clientRequestToken) {
      const { sdk, client } = await cfn();
      await client.send(new sdk.DeleteStackCommand({ StackName: stack, ClientRequestToken: clientRequestToken }));
    },
  };
}
