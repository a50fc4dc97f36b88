import { testSandbox } from "./sandbox";
import type { callerFor } from "./builders";

type Caller = ReturnType<typeof callerFor>;

/**
 * For integration tests: an S3 credential for the sandbox's S3 emulator, and a function that creates S3 target
 * locations with it in the bucket lifeboat-backups (each under a prefix of its own).
 */
export async function sandboxS3(caller: Caller, credentialName: string) {
  const s3 = testSandbox().s3;
  const cred = await caller.credential.create({
    kind: "AWS_ACCESS_KEY",
    name: credentialName,
    description: "",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  });
  return {
    credentialId: cred.id,
    location: (name: string, prefix: string) =>
      caller.location.create({
        name,
        provider: "S3_COMPATIBLE",
        region: "us-east-1",
        endpoint: s3.endpoint,
        pathStyle: true,
        credentialId: cred.id,
        bucket: "lifeboat-backups",
        prefix,
      }),
  };
}
