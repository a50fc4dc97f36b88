import crypto from "node:crypto";
import path from "node:path";
import { spawn } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../db/client";
import { SCHEMA_VERSION } from "../db/schema-version";
import { EventBus } from "../events/bus";
import { isDraining, resetLifecycleForTests, startDraining } from "../lifecycle";
import { appRouter } from "../routers/_app";
import { readiness } from "../services/health/readiness";
import { aUser, signedIn } from "../testing/builders";
import { freshDatabase } from "../testing/db";
import { makeContext } from "../trpc/init";
import { Lease } from "./lease";
import { ControllerManager } from "./manager";
import { drainAndStop } from "./shutdown";

// A console process that is told to stop: it drains (readiness 503, live streams told to reconnect elsewhere), its
// reconcilers stop (a check in flight is waited for) and its lease is given up at once, and only then does Next's own
// handler close the server and exit.
let db: Db;
let url: string;
beforeAll(async () => {
  ({ db, url } = await freshDatabase());
});
afterEach(() => resetLifecycleForTests());

describe("readiness", () => {
  it("is ready on a migrated database, not while draining, nor before this build's migration, nor without PostgreSQL", async () => {
    expect(await readiness(db)).toEqual({ ready: true, status: "ok", database: "ok", schema: SCHEMA_VERSION });

    startDraining();
    expect(await readiness(db)).toMatchObject({ ready: false, status: "draining", database: "ok" });
    resetLifecycleForTests();

    // A database the newest migration has not reached yet (the migration Job still running).
    const other = await freshDatabase();
    await other.db.$executeRaw`DELETE FROM "_prisma_migrations" WHERE "migration_name" = ${SCHEMA_VERSION}`;
    expect(await readiness(other.db)).toMatchObject({ ready: false, status: "degraded", database: "not migrated" });

    const u = new URL(url);
    u.port = "1"; // nothing listens there
    const gone = createDb(u.toString());
    try {
      expect(await readiness(gone)).toMatchObject({ ready: false, status: "degraded", database: "unreachable" });
    } finally {
      await gone.$disconnect();
    }
  });
});

describe("drainAndStop", () => {
  it("stops the reconcilers, waiting for work in flight, and gives the lease up so a standby leads at once", async () => {
    const lease = `shutdown-${crypto.randomBytes(3).toString("hex")}`;
    const events: string[] = [];
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const manager = new ControllerManager(
      db,
      [
        {
          name: "slow",
          start: () => async () => {
            events.push(`stop asked, draining=${isDraining()}`);
            await inFlight;
            events.push("stopped");
          },
        },
      ],
      { leaseName: lease, leaseMs: 60_000, renewMs: 60_000 },
    );
    await manager.start();
    expect(manager.isLeader()).toBe(true);
    const stopping = drainAndStop(manager, "SIGTERM");
    expect(isDraining()).toBe(true);
    // Still held while the reconciler finishes what it was doing.
    expect((await new Lease(db, lease, "standby", 60_000).acquire()).held).toBe(false);
    release();
    await stopping;
    expect(events).toEqual(["stop asked, draining=true", "stopped"]);
    // Given up: a standby takes it without waiting for the minute-long expiry.
    expect((await new Lease(db, lease, "standby", 60_000).acquire()).held).toBe(true);
  });
});

describe("live updates while draining", () => {
  it("tells a subscribed page to reconnect (elsewhere) and ends its stream", async () => {
    const bus = new EventBus(url);
    await bus.ready();
    try {
      const user = await aUser(db);
      const ctx = makeContext(
        db,
        { requestId: crypto.randomUUID(), clientIp: "127.0.0.1", userAgent: "vitest" },
        await signedIn(db, user),
      );
      const stream = await appRouter.createCaller({ ...ctx, events: bus }).live.changes();
      const it = stream[Symbol.asyncIterator]();
      expect((await it.next()).value).toEqual({ topic: "connected" });
      const next = it.next();
      startDraining();
      expect((await next).value).toEqual({ topic: "reconnect" });
      expect((await it.next()).done).toBe(true);
    } finally {
      await bus.stop();
    }
  });
});

/** The signal-handling child (server/testing/shutdown-child.ts), its output lines and a way to wait for one. */
function shutdownChild(sameStopMs = 0) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.resolve(import.meta.dirname, "../testing/shutdown-child.ts")],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, SHUTDOWN_SAME_STOP_MS: String(sameStopMs) },
    },
  );
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let buffer = "";
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of waiters.filter((x) => l.startsWith(x.text))) w.resolve();
    }
  });
  const seen = (text: string) =>
    lines.some((l) => l.startsWith(text))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ text, resolve }));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const said = () => lines.filter((l) => /^(ready|stopping|stopped|next-handler)/.test(l));
  return { child, seen, exited, said };
}

describe("the process's signals", () => {
  it("drains and stops the controllers before Next's handler runs", async () => {
    const p = shutdownChild();
    await p.seen("ready");
    p.child.kill("SIGTERM");
    await p.seen("stopping");
    p.child.stdin.write("finish\n");
    expect(await p.exited).toBe(143);
    expect(p.said()).toEqual(["ready", "stopping draining=true", "stopped", "next-handler draining=true"]);
  });

  it("a second signal while the controllers stop goes straight on to Next's handler", async () => {
    const p = shutdownChild();
    await p.seen("ready");
    p.child.kill("SIGTERM");
    await p.seen("stopping");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(143);
    expect(p.said()).toEqual(["ready", "stopping draining=true", "next-handler draining=true"]);
  });

  it("a signal repeated at once (to the process group, then passed on by the launcher) is the same stop: it drains", async () => {
    const p = shutdownChild(60_000);
    await p.seen("ready");
    p.child.kill("SIGTERM");
    await p.seen("stopping");
    p.child.kill("SIGTERM");
    p.child.stdin.write("finish\n");
    expect(await p.exited).toBe(143);
    expect(p.said()).toEqual(["ready", "stopping draining=true", "stopped", "next-handler draining=true"]);
  });
});

describe("drainAndStop's deadline", () => {
  it("goes on stopping when the controllers do not stop in time", async () => {
    const never = new Promise<void>(() => undefined);
    await drainAndStop({ stop: () => never }, "SIGTERM", 50);
    expect(isDraining()).toBe(true);
  });
});
