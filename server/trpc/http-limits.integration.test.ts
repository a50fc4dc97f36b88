import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/trpc/[trpc]/route";
import type { Db } from "../db/client";
import type { EventBus } from "../events/bus";
import { freshDatabaseWithBus } from "../testing/db";
import { callerFor } from "../testing/builders";
import { flushAnonymousRefusals } from "./anonymous-refusals";
import { MAX_BATCH, MAX_BODY_BYTES } from "./http-limits";

// Floods (#9 §4): the route handler caps batches and bodies before authentication, and anonymous refusals are counted
// into one audit row a minute rather than written one row per call.
let db: Db;
let bus: EventBus;
beforeAll(async () => {
  ({ db, bus } = await freshDatabaseWithBus());
  // The route handler uses the process-wide client and bus: point them at this file's database.
  Object.assign(globalThis, { lifeboatDb: db, lifeboatBus: bus });
});
afterAll(() => {
  delete (globalThis as { lifeboatBus?: EventBus }).lifeboatBus;
});

const base = "http://127.0.0.1:3000/api/trpc";
const batchUrl = (n: number) => `${base}/${Array.from({ length: n }, () => "cluster.list").join(",")}?batch=1`;

describe("anonymous refusals", () => {
  it("a batch of 100 anonymous calls makes at most one audit row, and the tally is written as one more", async () => {
    const before = await db.auditEvent.count();
    const caller = callerFor(db, null); // one context for every call, as in a batched request
    const codes = await Promise.all(
      Array.from({ length: 100 }, () =>
        caller.cluster.list().then(
          () => "OK",
          (e: { code?: string }) => e.code,
        ),
      ),
    );
    expect(new Set(codes)).toEqual(new Set(["UNAUTHORIZED"]));
    // Five more batches of 20 over HTTP fall into the same minute.
    for (let i = 0; i < 5; i++) expect((await GET(new Request(batchUrl(MAX_BATCH)))).status).toBe(401);
    expect(await db.auditEvent.count()).toBe(before + 1);

    await flushAnonymousRefusals();
    const tally = await db.auditEvent.findFirst({ where: { action: "anonymous.refused" } });
    expect(tally?.reason).toMatch(/^anonymous refusals: 199 in the last minute \(cluster\.list\)/);
    expect(await db.auditEvent.count()).toBe(before + 2);
  });
});

describe("request limits before authentication", () => {
  it(`refuses a batch of more than ${MAX_BATCH} calls with 400 and says why`, async () => {
    const res = await GET(new Request(batchUrl(MAX_BATCH + 1)));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe(`A batch may hold at most ${MAX_BATCH} calls; this one has 21`);
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    POST(
      new Request(`${base}/me.changePassword`, {
        method: "POST",
        headers: {
          origin: "http://127.0.0.1:3000",
          host: "127.0.0.1:3000",
          "content-type": "application/json",
          ...headers,
        },
        body,
        duplex: "half",
      } as RequestInit),
    );

  it("refuses a body whose Content-Length is over 1 MiB without reading it", async () => {
    const res = await post("{}", { "content-length": String(MAX_BODY_BYTES + 1) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toBe("Request body over 1024 KiB: refused");
  });

  it("counts a streamed body without a Content-Length and stops past 1 MiB", async () => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(32);
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    const res = await post(endless);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(MAX_BODY_BYTES + 4 * chunk.byteLength);
  });

  it("still answers a small request (the body read under the cap is handed on)", async () => {
    const res = await post(JSON.stringify({ current: "x", next: "y" }));
    expect(res.status).toBe(401);
  });
});
