import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

// A stand-in for Entra ID's v2 token endpoint and the few Azure Resource Manager calls made with a service principal
// (read a resource group, list a storage account's keys), on 127.0.0.1: the sandbox runs one next to azurite (for the
// console and the Velero stand-in; see emulators.ts), and integration tests start their own. It answers the way Azure
// does, with its error shapes and AADSTS codes; it never checks more than a test needs. Tokens are unsigned JWTs whose
// claims satisfy Azurite's `--oauth basic` (issuer, audience, times), so the same token also opens Azurite over https.
// Token and ARM hosts are one origin here; Azure has two (login.microsoftonline.com, management.azure.com).

export interface EntraPrincipal {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface EntraOptions {
  principals: EntraPrincipal[];
  /** Resource groups, by "<subscription>/<group>": readable (200), or "forbidden" (403). */
  resourceGroups: Record<string, "ok" | "forbidden">;
  /** Storage accounts' keys, by "<subscription>/<group>/<account>"; "forbidden" answers ListKeys with 403. */
  accountKeys: Record<string, string | "forbidden">;
  /** https instead of http (Azurite's oauth needs https for the blob calls; the token endpoint does not). */
  tls?: { cert: string; key: string };
  /** 0 (default) = a free port. */
  port?: number;
}

export interface EntraStandIn {
  url: string;
  /** The token requests, in order (the last RECORDED): tenant, client id, scope (never the secret). */
  tokenRequests: { tenantId: string; clientId: string; scope: string }[];
  /** The ARM requests (the last RECORDED): method, path, and whether it carried a token this server issued. */
  armRequests: { method: string; path: string; authorized: boolean }[];
  /** The request bodies received (the last RECORDED), to check what crossed the wire. */
  bodies: string[];
  close(): Promise<void>;
}

/** How many requests of each kind are kept (a sandbox runs for hours; its Velero stand-ins sign in every few seconds). */
const RECORDED = 1000;
const record = <T>(list: T[], item: T) => {
  list.push(item);
  if (list.length > RECORDED) list.splice(0, list.length - RECORDED);
};

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** An unsigned JWT with the claims Azure's data plane (and Azurite) read. */
function jwt(tenantId: string, clientId: string, scope: string): string {
  const now = Math.floor(Date.now() / 1000);
  const aud = scope.replace(/\/\.default$/, "");
  return [
    b64url({ alg: "RS256", typ: "JWT", kid: "fake" }),
    b64url({
      aud,
      iss: `https://sts.windows.net/${tenantId}/`,
      iat: now - 60,
      nbf: now - 60,
      exp: now + 3600,
      appid: clientId,
      oid: crypto.randomUUID(),
      tid: tenantId,
      jti: crypto.randomUUID(),
    }),
    Buffer.from("not-signed").toString("base64url"),
  ].join(".");
}

export async function startEntra(opts: EntraOptions): Promise<EntraStandIn> {
  /** Tokens this server issued, with when they expire (expired ones are dropped as new ones are issued). */
  const issued = new Map<string, number>();
  const state: Omit<EntraStandIn, "url" | "close"> = { tokenRequests: [], armRequests: [], bodies: [] };
  const send = (res: http.ServerResponse, status: number, body: object) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const aadsts = (res: http.ServerResponse, status: number, error: string, code: number, text: string) =>
    send(res, status, {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${crypto.randomUUID()} Correlation ID: x Timestamp: now`,
      error_codes: [code],
    });
  const armError = (res: http.ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { code, message } });

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      record(state.bodies, body);
      const url = new URL(req.url ?? "/", "http://x");
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (token && req.method === "POST") {
        const form = new URLSearchParams(body);
        const tenantId = decodeURIComponent(token[1]);
        const clientId = form.get("client_id") ?? "";
        const scope = form.get("scope") ?? "";
        record(state.tokenRequests, { tenantId, clientId, scope });
        if (form.get("grant_type") !== "client_credentials")
          return aadsts(res, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
        if (!opts.principals.some((p) => p.tenantId === tenantId))
          return aadsts(res, 400, "invalid_request", 90002, `Tenant '${tenantId}' not found.`);
        const p = opts.principals.find((x) => x.tenantId === tenantId && x.clientId === clientId);
        if (!p)
          return aadsts(
            res,
            400,
            "unauthorized_client",
            700016,
            `Application with identifier '${clientId}' was not found.`,
          );
        if (form.get("client_secret") !== p.clientSecret)
          return aadsts(res, 401, "invalid_client", 7000215, "Invalid client secret provided.");
        const access = jwt(tenantId, clientId, scope);
        const now = Date.now();
        for (const [t, expires] of issued) if (expires < now) issued.delete(t);
        issued.set(access, now + 3600_000);
        return send(res, 200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: access });
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const authorized = Boolean(bearer && (issued.get(bearer) ?? 0) > Date.now());
      record(state.armRequests, { method: req.method ?? "", path: url.pathname, authorized });
      if (!authorized) return armError(res, 401, "InvalidAuthenticationToken", "The access token is invalid.");
      const rg = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/.exec(url.pathname);
      if (rg && req.method === "GET") {
        const found = opts.resourceGroups[`${rg[1]}/${rg[2]}`];
        if (found === "ok") return send(res, 200, { id: url.pathname, name: rg[2], location: "westeurope" });
        if (found === "forbidden")
          return armError(res, 403, "AuthorizationFailed", "The client does not have authorization to perform action.");
        return armError(res, 404, "ResourceGroupNotFound", `Resource group '${rg[2]}' could not be found.`);
      }
      const keys =
        /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)\/listKeys$/.exec(
          url.pathname,
        );
      if (keys && req.method === "POST") {
        const found = opts.accountKeys[`${keys[1]}/${keys[2]}/${keys[3]}`];
        if (found === "forbidden")
          return armError(res, 403, "AuthorizationFailed", "The client does not have authorization to perform action.");
        if (!found)
          return armError(
            res,
            404,
            "ResourceNotFound",
            `The Resource 'Microsoft.Storage/storageAccounts/${keys[3]}' was not found.`,
          );
        return send(res, 200, {
          keys: [
            { keyName: "key1", value: found, permissions: "FULL" },
            { keyName: "key2", value: "c2Vjb25k", permissions: "READ" },
          ],
        });
      }
      armError(res, 404, "NotFound", "No such route in the fake.");
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`entra: port 127.0.0.1:${opts.port ?? 0} is not available (${err.code ?? err.message})`)),
    );
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
