import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

// A CA and a serving certificate for 127.0.0.1/localhost, made once with the openssl CLI into `dir`.
// Without openssl the sandbox serves plain HTTP and its kubeconfigs say insecure-skip-tls-verify.
export interface Pki {
  caCert: string;
  key: string;
  cert: string;
}

function openssl(args: string[], cwd: string) {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
}

export function ensurePki(dir: string): Pki | null {
  if (spawnSync("openssl", ["version"]).status !== 0) return null;
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  if (!fs.existsSync(f("server.crt"))) {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      [
        "req",
        "-x509",
        ...ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=lifeboat-sandbox-ca",
      ],
      dir,
    );
    openssl(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=sandbox-apiserver"], dir);
    fs.writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "3650",
        "-extfile",
        "san.ext",
      ],
      dir,
    );
  }
  return {
    caCert: fs.readFileSync(f("ca.crt"), "utf8"),
    key: fs.readFileSync(f("server.key"), "utf8"),
    cert: fs.readFileSync(f("server.crt"), "utf8"),
  };
}
