import { spawn } from "node:child_process";
import path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ChildStartError, HOST, captureOutput, reserveFreePort, stopper, waitForPort } from "./child-process";

// The sandbox's AWS: moto_server as a child process (through sandbox/storage/moto-server.py, which fixes SigV4 for
// query values with "/", getmoto/moto#5948), with credentials and permissions checked like AWS. moto lets the first
// INITIAL_NO_AUTH_ACTION_COUNT actions through unauthenticated; three are exactly enough to create an admin user, its
// "Action": "*" policy and its access key, and every later request must be signed by a known key and allowed by IAM.
// Never call moto's reset API (POST /moto-api/reset): it drops the admin, and with no free actions left nothing can
// sign in again. Tests isolate themselves by unique names instead.
// moto is a Python tool, not an npm package: without it startMoto resolves { aws: null, reason } and the tests that need
// it report themselves skipped with that reason.

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AwsSandbox {
  endpoint: string;
  region: "us-east-1";
  /** moto's account: always 123456789012. */
  accountId: string;
  /** User `admin` with an inline "Action": "*" policy. */
  admin: AwsKey;
  /** User `lifeboat-no-cfn`: s3:ListAllMyBuckets only, so CreateStack is AccessDenied. */
  noCloudFormation: AwsKey;
  /** User `lifeboat-source`: sts:AssumeRole only; it may assume `role` with its external id. */
  source: AwsKey;
  /** Role `lifeboat-provisioner` (cloudformation:*, s3:*, iam:*, kms:*), trusting lifeboat-source with externalId. */
  role: { arn: string; externalId: string };
  /** A bucket made by the admin, holding one object, that no Lifeboat-made user is granted. */
  foreignBucket: { name: string; key: string };
}

export interface RunningMoto {
  aws: AwsSandbox;
  pid: number;
  /** SIGTERM, SIGKILL after 5 s; resolves once moto has exited. Safe to call twice. */
  stop(): Promise<void>;
}
export type MotoStart = RunningMoto | { aws: null; reason: string };

export interface StartMotoOptions {
  /** 0 (default) = a free port picked here. */
  port?: number;
  /** The Python that runs the launcher (default "python3"). */
  python?: string;
  /** How long to wait for moto to accept connections (default 30 s). */
  timeoutMs?: number;
}

export const MOTO_INSTALL = 'pip install "moto[server]==5.2.1"';
export const SANDBOX_EXTERNAL_ID = "lifeboat-sandbox";
const REGION = "us-east-1";
const LAUNCHER = path.join(import.meta.dirname, "moto-server.py");
/** The launcher's exit status when moto cannot be used (missing, another version, no server extra). */
const UNAVAILABLE = 3;

export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoStart> {
  const python = opts.python ?? "python3";
  const port = await reserveFreePort("moto", opts.port ?? 0);
  const env: NodeJS.ProcessEnv = { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: "3" };
  // With AWS's managed policies loaded moto takes seconds longer to start, and nothing here uses them.
  delete env.MOTO_IAM_LOAD_MANAGED_POLICIES;
  const child = spawn(python, [LAUNCHER, "-H", HOST, "-p", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
  const output = captureOutput(child);
  const stop = stopper(child);
  try {
    await waitForPort("moto", port, opts.timeoutMs ?? 30_000, child, output);
  } catch (err) {
    await stop();
    const reason = unavailableReason(err, python);
    if (reason) return { aws: null, reason };
    throw err;
  }
  const endpoint = `http://${HOST}:${port}`;
  try {
    const aws = { endpoint, region: REGION, ...(await bootstrap(endpoint)) } as const;
    return { aws, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw new Error(`moto started on ${endpoint}, but its bootstrap failed: ${(err as Error).message}`, { cause: err });
  }
}

function unavailableReason(err: unknown, python: string): string | null {
  if (!(err instanceof ChildStartError)) return null;
  if (err.detail.spawnErrorCode === "ENOENT")
    return `${python} was not found, and the sandbox runs moto with it; install Python 3, then ${MOTO_INSTALL}`;
  if (err.detail.exitCode !== UNAVAILABLE) return null;
  const line = err.detail.output.split("\n").findLast((l) => l.startsWith("moto-server.py: "));
  return line?.slice("moto-server.py: ".length) ?? `moto cannot be used (${MOTO_INSTALL})`;
}

const policy = (actions: string[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] });

async function bootstrap(endpoint: string): Promise<Omit<AwsSandbox, "endpoint" | "region">> {
  // One attempt per request: a retried free action would use up another of the three. The credentials are copied
  // because the SDK tags the object it is given ($source), which would then show up in sandbox.json.
  const config = (key: AwsKey) => ({ endpoint, region: REGION, credentials: { ...key }, maxAttempts: 1 });
  const clients: { destroy(): void }[] = [];
  const track = <C extends { destroy(): void }>(c: C) => (clients.push(c), c);
  const userWithKey = async (iam: IAMClient, name: string, actions: string[]): Promise<AwsKey> => {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: name, PolicyDocument: policy(actions) }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  };
  try {
    // The three free actions (the key is not checked, so any will do); from here on moto checks every request.
    const free = track(new IAMClient(config({ accessKeyId: "AKIASANDBOXBOOTSTRAP", secretAccessKey: "unchecked" })));
    const admin = await userWithKey(free, "admin", ["*"]);

    const iam = track(new IAMClient(config(admin)));
    const { Account } = await track(new STSClient(config(admin))).send(new GetCallerIdentityCommand({}));
    const accountId = Account!;
    const noCloudFormation = await userWithKey(iam, "lifeboat-no-cfn", ["s3:ListAllMyBuckets"]);
    const source = await userWithKey(iam, "lifeboat-source", ["sts:AssumeRole"]);
    const trust = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:user/lifeboat-source` },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": SANDBOX_EXTERNAL_ID } },
        },
      ],
    };
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: "lifeboat-provisioner", AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "lifeboat-provisioner",
        PolicyName: "lifeboat-provisioner",
        PolicyDocument: policy(["cloudformation:*", "s3:*", "iam:*", "kms:*"]),
      }),
    );

    const foreignBucket = { name: "not-yours", key: "private/report.txt" };
    const s3 = track(
      new S3Client({
        ...config(admin),
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: foreignBucket.name }));
    await s3.send(
      new PutObjectCommand({ Bucket: foreignBucket.name, Key: foreignBucket.key, Body: "not Lifeboat's to read\n" }),
    );
    return {
      accountId,
      admin,
      noCloudFormation,
      source,
      role: { arn: Role!.Arn!, externalId: SANDBOX_EXTERNAL_ID },
      foreignBucket,
    };
  } finally {
    for (const c of clients) c.destroy(); // keep-alive sockets would otherwise hold moto's connections open
  }
}
