import { fetch, type Dispatcher } from "undici";
import { checkOutboundUrl } from "../security/outbound-url";
import { outboundAgent } from "../security/outbound";
import { ClusterError, HttpStatusError, ResourceExpiredError, toClusterError } from "./errors";
import { KubeconfigError, sessionCredentials, type SessionCredentials } from "./kubeconfig";

// One session per cluster: the single-context kubeconfig checked again (only embedded credentials: never a credential
// plugin or a file), the server address checked against the outbound policy, the credentials applied once, one connection
// pool for every request, a deadline on each, bounded response sizes, and every failure mapped to a ClusterError whose
// message never carries the token (or any other secret the caller names).
export const DEFAULT_REQUEST_TIMEOUT_MS = 8_000;
/** The largest response body the console reads from a cluster (a page of 500 objects is far below this). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** The longest line of a watch stream (one event). */
export const MAX_WATCH_LINE_BYTES = 8 * 1024 * 1024;

/**
 * A cluster sent more than Lifeboat holds (an answer, a watch event, a list page, an object): not a passing failure,
 * so the sync engine keeps showing it until the cluster stops sending it (see lib/limits.ts).
 */
export class CapExceededError extends ClusterError {
  constructor(message: string) {
    super(message, "Other");
    this.name = "CapExceededError";
  }
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  /** The answer as text (pod logs), not JSON. */
  text?: boolean;
  maxBytes?: number;
}

export interface StreamHandle {
  /** Settles when the stream ends: with no error when the server closed it or it was aborted. */
  done: Promise<{ error?: unknown }>;
  abort(): void;
}

export class ClusterSession {
  private constructor(
    readonly server: string,
    private readonly headers: Record<string, string>,
    private readonly dispatcher: Dispatcher | undefined,
    private readonly secrets: string[],
    readonly tokenUser: boolean,
    readonly timeoutMs: number,
  ) {}

  static async open(
    kubeconfig: string,
    opts: { timeoutMs?: number; secrets?: string[] } = {},
  ): Promise<ClusterSession> {
    let checked: SessionCredentials;
    try {
      checked = sessionCredentials(kubeconfig);
    } catch (e) {
      if (e instanceof KubeconfigError) throw new ClusterError(`The kubeconfig cannot be used: ${e.message}`, "Other");
      throw e;
    }
    const server = checked.server.replace(/\/+$/, "");
    const verdict = await checkOutboundUrl(server, { schemes: ["https"] });
    if (!verdict.ok) throw new ClusterError(`Lifeboat will not connect to ${server}: ${verdict.reason}`, "Other");
    const token = checked.token;
    let dispatcher: Dispatcher;
    try {
      // The TLS context is built here, once (a CA, certificate or key OpenSSL cannot read fails now, not per request);
      // the connections go through the outbound path's own pool (checked where it connects).
      dispatcher = outboundAgent(checked.tls);
    } catch (e) {
      throw new ClusterError(`The kubeconfig's certificates or key cannot be used: ${(e as Error).message}`, "Other");
    }
    const hidden = [token, ...(opts.secrets ?? [])].filter((s): s is string => Boolean(s));
    return new ClusterSession(
      server,
      token ? { Authorization: `Bearer ${token}` } : {},
      dispatcher,
      hidden.sort((a, b) => b.length - a.length),
      Boolean(token),
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
  }

  /** A session sharing this one's connection that also hides `secrets` (e.g. keys being written) from its errors. */
  hiding(secrets: string[]): ClusterSession {
    if (!secrets.length) return this;
    const all = [...this.secrets, ...secrets.filter(Boolean)].sort((a, b) => b.length - a.length);
    return new ClusterSession(this.server, this.headers, this.dispatcher, all, this.tokenUser, this.timeoutMs);
  }

  redact(s: string): string {
    return this.secrets.reduce((acc, t) => acc.split(t).join("[redacted]"), s);
  }

  /** Maps any failure to a ClusterError about `what`, with secrets redacted. */
  fail(e: unknown, what: string, timeoutMs = this.timeoutMs): ClusterError {
    const err = toClusterError(e, { server: this.server, what, timeoutMs, tokenUser: this.tokenUser });
    const message = this.redact(err.message);
    if (err instanceof CapExceededError) return new CapExceededError(message);
    return err instanceof ResourceExpiredError
      ? new ResourceExpiredError(message)
      : new ClusterError(message, err.kind, err.status);
  }

  private url(path: string, query: RequestOptions["query"]): string {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** One request; JSON in and out (or text); a non-2xx answer or a failure is a ClusterError about `what`. */
  async request<T>(what: string, o: RequestOptions): Promise<T> {
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    try {
      const hasBody = o.body !== undefined;
      const res = await fetch(this.url(o.path, o.query), {
        method: o.method ?? "GET",
        headers: {
          ...this.headers,
          Accept: o.text ? "text/plain, */*" : "application/json",
          ...(hasBody ? { "Content-Type": o.contentType ?? "application/json" } : {}),
        },
        body: hasBody ? (typeof o.body === "string" ? o.body : JSON.stringify(o.body)) : undefined,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      const text = await readBounded(res.body, o.maxBytes ?? MAX_RESPONSE_BYTES, what);
      if (res.status < 200 || res.status > 299) throw new HttpStatusError(res.status, text);
      if (o.text) return text as T;
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (e) {
      throw this.fail(e, what, timeoutMs);
    }
  }

  /**
   * A streaming GET (a watch): each line is handed to `onLine` in order. The stream is aborted when no byte arrives for
   * `inactivityMs`, or a line is longer than `maxLineBytes` (MAX_WATCH_LINE_BYTES), which settles `done` with a
   * CapExceededError. A non-2xx answer settles `done` with an HttpStatusError (mapped by the caller).
   */
  stream(o: {
    path: string;
    query?: RequestOptions["query"];
    inactivityMs: number;
    maxLineBytes?: number;
    onLine: (line: string) => void;
    /** Called once the server accepted the stream (2xx headers). */
    onOpen?: () => void;
  }) {
    const controller = new AbortController();
    let aborted = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new InactivityError(o.inactivityMs)), o.inactivityMs);
      timer.unref?.();
    };
    const done = (async (): Promise<{ error?: unknown }> => {
      arm();
      try {
        const res = await fetch(this.url(o.path, o.query), {
          headers: { ...this.headers, Accept: "application/json" },
          dispatcher: this.dispatcher,
          signal: controller.signal,
          redirect: "manual",
        });
        if (res.status < 200 || res.status > 299) {
          const text = await readBounded(res.body, 64 * 1024, "read the error").catch(() => "");
          return { error: new HttpStatusError(res.status, text) };
        }
        o.onOpen?.();
        if (!res.body) return {};
        const decoder = new TextDecoder();
        const maxLine = o.maxLineBytes ?? MAX_WATCH_LINE_BYTES;
        let buf = "";
        let pending = 0; // bytes received since the last newline (the line being read), counted before decoding
        for await (const chunk of res.body) {
          arm();
          const bytes = chunk as Uint8Array;
          const lastNl = bytes.lastIndexOf(0x0a);
          pending = lastNl >= 0 ? bytes.byteLength - lastNl - 1 : pending + bytes.byteLength;
          buf += decoder.decode(bytes, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (Buffer.byteLength(line) > maxLine) throw lineTooLong(this.server, maxLine);
            if (line.trim()) o.onLine(line);
          }
          if (pending > maxLine) throw lineTooLong(this.server, maxLine);
        }
        if (buf.trim()) o.onLine(buf);
        return {};
      } catch (e) {
        if (aborted) return {};
        const reason = controller.signal.reason;
        return { error: reason instanceof InactivityError ? reason : e };
      } finally {
        clearTimeout(timer);
      }
    })();
    return {
      done,
      abort() {
        aborted = true;
        controller.abort();
      },
    } satisfies StreamHandle;
  }

  /** Ends the session's connections at once (close() would wait for requests still hanging, e.g. a silent server). */
  async close(): Promise<void> {
    await this.dispatcher?.destroy().catch(() => undefined);
  }
}

const lineTooLong = (server: string, max: number) =>
  new CapExceededError(
    `The cluster at ${server} sent a watch event larger than ${max >= 1024 * 1024 ? mib(max) : `${max} bytes`}, ` +
      "more than Lifeboat reads of one event; it stopped the watch",
  );

class InactivityError extends Error {
  constructor(ms: number) {
    super(`no event or bookmark for ${ms / 1000} s`);
    this.name = "TimeoutError";
  }
}

/** Reads a response body as text, refusing one larger than `max` bytes. */
async function readBounded(body: AsyncIterable<Uint8Array> | null, max: number, what: string): Promise<string> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max)
      throw new CapExceededError(
        `The answer to "${what}" is larger than ${max >= 1024 * 1024 ? mib(max) : `${max} bytes`}, ` +
          "more than Lifeboat reads of one answer; it stopped reading it",
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
