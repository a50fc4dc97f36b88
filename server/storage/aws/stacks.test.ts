import { describe, expect, it } from "vitest";
import {
  createOrAdoptStack,
  missingOutputs,
  newStackEvents,
  progressOf,
  REQUEST_TAG,
  stackError,
  stackFailure,
  StackRefused,
  type CloudFormationPort,
  type StackEventRow,
  type StackRead,
} from "./stacks";

// A scripted CloudFormation (the moto sandbox cannot roll back or page events): what Lifeboat makes of its answers.
const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const ev = (n: number, status: string, logicalId = `R${n}`, reason: string | null = null): StackEventRow => ({
  eventId: `e${n}`,
  timestamp: new Date(Date.UTC(2026, 11, 5, 0, 0, n)),
  logicalId,
  resourceType: logicalId === "lb" ? "AWS::CloudFormation::Stack" : "AWS::S3::Bucket",
  status,
  reason,
});

function fakePort(over: Partial<CloudFormationPort>): CloudFormationPort {
  const no = () => Promise.reject(new Error("not scripted"));
  return { createStack: no, describeStack: no, stackEvents: no, deleteStack: no, ...over };
}
const read = (tags: Record<string, string>): StackRead => ({
  stackId: "arn:aws:cloudformation:us-east-1:123456789012:stack/lb/1",
  stackName: "lb",
  status: "CREATE_IN_PROGRESS",
  statusReason: null,
  outputs: {},
  tags,
});
const input = { stackName: "lb", templateBody: "{}", parameters: {}, clientRequestToken: "lifeboat-t1", tags: {} };

describe("creating a stack", () => {
  it("adopts the stack an earlier try of the same request created", async () => {
    const port = fakePort({
      createStack: () => Promise.reject(named("AlreadyExistsException", "Stack [lb] already exists")),
      describeStack: async () => read({ [REQUEST_TAG]: "lifeboat-t1" }),
    });
    await expect(createOrAdoptStack(port, input)).resolves.toEqual({ stackId: read({}).stackId });
  });

  it("refuses a stack of that name that someone else made", async () => {
    const port = fakePort({
      createStack: () => Promise.reject(named("AlreadyExistsException")),
      describeStack: async () => read({ [REQUEST_TAG]: "lifeboat-other" }),
    });
    await expect(createOrAdoptStack(port, input)).rejects.toMatchObject({
      failure: "Conflict",
      message: expect.stringContaining("A stack named lb already exists"),
    });
  });

  it("names the action a credential lacks", async () => {
    const port = fakePort({
      createStack: () =>
        Promise.reject(
          named(
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/lifeboat-no-cfn is not authorized to perform: cloudformation:CreateStack",
          ),
        ),
    });
    const e = await createOrAdoptStack(port, input).catch((x) => x);
    expect(e).toBeInstanceOf(StackRefused);
    expect(e).toMatchObject({
      failure: "AccessDenied",
      message: expect.stringContaining("lacks cloudformation:CreateStack"),
    });
  });

  it.each([
    ["ValidationError", "Invalid"],
    ["Throttling", "Throttled"],
    ["InvalidClientTokenId", "AccessDenied"],
    ["SignatureDoesNotMatch", "AccessDenied"],
    ["SomethingElse", "Other"],
  ])("classifies %s as %s", (name, failure) => {
    expect(stackError(named(name, "x"), "create the stack").failure).toBe(failure);
  });
});

describe("reading a stack's events", () => {
  it("pages newest-first until it meets one already stored, and gives the new ones oldest first", async () => {
    const pages: Record<string, { events: StackEventRow[]; nextToken?: string }> = {
      first: { events: [ev(6, "CREATE_COMPLETE"), ev(5, "CREATE_IN_PROGRESS")], nextToken: "p2" },
      p2: { events: [ev(4, "CREATE_IN_PROGRESS"), ev(3, "CREATE_IN_PROGRESS")], nextToken: "p3" },
      p3: { events: [ev(2, "CREATE_IN_PROGRESS")] },
    };
    const asked: string[] = [];
    const port = fakePort({
      stackEvents: async (_s, token) => {
        asked.push(token ?? "first");
        return pages[token ?? "first"];
      },
    });
    const fresh = await newStackEvents(port, "lb", new Set(["e3", "e2"]));
    expect(fresh.map((e) => e.eventId)).toEqual(["e4", "e5", "e6"]);
    expect(asked).toEqual(["first", "p2"]);
    expect((await newStackEvents(port, "lb", new Set())).map((e) => e.eventId)).toEqual(["e2", "e3", "e4", "e5", "e6"]);
  });
});

describe("why a stack failed", () => {
  it("is its earliest failed resource, not the ones cancelled because of it, nor the stack's own summary", () => {
    const events = [
      ev(1, "CREATE_IN_PROGRESS", "lb"),
      ev(2, "CREATE_FAILED", "VeleroUser", "Resource creation cancelled"),
      ev(3, "CREATE_FAILED", "BackupBucket", "lifeboat-x already exists"),
      ev(4, "ROLLBACK_IN_PROGRESS", "lb", "The following resource(s) failed to create: [BackupBucket]"),
      ev(5, "DELETE_FAILED", "BackupKey", "access denied"),
    ];
    expect(stackFailure(events)).toMatchObject({ logicalId: "BackupBucket", reason: "lifeboat-x already exists" });
    expect(stackFailure([ev(1, "CREATE_COMPLETE")])).toBeNull();
  });
});

describe("a stack's progress", () => {
  it.each([
    ["CREATE_IN_PROGRESS", "create", "IN_PROGRESS"],
    ["CREATE_COMPLETE", "create", "COMPLETE"],
    ["ROLLBACK_IN_PROGRESS", "create", "FAILED"],
    ["ROLLBACK_COMPLETE", "create", "FAILED"],
    ["CREATE_FAILED", "create", "FAILED"],
    ["DELETE_IN_PROGRESS", "delete", "IN_PROGRESS"],
    ["DELETE_COMPLETE", "delete", "DELETED"],
    ["DELETE_FAILED", "delete", "FAILED"],
  ] as const)("%s while it should %s is %s", (status, goal, progress) => {
    expect(progressOf(status, goal)).toBe(progress);
  });

  it("knows a stack not made from Lifeboat's template by its outputs", () => {
    expect(missingOutputs({ BucketName: "b", Region: "r" })).toEqual([
      "VeleroUserName",
      "VeleroUserArn",
      "LifeboatTemplateVersion",
      "LifeboatOptions",
    ]);
  });
});
