import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../testing/db";
import { aGroup, aUser, bind, callerFor, signedIn } from "../../testing/builders";
import { kubeconfigText, testSandbox } from "../../testing/sandbox";
import type { Db } from "../../db/client";

// Credentials and target locations end to end against the sandbox (its S3 emulator and clusters in another process).
let db: Db;
let admin: Awaited<ReturnType<typeof aUser>>;
let caller: ReturnType<typeof callerFor>;
const prefix = `it-${Date.now()}`;
beforeAll(async () => {
  ({ db } = await freshDatabase());
  admin = await aUser(db, { role: "ORG_ADMIN" });
  caller = callerFor(db, await signedIn(db, admin));
});

const until = async <T>(fn: () => Promise<T | null | undefined | false>, ms = 20_000) => {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() - t0 > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe("credentials and target locations", () => {
  it("seals a credential and shows only its masked key id", async () => {
    const c = await caller.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: "aws-example",
      description: "",
      accessKeyId: "AKIAEXAMPLEKEY12345",
      secretAccessKey: "wJalrXUtnFEMI-super-secret",
    });
    expect(c.keyIdMasked).not.toContain("EXAMPLEKEY");
    await caller.credential.create({
      kind: "AWS_ACCESS_KEY",
      name: "s3rver",
      description: "the sandbox's S3 emulator",
      accessKeyId: testSandbox().s3.accessKeyId,
      secretAccessKey: testSandbox().s3.secretAccessKey,
    });
    const listed = JSON.stringify(await caller.credential.list());
    expect(listed).not.toContain("wJalrXUtnFEMI-super-secret");
    expect(listed).not.toContain("AKIAEXAMPLEKEY12345");
  });

  it("creates a location only after reaching the bucket, and explains why not", async () => {
    const cred = (await caller.credential.list()).find((c) => c.name === "s3rver")!;
    const base = {
      provider: "S3_COMPATIBLE" as const,
      region: "us-east-1",
      endpoint: testSandbox().s3.endpoint,
      pathStyle: true,
      credentialId: cred.id,
    };
    await expect(
      caller.location.create({ ...base, name: "nowhere", bucket: "no-such-bucket", prefix }),
    ).rejects.toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining("NoSuchBucket") });
    const l = await caller.location.create({ ...base, name: "primary", bucket: "lifeboat-backups", prefix });
    expect(l.name).toBe("primary");
    await expect(caller.credential.delete({ id: cred.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("primary"),
    });
  });

  it("assigning to a group puts a BackupStorageLocation on each of its clusters, and Velero validates it Available", async () => {
    const g = await aGroup(db, "fleet");
    for (const [i, name] of [
      [0, "one"],
      [1, "two"],
    ] as const)
      await caller.cluster.attach({ kubeconfig: kubeconfigText(i), name, groupId: g.id, description: "", labels: {} });
    const location = (await caller.location.list()).find((l) => l.name === "primary")!;
    await caller.location.assign({
      locationId: location.id,
      target: { kind: "clusterGroup", id: g.id },
      readOnly: false,
    });
    const available = await until(async () => {
      await caller.location.refresh({ id: location.id });
      const l = (await caller.location.list()).find((x) => x.id === location.id)!;
      return l.deployments.length === 2 && l.deployments.every((d) => d.phase === "Available") ? l : null;
    });
    expect(available.deployments.map((d) => d.bslName)).toEqual(["lifeboat-primary", "lifeboat-primary"]);
    await expect(caller.location.delete({ id: location.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("group fleet"),
    });

    // A viewer of the group sees the location and its status there, and may not assign it.
    const viewer = await aUser(db);
    await bind(db, "VIEWER", { userId: viewer.id }, { clusterGroupId: g.id });
    const vc = callerFor(db, await signedIn(db, viewer));
    expect((await vc.location.list()).map((l) => l.name)).toEqual(["primary"]);
    await expect(
      vc.location.assign({ locationId: location.id, target: { kind: "clusterGroup", id: g.id }, readOnly: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    // Unassigning removes it from the clusters.
    await caller.location.unassign({ id: available.assignments[0].id });
    expect((await caller.location.list()).find((x) => x.id === location.id)!.deployments).toEqual([]);
  });
});
