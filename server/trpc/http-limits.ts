// Limits a tRPC request meets before anything else runs (authentication included): a batch of at most MAX_BATCH
// calls, a body of at most MAX_BODY_BYTES, counted as it streams in (a Content-Length can lie or be absent).
export const MAX_BATCH = 20;
export const MAX_BODY_BYTES = 1024 * 1024;

export type LimitVerdict = { ok: true; req: Request } | { ok: false; status: 400 | 413; message: string };

/** The number of calls a tRPC URL carries (`/api/trpc/a,b,c?batch=1`). */
export function callsIn(url: string, endpoint = "/api/trpc"): number {
  const u = new URL(url);
  if (u.searchParams.get("batch") !== "1") return 1;
  return u.pathname.slice(endpoint.length + 1).split(",").length;
}

async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Checks the batch size and reads the body under the cap; the request handed on carries the bytes read. */
export async function withinLimits(req: Request): Promise<LimitVerdict> {
  const calls = callsIn(req.url);
  if (calls > MAX_BATCH)
    return { ok: false, status: 400, message: `A batch may hold at most ${MAX_BATCH} calls; this one has ${calls}` };
  if (!req.body) return { ok: true, req };
  const tooLarge = `Request body over ${MAX_BODY_BYTES / 1024} KiB: refused`;
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > MAX_BODY_BYTES) return { ok: false, status: 413, message: tooLarge };
  const bytes = await readCapped(req.body, MAX_BODY_BYTES);
  if (!bytes) return { ok: false, status: 413, message: tooLarge };
  const headers = new Headers(req.headers);
  headers.delete("content-length");
  return { ok: true, req: new Request(req.url, { method: req.method, headers, body: bytes, signal: req.signal }) };
}
