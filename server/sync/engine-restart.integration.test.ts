import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "@/sandbox/start";
import { serveCluster } from "@/sandbox/kube-api/server";
import { ensurePki } from "@/sandbox/pki";
import { crdsSkipReason, haveCrds } from "@/sandbox/testing/paths";
import { clientOf, veleroObjects } from "../kube/testing-objects";
import { freshDatabase } from "../testing/db";
import { until as eventually } from "../testing/wait";
import { SyncEngine } from "./engine";

// A cluster that really goes away and comes back: its API server stops answering (every connection dropped, the port
// closed), then listens again on the same address with the same state, as after an API server restart or a network
// outage. Meanwhile the read model keeps the last-known state and SyncState says what failed; afterwards the engine
// reconnects by itself, resumes from where it was, and clears the error.
process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-sync-restart-"));
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

let sb: RunningSandbox | null = null;
let engine: SyncEngine | null = null;
let reopened: { close: () => Promise<void> } | null = null;
afterAll(async () => {
  await engine?.stop();
  await reopened?.close();
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveCrds)(
  `SyncEngine with a cluster that goes away and comes back${haveCrds ? "" : ` (${crdsSkipReason})`}`,
  () => {
    it(
      "keeps the last-known rows while the cluster is gone, records why, and follows the cluster again when it is back",
      { timeout: 90_000 },
      async () => {
        const port = await freePort();
        sb = await startSandbox({
          dir,
          azurePort: null,
          s3Port: 0,
          clusters: [{ name: "flaky", port, velero: { version: "v1.18.1", nodeAgent: false, csi: false } }],
        });
        const kubeconfig = sb.clusters[0].kubeconfig;
        const { db } = await freshDatabase();
        const group = await db.clusterGroup.create({ data: { name: "restart" } });
        const clusterId = (await db.cluster.create({ data: { name: "flaky", groupId: group.id } })).id;
        engine = new SyncEngine({ db, clientFor: () => clientOf(kubeconfig), backoff: { baseMs: 100, maxMs: 500 } });
        engine.startCluster(clusterId);
        const row = (name: string) => db.veleroObject.findFirst({ where: { clusterId, kind: "backups", name } });
        const backupsState = async () => (await engine!.state(clusterId)).find((s) => s.kind === "backups");

        await veleroObjects(kubeconfig).create("backups", {
          kind: "Backup",
          metadata: { name: "before" },
          spec: { includedNamespaces: ["default"] },
        });
        await eventually("the first backup in the read model", () => row("before"));
        // The first list writes its rows before it records itself in the sync state.
        const listsBefore = await eventually("the first list recorded", async () => (await backupsState())?.lastListAt);

        // Gone: every connection dropped and nothing listening. The rows stay; the sync state says why.
        await sb.clusters[0].close();
        const failing = await eventually("the failure recorded", async () =>
          (await backupsState())?.lastError ? await backupsState() : null,
        );
        expect(failing!.lastError).toMatch(/cannot be reached|Nothing answers/);
        expect(await row("before")).not.toBeNull();

        // Back on the same address, with the same state (an API server restart, the end of an outage).
        reopened = await serveCluster(sb.clusters[0].cluster, { port, tls: ensurePki(path.join(dir, "pki"))! });
        await eventually(
          "the error cleared once the watch is accepted again",
          async () => (await backupsState())?.lastError === null,
        );
        await veleroObjects(kubeconfig).create("backups", {
          kind: "Backup",
          metadata: { name: "after" },
          spec: { includedNamespaces: ["default"] },
        });
        await eventually("the backup made after the return in the read model", () => row("after"));
        expect(await row("before")).not.toBeNull();
        // It resumed from where it was: no relist was needed.
        expect((await backupsState())!.lastListAt).toEqual(listsBefore);
      },
    );
  },
);
