import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../testing/db";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy";
import { until } from "../testing/wait";
import { EventBus, publish, type Change } from "./bus";
import type { Db } from "../db/client";

// The change bus's LISTEN connection, against a real PostgreSQL behind a TCP proxy: a connection that dies without a
// word (nothing closed, nothing answered) is found by the heartbeat and replaced, and subscribers are told to resync.
let db: Db;
let proxy: TcpProxy;
let bus: EventBus;
let viaProxy = "";
const heard: Change[] = [];

beforeAll(async () => {
  const fresh = await freshDatabase();
  db = fresh.db;
  proxy = await startTcpProxy(fresh.url);
  const u = new URL(fresh.url);
  u.host = new URL(proxy.url).host;
  viaProxy = u.toString();
  bus = new EventBus(viaProxy, { heartbeatMs: 200, answerMs: 3_000 });
  bus.subscribe((c) => heard.push(c));
  await bus.ready();
});

afterAll(async () => {
  await bus?.stop();
  await proxy?.close();
});

const hears = (topic: string, clusterId: string) =>
  until(`the bus to hear ${topic} for ${clusterId}`, async () =>
    heard.some((c) => c.topic === topic && c.clusterId === clusterId),
  );

describe("the change bus", () => {
  it("replaces a LISTEN connection that stopped answering, says resync, and hears changes again", async () => {
    const first = bus.listening;
    expect(first).not.toBeNull();
    await publish(db, { topic: "clusters", clusterId: "before" });
    await hears("clusters", "before");

    proxy.freeze();
    await until("the bus to listen on a new connection", async () => (bus.listening ?? 0) > first!);
    await until("subscribers to be told to resync", async () => heard.some((c) => c.topic === "resync"));
    await publish(db, { topic: "clusters", clusterId: "after" });
    await hears("clusters", "after");
  });

  it("stops even when its connection died without a word (a clean shutdown does not hang on it)", async () => {
    const other = new EventBus(viaProxy, { heartbeatMs: 600_000 });
    await other.ready();
    expect(other.listening).toBe(1);
    proxy.freeze();
    await other.stop();
    expect(other.listening).toBeNull();
  });
});
