import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { extractContext, KubeconfigError, parseKubeconfig, sessionCredentials } from "./kubeconfig";

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.s3cr3t-token-value";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const CA = b64("-----BEGIN CERTIFICATE-----\nMIIBkjCCATegAwIBAgIU\n-----END CERTIFICATE-----\n");
const CERT = b64("-----BEGIN CERTIFICATE-----\nMIIBqTCCAU+gAwIBAgIU\n-----END CERTIFICATE-----\n");
const KEY = b64("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n");

type Obj = Record<string, unknown>;

/** A one-context kubeconfig object; `cluster`/`user` replace the defaults, `top` merges into the root. */
function config(o: { cluster?: Obj; user?: Obj; top?: Obj } = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "prod",
        cluster: o.cluster ?? { server: "https://prod.example.com:6443", "certificate-authority-data": CA },
      },
    ],
    users: [{ name: "lifeboat", user: o.user ?? { token: TOKEN } }],
    contexts: [{ name: "prod", context: { cluster: "prod", user: "lifeboat", namespace: "velero" } }],
    "current-context": "prod",
    ...o.top,
  };
}
const yaml = (o: Obj) => stringify(o);

function refusal(fn: () => unknown): KubeconfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KubeconfigError) return e;
    throw e;
  }
  throw new Error("expected a KubeconfigError");
}

describe("extractContext refuses what Lifeboat will not run", () => {
  const server = "https://prod.example.com:6443";
  it.each<[string, string, RegExp, string | undefined]>([
    [
      "YAML syntax",
      `apiVersion: v1\nkind: Config\nusers:\n- name: x\n  user:\n    token: ${TOKEN}\n   bad: [\n`,
      /^The kubeconfig is not valid YAML \(line \d+\): /,
      "line 7",
    ],
    [
      "JSON syntax",
      `{\n  "apiVersion": "v1",\n  "kind": "Config",,\n  "users": [{"name": "x", "user": {"token": "${TOKEN}"}}]\n}`,
      /^The kubeconfig is not valid JSON \(line 3\)/,
      "line 3",
    ],
    [
      "two YAML documents",
      `${yaml(config())}---\n${yaml(config())}`,
      /more than one YAML document/,
      `line ${yaml(config()).split("\n").length}`,
    ],
    ["empty text", "  \n", /^The kubeconfig is empty$/, undefined],
    [
      "another kind",
      yaml({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } }),
      /^This is a Secret, not a kubeconfig \(expected kind: Config\)$/,
      "kind",
    ],
    [
      "another apiVersion",
      yaml(config({ top: { apiVersion: "v2" } })),
      /apiVersion v2 is not a kubeconfig version/,
      "apiVersion",
    ],
    ["not a mapping", "- a\n- b\n", /^This is not a kubeconfig/, undefined],
    ["no contexts", yaml(config({ top: { contexts: [] } })), /^The kubeconfig has no contexts$/, "contexts"],
    [
      "a context naming a missing cluster",
      yaml(config({ top: { contexts: [{ name: "prod", context: { cluster: "ghost", user: "lifeboat" } }] } })),
      /^The context "prod" names the cluster "ghost", which is not in the kubeconfig$/,
      "contexts[0].context.cluster",
    ],
    [
      "a context naming a missing user",
      yaml(config({ top: { contexts: [{ name: "prod", context: { cluster: "prod", user: "ghost" } }] } })),
      /^The context "prod" names the user "ghost", which is not in the kubeconfig$/,
      "contexts[0].context.user",
    ],
    [
      "an exec plugin",
      yaml(
        config({
          user: {
            exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token"] },
          },
        }),
      ),
      /^The user "lifeboat" gets its credentials from a plugin \(exec\)\. Lifeboat does not run credential plugins; use a service-account token \(see the onboarding manifest\)$/,
      "users[0].user.exec",
    ],
    [
      "an auth-provider plugin",
      yaml(config({ user: { "auth-provider": { name: "oidc", config: { "id-token": TOKEN } } } })),
      /\(auth-provider\)\. Lifeboat does not run credential plugins; use a service-account token \(see the onboarding manifest\)$/,
      "users[0].user.auth-provider",
    ],
    [
      "a certificate-authority file",
      yaml(config({ cluster: { server, "certificate-authority": "/home/me/.minikube/ca.crt" } })),
      /^The cluster "prod" refers to a file \(certificate-authority\); Lifeboat cannot read files from your machine, embed it instead: `kubectl config view --raw --minify --flatten`/,
      "clusters[0].cluster.certificate-authority",
    ],
    [
      "a client-certificate file",
      yaml(config({ user: { "client-certificate": "/home/me/client.crt", "client-key-data": KEY } })),
      /^The user "lifeboat" refers to a file \(client-certificate\)/,
      "users[0].user.client-certificate",
    ],
    [
      "a client-key file",
      yaml(config({ user: { "client-certificate-data": CERT, "client-key": "/home/me/client.key" } })),
      /^The user "lifeboat" refers to a file \(client-key\)/,
      "users[0].user.client-key",
    ],
    [
      "a tokenFile",
      yaml(config({ user: { tokenFile: "/var/run/secrets/token" } })),
      /^The user "lifeboat" refers to a file \(tokenFile\)/,
      "users[0].user.tokenFile",
    ],
    [
      "another *-file key",
      yaml(config({ user: { token: TOKEN, "password-file": "/etc/pw" } })),
      /refers to a file \(password-file\)/,
      "users[0].user.password-file",
    ],
    [
      "basic auth",
      yaml(config({ user: { username: "admin", password: "hunter2" } })),
      /^The user "lifeboat" uses basic auth \(username\/password\), which Lifeboat does not accept; use a service-account token/,
      "users[0].user.username",
    ],
    [
      "an empty server",
      yaml(config({ cluster: { server: "", "certificate-authority-data": CA } })),
      /^The cluster "prod" has no server URL$/,
      "clusters[0].cluster.server",
    ],
    [
      "no server at all",
      yaml(config({ cluster: { "insecure-skip-tls-verify": true } })),
      /^The cluster "prod" has no server URL$/,
      "clusters[0].cluster.server",
    ],
    [
      "insecure-skip-tls-verify with a CA",
      yaml(config({ cluster: { server, "certificate-authority-data": CA, "insecure-skip-tls-verify": true } })),
      /sets both insecure-skip-tls-verify and certificate-authority-data, which contradict each other/,
      "clusters[0].cluster.insecure-skip-tls-verify",
    ],
    [
      "a plain-HTTP server",
      yaml(config({ cluster: { server: "http://prod.example.com:8080", "insecure-skip-tls-verify": true } })),
      /is http:\/\/, not https:\/\//,
      "clusters[0].cluster.server",
    ],
    [
      "a server that is not a URL",
      yaml(config({ cluster: { server: "prod:6443:x", "certificate-authority-data": CA } })),
      /is not a URL|not https/,
      "clusters[0].cluster.server",
    ],
    [
      "a proxy",
      yaml(config({ cluster: { server, "certificate-authority-data": CA, "proxy-url": "http://proxy:3128" } })),
      /goes through a proxy/,
      "clusters[0].cluster.proxy-url",
    ],
    [
      "impersonation",
      yaml(config({ user: { token: TOKEN, as: "system:admin" } })),
      /impersonates another identity \(as\)/,
      "users[0].user.as",
    ],
    ["a user without credentials", yaml(config({ user: {} })), /has no credentials Lifeboat can use/, "users[0].user"],
    [
      "a certificate without its key",
      yaml(config({ user: { "client-certificate-data": CERT } })),
      /has a client certificate but no client-key-data/,
      "users[0].user.client-key-data",
    ],
    [
      "a CA that is not PEM",
      yaml(config({ cluster: { server, "certificate-authority-data": b64("not a certificate") } })),
      /certificate-authority-data of cluster "prod" is not a base64-encoded PEM certificate/,
      "clusters[0].cluster.certificate-authority-data",
    ],
    [
      "a client key that is not PEM",
      yaml(config({ user: { "client-certificate-data": CERT, "client-key-data": CERT } })),
      /client-key-data of user "lifeboat" is not a base64-encoded PEM private key/,
      "users[0].user.client-key-data",
    ],
    [
      "two contexts and no current-context",
      yaml(
        config({
          top: {
            "current-context": undefined,
            contexts: [
              { name: "a", context: { cluster: "prod", user: "lifeboat" } },
              { name: "b", context: { cluster: "prod", user: "lifeboat" } },
            ],
          },
        }),
      ),
      /has 2 contexts and no current-context; choose one of "a", "b"/,
      "current-context",
    ],
    [
      "a duplicated cluster name",
      yaml(
        config({
          top: {
            clusters: [
              { name: "prod", cluster: { server } },
              { name: "prod", cluster: { server } },
            ],
          },
        }),
      ),
      /The cluster "prod" appears twice/,
      "clusters[1]",
    ],
  ])("%s", (_what, text, message, where) => {
    const e = refusal(() => extractContext(text));
    expect(e.message).toMatch(message);
    expect(e.where).toBe(where);
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).not.toContain("hunter2");
  });

  it("refuses a context that is not there, listing those that are", () => {
    const e = refusal(() => extractContext(yaml(config()), "staging"));
    expect(e.message).toBe('There is no context "staging" in the kubeconfig (it has "prod")');
  });

  it("does not echo the source line of a syntax error (it may hold a token)", () => {
    const e = refusal(() => extractContext(`apiVersion: v1\nusers:\n- name: x\n  user: {token: ${TOKEN}\n`));
    expect(e.message).toMatch(/not valid YAML \(line \d+\)/);
    expect(e.message).not.toContain("s3cr3t");
  });
});

describe("extractContext accepts", () => {
  it("a token user on a cluster with an embedded CA, as one self-contained context", () => {
    const { kubeconfig, context } = extractContext(yaml(config({ top: { preferences: { colors: true } } })));
    expect(context).toEqual({
      name: "prod",
      cluster: "prod",
      user: "lifeboat",
      namespace: "velero",
      server: "https://prod.example.com:6443",
    });
    expect(parse(kubeconfig)).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "prod", cluster: { server: "https://prod.example.com:6443", "certificate-authority-data": CA } },
      ],
      users: [{ name: "lifeboat", user: { token: TOKEN } }],
      contexts: [{ name: "prod", context: { cluster: "prod", user: "lifeboat", namespace: "velero" } }],
      "current-context": "prod",
    });
    expect(extractContext(kubeconfig).kubeconfig).toBe(kubeconfig);
  });

  it.each<[string, Obj, Obj]>([
    [
      "a client certificate user",
      { server: "https://10.0.0.1", "certificate-authority-data": CA },
      { "client-certificate-data": CERT, "client-key-data": KEY },
    ],
    [
      "an insecure-skip-tls-verify cluster",
      { server: "https://10.0.0.1", "insecure-skip-tls-verify": true },
      { token: TOKEN },
    ],
    [
      "a tls-server-name",
      { server: "https://10.0.0.1", "certificate-authority-data": CA, "tls-server-name": "kubernetes.default" },
      { token: TOKEN },
    ],
    ["a cluster trusted by public CAs (no CA data)", { server: "https://k8s.example.com" }, { token: TOKEN }],
  ])("%s", (_what, cluster, user) => {
    const out = parse(extractContext(yaml(config({ cluster, user }))).kubeconfig);
    expect(out.clusters[0].cluster).toEqual(cluster);
    expect(out.users[0].user).toEqual(user);
  });

  it("picks one context of several and keeps only its cluster and user", () => {
    const text = yaml({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "eks-prod",
          cluster: { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", "certificate-authority-data": CA },
        },
        { name: "staging", cluster: { server: "https://staging.example.com:6443", "certificate-authority-data": CA } },
      ],
      users: [
        { name: "eks-user", user: { exec: { command: "aws", args: ["eks", "get-token"] } } },
        { name: "staging-lifeboat", user: { token: TOKEN } },
      ],
      contexts: [
        { name: "eks-prod", context: { cluster: "eks-prod", user: "eks-user" } },
        { name: "staging", context: { cluster: "staging", user: "staging-lifeboat", namespace: "apps" } },
      ],
      "current-context": "eks-prod",
    });
    expect(parseKubeconfig(text)).toEqual({
      contexts: [
        {
          name: "eks-prod",
          cluster: "eks-prod",
          user: "eks-user",
          server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        },
        {
          name: "staging",
          cluster: "staging",
          user: "staging-lifeboat",
          namespace: "apps",
          server: "https://staging.example.com:6443",
        },
      ],
      currentContext: "eks-prod",
    });
    // The current context uses an exec plugin: refused; the chosen one is fine and comes alone.
    expect(refusal(() => extractContext(text)).where).toBe("users[0].user.exec");
    const { kubeconfig, context } = extractContext(text, "staging");
    expect(context.server).toBe("https://staging.example.com:6443");
    const out = parse(kubeconfig);
    expect(out.clusters.map((c: Obj) => c.name)).toEqual(["staging"]);
    expect(out.users.map((u: Obj) => u.name)).toEqual(["staging-lifeboat"]);
    expect(out["current-context"]).toBe("staging");
    expect(kubeconfig).not.toContain("exec");
  });

  it("JSON, as `kubectl config view --raw -o json` prints it (tab-indented too)", () => {
    const text = JSON.stringify(config(), null, "\t");
    const { context, kubeconfig } = extractContext(text);
    expect(context.name).toBe("prod");
    expect(parse(kubeconfig).users[0].user.token).toBe(TOKEN);
    expect(parseKubeconfig(JSON.stringify(config())).currentContext).toBe("prod");
  });

  it("a single context without current-context, and ignores a current-context that names no context", () => {
    expect(extractContext(yaml(config({ top: { "current-context": undefined } }))).context.name).toBe("prod");
    expect(parseKubeconfig(yaml(config({ top: { "current-context": "gone" } })))).not.toHaveProperty("currentContext");
  });
});

describe("sessionCredentials: what a session connects with (as client-node's KubeConfig applied it)", () => {
  const pem = (b: string) => Buffer.from(b, "base64");

  it("a token and the cluster's CA, decoded; the server as checked", () => {
    const c = sessionCredentials(
      yaml(config({ cluster: { server: " https://prod.example.com:6443 ", "certificate-authority-data": CA } })),
    );
    expect(c).toEqual({ server: "https://prod.example.com:6443", token: TOKEN, tls: { ca: pem(CA) } });
  });

  it("a client certificate and key; insecure-skip-tls-verify and tls-server-name", () => {
    const c = sessionCredentials(
      yaml(
        config({
          cluster: {
            server: "https://10.0.0.1:6443",
            "insecure-skip-tls-verify": true,
            "tls-server-name": "api.internal",
          },
          user: { "client-certificate-data": CERT, "client-key-data": KEY },
        }),
      ),
    );
    expect(c.token).toBeUndefined();
    expect(c.tls).toEqual({ cert: pem(CERT), key: pem(KEY), rejectUnauthorized: false, servername: "api.internal" });
    expect(c.tls.key!.toString()).toContain("PRIVATE KEY");
  });

  it("the named context, else the current one; refuses as extractContext does", () => {
    const two = config();
    (two.clusters as Obj[]).push({ name: "b", cluster: { server: "https://b.example.com" } });
    (two.contexts as Obj[]).push({ name: "b", context: { cluster: "b", user: "lifeboat" } });
    expect(sessionCredentials(yaml(two)).server).toBe("https://prod.example.com:6443");
    expect(sessionCredentials(yaml(two), "b")).toEqual({ server: "https://b.example.com", token: TOKEN, tls: {} });
    const plugin = yaml(config({ user: { exec: { command: "aws" } } }));
    expect(refusal(() => sessionCredentials(plugin)).where).toBe("users[0].user.exec");
    const file = yaml(config({ user: { token: TOKEN, tokenFile: "/var/run/token" } }));
    expect(refusal(() => sessionCredentials(file)).where).toBe("users[0].user.tokenFile");
  });
});
