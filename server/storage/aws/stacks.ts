// What Lifeboat does with a managed location's CloudFormation stack, over a narrow port (cloudformation.ts adapts the
// SDK to it; tests script it): create it idempotently, read its status and new events, find why it failed, delete it.
// Nothing here waits: the managed-stack reconciler calls these in steps and stores what they return.

export interface StackEventRow {
  eventId: string;
  timestamp: Date;
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string | null;
}

export interface StackRead {
  stackId: string;
  stackName: string;
  status: string;
  statusReason: string | null;
  outputs: Record<string, string>;
  tags: Record<string, string>;
}

export interface CreateStackInput {
  stackName: string;
  templateBody: string;
  parameters: Record<string, string>;
  /** CloudFormation's idempotency token: a retry of the same request makes one stack, not two. */
  clientRequestToken: string;
  tags: Record<string, string>;
}

/** The CloudFormation calls Lifeboat makes, and nothing else. */
export interface CloudFormationPort {
  createStack(input: CreateStackInput): Promise<{ stackId: string }>;
  /** The stack by name or id, or null when CloudFormation says it does not exist. */
  describeStack(stack: string): Promise<StackRead | null>;
  /** One page of the stack's events, newest first. */
  stackEvents(stack: string, nextToken?: string): Promise<{ events: StackEventRow[]; nextToken?: string }>;
  deleteStack(stack: string, clientRequestToken: string): Promise<void>;
}

/** The tag that ties a stack to the request that created it (how a retried create finds its own stack). */
export const REQUEST_TAG = "lifeboat:request";
export const LOCATION_TAG = "lifeboat:location";

/** A refusal that tells the operator what to change (the stack is not created, or not Lifeboat's). */
export class StackRefused extends Error {
  constructor(
    readonly failure: "Conflict" | "AccessDenied" | "Invalid" | "Throttled" | "Unreachable" | "Other",
    message: string,
  ) {
    super(message);
    this.name = "StackRefused";
  }
}

const errName = (e: unknown) =>
  e && typeof e === "object" ? String((e as { name?: unknown }).name ?? (e as { Code?: unknown }).Code ?? "") : "";
const errMessage = (e: unknown) =>
  e && typeof e === "object" && typeof (e as { message?: unknown }).message === "string"
    ? ((e as { message: string }).message.split("\n")[0] ?? "")
    : String(e);

/** A CloudFormation error in an operator's words (the caller's secret never reaches an SDK message). */
export function stackError(e: unknown, what: string): StackRefused {
  const name = errName(e);
  const message = errMessage(e);
  if (name === "AccessDenied" || name === "AccessDeniedException" || /not authorized to perform/.test(message)) {
    const action = /perform: ([\w:]+)/.exec(message)?.[1];
    return new StackRefused(
      "AccessDenied",
      `The account credential may not ${what}${action ? ` (it lacks ${action})` : ""}: ${message}`,
    );
  }
  if (name === "InsufficientCapabilitiesException")
    return new StackRefused("Invalid", `CloudFormation refused to ${what}: ${message}`);
  if (name === "ValidationError" || name === "ValidationException")
    return new StackRefused("Invalid", `CloudFormation refused to ${what}: ${message}`);
  if (name === "Throttling" || name === "ThrottlingException" || name === "LimitExceededException")
    return new StackRefused("Throttled", `CloudFormation is throttling Lifeboat; it tries again (${message})`);
  if (name === "InvalidClientTokenId" || name === "SignatureDoesNotMatch" || name === "UnrecognizedClientException")
    return new StackRefused("AccessDenied", `AWS refused the account credential (${name}); check it on Credentials`);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|LIFEBOAT_OUTBOUND_REFUSED/.test(`${name} ${message}`))
    return new StackRefused("Unreachable", `CloudFormation could not be reached to ${what}: ${message}`);
  return new StackRefused("Other", `Lifeboat could not ${what}: ${name ? `${name}: ` : ""}${message}`);
}

/**
 * Creates the stack, or finds the one an earlier try of the same request created (its request tag is ours): a lost
 * response or a retry after a time-out makes one stack. A stack of that name made by anyone else is a conflict.
 */
export async function createOrAdoptStack(
  port: CloudFormationPort,
  input: CreateStackInput,
): Promise<{ stackId: string }> {
  try {
    return await port.createStack(input);
  } catch (e) {
    if (errName(e) !== "AlreadyExistsException") throw stackError(e, `create the stack ${input.stackName}`);
    const existing = await port.describeStack(input.stackName).catch(() => null);
    if (existing && existing.tags[REQUEST_TAG] === input.clientRequestToken) return { stackId: existing.stackId };
    throw new StackRefused(
      "Conflict",
      `A stack named ${input.stackName} already exists in this account and region; choose another name`,
    );
  }
}

/**
 * The events CloudFormation has that `known` does not hold yet, oldest first: pages newest-first until it reaches one
 * already stored (or `max` events), so each call reads only what is new.
 */
export async function newStackEvents(
  port: CloudFormationPort,
  stack: string,
  known: ReadonlySet<string>,
  max = 500,
): Promise<StackEventRow[]> {
  const fresh: StackEventRow[] = [];
  let token: string | undefined;
  do {
    const page = await port.stackEvents(stack, token);
    for (const ev of page.events) {
      if (known.has(ev.eventId)) return fresh.reverse();
      fresh.push(ev);
      if (fresh.length >= max) return fresh.reverse();
    }
    token = page.nextToken;
  } while (token);
  return fresh.reverse();
}

const CANCELLED = /^Resource (creation|update|deletion) cancelled/i;

/** Why a stack failed: its earliest failed resource that was not merely cancelled because another failed. */
export function stackFailure(events: readonly StackEventRow[]): StackEventRow | null {
  const failed = events
    .filter((e) => e.status.endsWith("_FAILED") && !CANCELLED.test(e.reason ?? ""))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  // A resource's failure explains more than the stack's own ("The following resource(s) failed to create: …").
  return failed.find((e) => e.resourceType !== "AWS::CloudFormation::Stack") ?? failed[0] ?? null;
}

export type StackProgress = "IN_PROGRESS" | "COMPLETE" | "FAILED" | "DELETED";

/** Where a stack status leaves a create (or delete): still going, done, failed, or gone. */
export function progressOf(status: string, goal: "create" | "delete"): StackProgress {
  if (goal === "delete") {
    if (status === "DELETE_COMPLETE") return "DELETED";
    if (status === "DELETE_FAILED") return "FAILED";
    return "IN_PROGRESS";
  }
  if (status === "CREATE_COMPLETE" || status === "UPDATE_COMPLETE") return "COMPLETE";
  if (status.endsWith("_IN_PROGRESS") && !status.startsWith("ROLLBACK") && !status.includes("ROLLBACK"))
    return "IN_PROGRESS";
  // ROLLBACK_IN_PROGRESS is already a failure: the operator can read why while it rolls back.
  return "FAILED";
}

/** The outputs a Lifeboat stack must carry (a stack without them was not made from Lifeboat's template). */
export const REQUIRED_OUTPUTS = [
  "BucketName",
  "Region",
  "VeleroUserName",
  "VeleroUserArn",
  "LifeboatTemplateVersion",
  "LifeboatOptions",
] as const;

export function missingOutputs(outputs: Record<string, string>): string[] {
  return REQUIRED_OUTPUTS.filter((k) => !outputs[k]);
}
