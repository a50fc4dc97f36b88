import { beforeAll, describe, expect, it } from "vitest";
import { depsFor, type Deps } from "../../composition";
import type { Fence, LeaseScope } from "../../controllers/ownership";
import type { Db } from "../../db/client";
import { aGroup, aUser, callerFor, signedIn } from "../../testing/builders";
import { freshDatabase } from "../../testing/db";
import { kubeconfigText } from "../../testing/sandbox";
import { DEFAULT_VELERO_SETTINGS } from "@/lib/schemas/velero";
import { advanceOperation } from "./operations";

// The velero-installer reconciler advances an operation for its cluster's owner (#15 §1): a process whose lease on the
// cluster is gone (another holds it with a newer token, or it has none) takes no step, writes nothing and stops
// acting for the cluster; the holder with its token takes the step. (The step here: an install whose Lifeboat
// namespace the cluster lacks fails at once, without touching the cluster.)
let db: Db;
let d: Deps;
let clusterId: string;
const HOLDER = "the-owner";
const TOKEN = 4n;

beforeAll(async () => {
  ({ db } = await freshDatabase());
  d = depsFor(db);
  const admin = await aUser(db, { role: "ORG_ADMIN" });
  const c = await callerFor(db, await signedIn(db, admin)).cluster.attach({
    kubeconfig: kubeconfigText(0),
    name: "leased",
    groupId: (await aGroup(db)).id,
    description: "",
    labels: {},
  });
  clusterId = c.id;
  await db.clusterLease.create({
    data: { clusterId, holder: HOLDER, token: TOKEN, expiresAt: new Date(Date.now() + 10 * 60_000) },
  });
});

/** What a reconciler of a process holding `token` (null: holding nothing) acts for, and the clusters it dropped. */
function scope(token: bigint | null): LeaseScope & { dropped: string[] } {
  const dropped: string[] = [];
  return {
    dropped,
    fence: (id): Fence | null => (token === null ? null : { clusterId: id, holder: HOLDER, token }),
    drop: (id) => void dropped.push(id),
  };
}

describe("a Velero operation advanced under its cluster's lease", () => {
  it("is not stepped by a process that lost the lease, nor written by one that lost it mid-step; its holder steps it", async () => {
    const { id } = await db.veleroOperation.create({
      data: {
        clusterId,
        kind: "INSTALL",
        settings: DEFAULT_VELERO_SETTINGS as object,
        options: { lifeboatNamespace: "lifeboat-not-here", autoApprove: false },
      },
    });
    const before = await db.veleroOperation.findUniqueOrThrow({ where: { id } });
    for (const stale of [scope(TOKEN - 1n), scope(null)]) {
      await advanceOperation(d, id, stale);
      expect(stale.dropped).toEqual([clusterId]);
      expect(await db.veleroOperation.findUniqueOrThrow({ where: { id } })).toEqual(before);
    }
    // Lost during the step (held when the step began, another's by the time it writes): the write is refused, the row
    // stays where it was, and the cluster is dropped.
    const midStep = scope(TOKEN);
    const fence = midStep.fence;
    let asked = 0;
    midStep.fence = (id) => (asked++ === 0 ? fence(id) : { clusterId: id, holder: HOLDER, token: TOKEN - 1n });
    await advanceOperation(d, id, midStep);
    expect(asked).toBeGreaterThan(1);
    expect(midStep.dropped).toEqual([clusterId]);
    expect(await db.veleroOperation.findUniqueOrThrow({ where: { id } })).toEqual(before);

    const owner = scope(TOKEN);
    await advanceOperation(d, id, owner);
    expect(owner.dropped).toEqual([]);
    const after = await db.veleroOperation.findUniqueOrThrow({ where: { id } });
    expect(after).toMatchObject({ phase: "FAILED", stepSeq: before.stepSeq + 1 });
    expect(after.message).toContain("Lifeboat's namespace lifeboat-not-here does not exist on the cluster");
  });
});
