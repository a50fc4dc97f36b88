import { parseDocument, stringify } from "yaml";

// Reading the kubeconfig a platform engineer pastes into Lifeboat (pure, no network). Lifeboat keeps one context of it,
// sealed, and reaches the cluster with nothing but what is embedded: no credential plugins, no files from the engineer's
// machine, no basic auth. Every refusal says what is wrong, where, and what to paste instead. Messages name clusters,
// users, contexts and servers, never a token or a key.
export class KubeconfigError extends Error {
  /** where: "line 7" for syntax errors, else the path of the offending field, e.g. "users[0].user.exec". */
  constructor(
    message: string,
    public readonly where?: string,
  ) {
    super(message);
    this.name = "KubeconfigError";
  }
}

export interface KubeContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  server: string;
}

const MAX_BYTES = 1024 * 1024;
const PLUGIN_REFUSAL =
  "Lifeboat does not run credential plugins; use a service-account token (see the onboarding manifest)";
const FLATTEN_HINT =
  "embed it instead: `kubectl config view --raw --minify --flatten` prints the kubeconfig with files inlined";

type Obj = Record<string, unknown>;
interface Named {
  name: string;
  body: Obj;
  index: number;
}
interface Parsed {
  contexts: Named[];
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  currentContext?: string;
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";

function load(text: string): Obj {
  if (typeof text !== "string" || !text.trim()) throw new KubeconfigError("The kubeconfig is empty");
  if (Buffer.byteLength(text) > MAX_BYTES)
    throw new KubeconfigError(
      "The kubeconfig is larger than 1 MiB; paste a single context (`kubectl config view --raw --minify --flatten`)",
    );
  const json = text.trimStart().startsWith("{");
  if (json) {
    // JSON first (kubectl's -o json output may be indented with tabs, which YAML refuses); the YAML parser then only
    // serves to locate a syntax error by line without echoing the text.
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObj(parsed)) return parsed;
    } catch {
      /* located below */
    }
  }
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const where = line ? `line ${line}` : undefined;
    // The parser's own message ends with an excerpt of the source, which may hold a token: keep only the first clause.
    const reason =
      err.code === "MULTIPLE_DOCS"
        ? "it holds more than one YAML document; paste a single kubeconfig"
        : err.message.split(/ at line \d+|\n/)[0];
    throw new KubeconfigError(
      `The kubeconfig is not valid ${json ? "JSON" : "YAML"}${where ? ` (${where})` : ""}: ${reason}`,
      where,
    );
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch {
    throw new KubeconfigError("The kubeconfig uses too many YAML aliases to be read");
  }
  if (!isObj(root))
    throw new KubeconfigError(
      "This is not a kubeconfig: expected a mapping with apiVersion: v1, kind: Config, clusters, users and contexts",
    );
  return root;
}

function list(root: Obj, key: "clusters" | "users" | "contexts", inner: "cluster" | "user" | "context"): Named[] {
  const raw = root[key];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`"${key}" must be a list`, key);
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const at = `${key}[${index}]`;
    if (!isObj(entry) || typeof entry.name !== "string" || !entry.name)
      throw new KubeconfigError(`Entry ${index + 1} of ${key} has no name`, at);
    if (seen.has(entry.name)) throw new KubeconfigError(`The ${inner} "${entry.name}" appears twice in ${key}`, at);
    seen.add(entry.name);
    const body = entry[inner] ?? {};
    if (!isObj(body)) throw new KubeconfigError(`The ${inner} "${entry.name}" must be a mapping`, `${at}.${inner}`);
    return { name: entry.name, body, index };
  });
}

function read(text: string): Parsed {
  const root = load(text);
  const { kind, apiVersion } = root;
  if (kind !== undefined && kind !== "Config")
    throw new KubeconfigError(`This is a ${String(kind)}, not a kubeconfig (expected kind: Config)`, "kind");
  if (apiVersion !== undefined && apiVersion !== "v1")
    throw new KubeconfigError(
      `apiVersion ${String(apiVersion)} is not a kubeconfig version (expected apiVersion: v1)`,
      "apiVersion",
    );
  if (kind === undefined && apiVersion === undefined && !("contexts" in root) && !("clusters" in root)) {
    throw new KubeconfigError("This is not a kubeconfig: it has no kind: Config, clusters or contexts");
  }
  const clusters = new Map(list(root, "clusters", "cluster").map((c) => [c.name, c]));
  const users = new Map(list(root, "users", "user").map((u) => [u.name, u]));
  const contexts = list(root, "contexts", "context");
  if (contexts.length === 0) throw new KubeconfigError("The kubeconfig has no contexts", "contexts");
  for (const c of contexts) {
    const at = `contexts[${c.index}].context`;
    for (const ref of ["cluster", "user"] as const) {
      const target = c.body[ref];
      const known = ref === "cluster" ? clusters : users;
      if (typeof target !== "string" || !target)
        throw new KubeconfigError(`The context "${c.name}" names no ${ref}`, `${at}.${ref}`);
      if (!known.has(target))
        throw new KubeconfigError(
          `The context "${c.name}" names the ${ref} "${target}", which is not in the kubeconfig`,
          `${at}.${ref}`,
        );
    }
  }
  const current = root["current-context"];
  const currentContext = typeof current === "string" && contexts.some((c) => c.name === current) ? current : undefined;
  return { contexts, clusters, users, currentContext };
}

function toKubeContext(p: Parsed, c: Named): KubeContext {
  const cluster = c.body.cluster as string;
  const server = p.clusters.get(cluster)!.body.server;
  const ns = c.body.namespace;
  return {
    name: c.name,
    cluster,
    user: c.body.user as string,
    ...(typeof ns === "string" && ns ? { namespace: ns } : {}),
    server: typeof server === "string" ? server : "",
  };
}

/** The contexts of a kubeconfig (YAML or JSON), for choosing one. Checks structure only; extractContext checks the rest. */
export function parseKubeconfig(text: string): { contexts: KubeContext[]; currentContext?: string } {
  const p = read(text);
  return {
    contexts: p.contexts.map((c) => toKubeContext(p, c)),
    ...(p.currentContext ? { currentContext: p.currentContext } : {}),
  };
}

// ---- the chosen context: what Lifeboat will and will not run ---------------------------------------------------------

const FILE_KEYS = new Set(["certificate-authority", "client-certificate", "client-key", "tokenFile"]);
const isFileKey = (k: string) => FILE_KEYS.has(k) || /(-file|File)$/.test(k);

function findFileRef(v: unknown, at: string): { key: string; at: string } | undefined {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const hit = findFileRef(x, `${at}[${i}]`);
      if (hit) return hit;
    }
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (isFileKey(k) && isSet(x)) return { key: k, at: `${at}.${k}` };
      const hit = findFileRef(x, `${at}.${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}

const PEM = { certificate: /-----BEGIN CERTIFICATE-----/, "private key": /-----BEGIN [A-Z ]*PRIVATE KEY-----/ };

function pemData(v: unknown, kind: keyof typeof PEM, what: string, at: string): string {
  const b64 = typeof v === "string" ? v.replace(/\s+/g, "") : "";
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, "base64").toString("utf8") : "";
  if (!PEM[kind].test(decoded)) throw new KubeconfigError(`${what} is not a base64-encoded PEM ${kind}`, at);
  return b64;
}

function checkCluster(c: Named): Obj {
  const at = `clusters[${c.index}].cluster`;
  const b = c.body;
  const file = findFileRef(b, at);
  if (file)
    throw new KubeconfigError(
      `The cluster "${c.name}" refers to a file (${file.key}); Lifeboat cannot read files from your machine, ${FLATTEN_HINT}`,
      file.at,
    );
  if (isSet(b["proxy-url"]))
    throw new KubeconfigError(
      `The cluster "${c.name}" goes through a proxy (proxy-url); Lifeboat connects to the API server directly`,
      `${at}.proxy-url`,
    );
  const server = typeof b.server === "string" ? b.server.trim() : "";
  if (!server) throw new KubeconfigError(`The cluster "${c.name}" has no server URL`, `${at}.server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`The server of cluster "${c.name}" is not a URL: ${server}`, `${at}.server`);
  }
  if (url.protocol !== "https:")
    throw new KubeconfigError(
      `The server of cluster "${c.name}" is ${url.protocol}//, not https://; Lifeboat only talks to API servers over TLS`,
      `${at}.server`,
    );
  const insecure = b["insecure-skip-tls-verify"];
  if (insecure !== undefined && insecure !== null && typeof insecure !== "boolean")
    throw new KubeconfigError(
      `insecure-skip-tls-verify of cluster "${c.name}" must be true or false`,
      `${at}.insecure-skip-tls-verify`,
    );
  const hasCa = isSet(b["certificate-authority-data"]);
  if (insecure === true && hasCa) {
    throw new KubeconfigError(
      `The cluster "${c.name}" sets both insecure-skip-tls-verify and certificate-authority-data, ` +
        `which contradict each other; remove insecure-skip-tls-verify to verify the server with the CA`,
      `${at}.insecure-skip-tls-verify`,
    );
  }
  const out: Obj = { server };
  if (hasCa)
    out["certificate-authority-data"] = pemData(
      b["certificate-authority-data"],
      "certificate",
      `certificate-authority-data of cluster "${c.name}"`,
      `${at}.certificate-authority-data`,
    );
  if (insecure === true) out["insecure-skip-tls-verify"] = true;
  if (typeof b["tls-server-name"] === "string" && b["tls-server-name"]) out["tls-server-name"] = b["tls-server-name"];
  return out;
}

function checkUser(u: Named): Obj {
  const at = `users[${u.index}].user`;
  const b = u.body;
  for (const plugin of ["exec", "auth-provider"]) {
    if (isSet(b[plugin]))
      throw new KubeconfigError(
        `The user "${u.name}" gets its credentials from a plugin (${plugin}). ${PLUGIN_REFUSAL}`,
        `${at}.${plugin}`,
      );
  }
  const file = findFileRef(b, at);
  if (file)
    throw new KubeconfigError(
      `The user "${u.name}" refers to a file (${file.key}); Lifeboat cannot read files from your machine, ${FLATTEN_HINT}`,
      file.at,
    );
  if (isSet(b.username) || isSet(b.password)) {
    throw new KubeconfigError(
      `The user "${u.name}" uses basic auth (username/password), which Lifeboat does not accept; use a service-account token (see the onboarding manifest)`,
      `${at}.${isSet(b.username) ? "username" : "password"}`,
    );
  }
  const impersonation = ["as", "as-uid", "as-groups", "as-user-extra"].find((k) => isSet(b[k]));
  if (impersonation)
    throw new KubeconfigError(
      `The user "${u.name}" impersonates another identity (${impersonation}); give Lifeboat its own service account instead`,
      `${at}.${impersonation}`,
    );
  const out: Obj = {};
  if (isSet(b.token)) {
    if (typeof b.token !== "string" || /\s/.test(b.token.trim()))
      throw new KubeconfigError(`The token of user "${u.name}" is not a single string`, `${at}.token`);
    out.token = b.token.trim();
  }
  const cert = isSet(b["client-certificate-data"]);
  const key = isSet(b["client-key-data"]);
  if (cert !== key)
    throw new KubeconfigError(
      `The user "${u.name}" has ${cert ? "a client certificate but no client-key-data" : "a client key but no client-certificate-data"}`,
      `${at}.${cert ? "client-key-data" : "client-certificate-data"}`,
    );
  if (cert) {
    out["client-certificate-data"] = pemData(
      b["client-certificate-data"],
      "certificate",
      `client-certificate-data of user "${u.name}"`,
      `${at}.client-certificate-data`,
    );
    out["client-key-data"] = pemData(
      b["client-key-data"],
      "private key",
      `client-key-data of user "${u.name}"`,
      `${at}.client-key-data`,
    );
  }
  if (!out.token && !cert)
    throw new KubeconfigError(
      `The user "${u.name}" has no credentials Lifeboat can use: give it a token (see the onboarding manifest) or client-certificate-data and client-key-data`,
      at,
    );
  return out;
}

/** The chosen context and its cluster's and user's fields Lifeboat uses, checked; refuses what Lifeboat will not run. */
function checkedContext(text: string, context?: string): { kc: KubeContext; cluster: Obj; user: Obj } {
  const p = read(text);
  const names = p.contexts.map((c) => c.name);
  let chosen: Named | undefined;
  if (context !== undefined) {
    chosen = p.contexts.find((c) => c.name === context);
    if (!chosen)
      throw new KubeconfigError(
        `There is no context "${context}" in the kubeconfig (it has ${names.map((n) => `"${n}"`).join(", ")})`,
        "contexts",
      );
  } else if (p.currentContext) {
    chosen = p.contexts.find((c) => c.name === p.currentContext);
  } else if (p.contexts.length === 1) {
    chosen = p.contexts[0];
  } else {
    throw new KubeconfigError(
      `The kubeconfig has ${names.length} contexts and no current-context; choose one of ${names.map((n) => `"${n}"`).join(", ")}`,
      "current-context",
    );
  }
  const kc = toKubeContext(p, chosen!);
  return { kc, cluster: checkCluster(p.clusters.get(kc.cluster)!), user: checkUser(p.users.get(kc.user)!) };
}

/** A single-context kubeconfig (YAML) with everything embedded, ready to be sealed; refuses what Lifeboat will not run. */
export function extractContext(text: string, context?: string): { kubeconfig: string; context: KubeContext } {
  const { kc, cluster, user } = checkedContext(text, context);
  const ctx: Obj = { cluster: kc.cluster, user: kc.user, ...(kc.namespace ? { namespace: kc.namespace } : {}) };
  const kubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: kc.cluster, cluster }],
    users: [{ name: kc.user, user }],
    contexts: [{ name: kc.name, context: ctx }],
    "current-context": kc.name,
  });
  return { kubeconfig, context: { ...kc, server: cluster.server as string } };
}

/** What a session reaches its cluster with: the server, the TLS material (decoded) and the bearer token. */
export interface SessionCredentials {
  server: string;
  token?: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string };
}

/**
 * The credentials of a kubeconfig's context (its current one unless named), checked as extractContext checks them:
 * only what is embedded (a CA, a client certificate and key, a token), never a file, a plugin or basic auth. What
 * client-node's KubeConfig would apply for such a kubeconfig, without loading client-node's generated API (required alone, ~80 MiB of RSS).
 */
export function sessionCredentials(text: string, context?: string): SessionCredentials {
  const { cluster, user } = checkedContext(text, context);
  const pem = (v: unknown) => (typeof v === "string" ? Buffer.from(v, "base64") : undefined);
  const tls: SessionCredentials["tls"] = {};
  if (cluster["certificate-authority-data"]) tls.ca = pem(cluster["certificate-authority-data"]);
  if (cluster["insecure-skip-tls-verify"] === true) tls.rejectUnauthorized = false;
  if (typeof cluster["tls-server-name"] === "string") tls.servername = cluster["tls-server-name"];
  if (user["client-certificate-data"]) {
    tls.cert = pem(user["client-certificate-data"]);
    tls.key = pem(user["client-key-data"]);
  }
  return { server: cluster.server as string, ...(typeof user.token === "string" ? { token: user.token } : {}), tls };
}
