import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ClusterClient } from "./cluster-client";
import { ClusterError } from "./errors";
import { ClusterSession } from "./session";
import { kubeconfigText } from "../testing/sandbox";

// The cluster port connects through the outbound path, which checks the address each new connection reaches, not only
// the URL checked when the session opened. Here the policy turns against loopback after the session opened (as a
// rebound DNS name would turn a checked public address into a forbidden one): the connection is refused, with the reason.
afterEach(() => {
  process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
});

describe("the cluster port on the outbound path", () => {
  it("checks where each connection goes, not only the URL it checked when the session opened", async () => {
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    const refused = await ClusterSession.open(kubeconfigText(0)); // the URL check passes here
    process.env.LIFEBOAT_ALLOW_LOOPBACK = "0";
    const err = await new ClusterClient(refused).version().catch((e: unknown) => e);
    await refused.close();
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as Error).message).toMatch(
      /^Lifeboat will not connect to https:\/\/127\.0\.0\.1:\d+: .*loopback address/,
    );

    process.env.LIFEBOAT_ALLOW_LOOPBACK = "1";
    const allowed = await ClusterSession.open(kubeconfigText(0));
    expect((await new ClusterClient(allowed).version()).gitVersion).toMatch(/^v1\./);
    await allowed.close();
  });

  it("says a client certificate OpenSSL cannot read is unusable when the session opens, not at each request", async () => {
    // PEM in form (what the kubeconfig check reads), not in content: the TLS context cannot be built from it.
    const pem = (label: string) =>
      Buffer.from(`-----BEGIN ${label}-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END ${label}-----\n`).toString("base64");
    const kc = parse(kubeconfigText(0)) as { users: { user: Record<string, string> }[] };
    kc.users[0].user = { "client-certificate-data": pem("CERTIFICATE"), "client-key-data": pem("PRIVATE KEY") };
    const err = await ClusterSession.open(stringify(kc)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as Error).message).toMatch(/^The kubeconfig's certificates or key cannot be used: /);
  });
});
