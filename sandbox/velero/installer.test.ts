import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { KObject } from "../kube-api/types";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "../testing/paths";
import {
  defaultInstallFlags,
  imageVersion,
  INSTALLER_VERSIONS,
  parseInstallArgs,
  pluginContainerName,
  printVeleroObjects,
  renderVeleroObjects,
  runVeleroInstall,
  seedInstallArgs,
  type InstallFlags,
} from "./installer";

// The sandbox's `velero install` against what Velero's own source does (installer.ts names the files): pflag parsing,
// Validate's rules in order with Velero's messages, the rendered objects, and the printed List.

/** Lifeboat's fixed flags (plan §2.1). */
const LIFEBOAT = [
  "--no-secret",
  "--no-default-backup-location",
  "--use-volume-snapshots=false",
  "--uploader-type=kopia",
  "--namespace",
  "velero",
];
const PLUGINS = ["--plugins", "velero/velero-plugin-for-aws:v1.14.0,velero/velero-plugin-for-microsoft-azure:v1.14.0"];
const IMAGE = "docker.io/velero/velero:v1.18.1";

const run = (args: string[], o: { image?: string; token?: boolean; crdsDir?: string } = {}) =>
  runVeleroInstall({
    image: o.image ?? IMAGE,
    args: ["install", ...args],
    crdsDir: o.crdsDir ?? VELERO_CRDS_DIR,
    serviceAccountToken: o.token ?? true,
  });

const flagsOf = (args: string[], version = "v1.18.1"): InstallFlags => {
  const p = parseInstallArgs(args, version);
  if (!p.ok) throw new Error(p.error);
  return p.flags;
};

const render = (args: string[], version = "v1.18.1") =>
  renderVeleroObjects({ version, flags: flagsOf(args, version), crdsDir: VELERO_CRDS_DIR });

const find = (items: KObject[], kind: string, name?: string) =>
  items.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe("pflag parsing", () => {
  it("takes --f=v, --f v, bool --f and --f=false, -o json, -ojson, -o=yaml, -n ns and comma lists", () => {
    const fl = flagsOf([
      "--bucket=b1",
      "--provider",
      "aws",
      "--use-node-agent",
      "--use-volume-snapshots=false",
      "-ojson",
      "-n",
      "backup-system",
      "--plugins",
      " a:1 , b:2,",
      "--pod-labels",
      "team=ops,tier=backup",
      "--pod-labels=extra=1",
      "--garbage-collection-frequency",
      "90m",
      "--concurrent-backups=3",
      "--image-pull-policy",
      "Never",
    ]);
    expect(fl).toMatchObject({
      bucket: "b1",
      provider: "aws",
      useNodeAgent: true,
      useVolumeSnapshots: false,
      output: "json",
      namespace: "backup-system",
      plugins: ["a:1", "b:2"],
      podLabels: { team: "ops", tier: "backup", extra: "1" },
      garbageCollectionFrequency: "90m",
      concurrentBackups: 3,
      imagePullPolicy: "Never",
    });
    expect(flagsOf(["-o=yaml"]).output).toBe("yaml");
    expect(flagsOf(["-o", "json", "--output", "yaml"]).output).toBe("yaml"); // the last one wins
    expect(flagsOf(["--plugins", "a:1", "--plugins", "b:2"]).plugins).toEqual(["b:2"]); // Set replaces
  });

  it("keeps Velero's defaults when a flag is absent (the image is the CLI's own version)", () => {
    const fl = flagsOf([], "v1.17.0");
    expect(fl).toMatchObject({
      namespace: "velero",
      image: "velero/velero:v1.17.0",
      uploaderType: "kopia",
      useVolumeSnapshots: true,
      veleroPodCpuRequest: "500m",
      veleroPodCpuLimit: "1000m",
      nodeAgentPodCpuRequest: "0",
      kubeletRootDir: "/var/lib/kubelet",
      output: "",
    });
  });

  it("does not read a bool's next argument as its value, and stops at --", () => {
    const p = parseInstallArgs(["--use-node-agent", "false", "--", "--bucket=x"], "v1.18.1");
    expect(p.ok && p.flags.useNodeAgent).toBe(true);
    expect(p.ok && p.positional).toEqual(["false", "--bucket=x"]);
    expect(p.ok && p.flags.bucket).toBe("");
  });

  it.each([
    [["--bogus"], "unknown flag: --bogus"],
    [["--bogus=1"], "unknown flag: --bogus"],
    [["-x"], "unknown shorthand flag: 'x' in -x"],
    [["--bucket"], "flag needs an argument: --bucket"],
    [["-o"], "flag needs an argument: 'o' in -o"],
    [
      ["--use-node-agent=maybe"],
      'invalid argument "maybe" for "--use-node-agent" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    ],
    [
      ["--garbage-collection-frequency", "3d"],
      'invalid argument "3d" for "--garbage-collection-frequency" flag: time: unknown unit "d" in duration "3d"',
    ],
    [
      ["--image-pull-policy=Sometimes"],
      'invalid argument "Sometimes" for "--image-pull-policy" flag: invalid value: "Sometimes"',
    ],
    [
      ["--concurrent-backups", "two"],
      'invalid argument "two" for "--concurrent-backups" flag: strconv.ParseInt: parsing "two": invalid syntax',
    ],
    [["--pod-labels", "nokey"], 'invalid argument "nokey" for "--pod-labels" flag: error parsing "nokey"'],
  ])("refuses %j: %s", (args, message) => {
    expect(parseInstallArgs(args, "v1.18.1")).toEqual({ ok: false, error: message });
  });

  it("prints cobra's error, a usage line and Velero's 'An error occurred', exit 1, for an unknown flag", () => {
    const r = run(["--bogus", "--dry-run", "-o", "json"]);
    expect(r.exitCode).toBe(1);
    expect(r.output.startsWith("Error: unknown flag: --bogus\nUsage:\n  velero install [flags]\n")).toBe(true);
    expect(r.output.endsWith("An error occurred: unknown flag: --bogus\n")).toBe(true);
  });

  it("reads the version from the image's tag, whatever the registry", () => {
    expect(imageVersion("docker.io/velero/velero:v1.17.0")).toBe("v1.17.0");
    expect(imageVersion("mirror.example:5000/velero/velero:v1.18.1")).toBe("v1.18.1");
    expect(imageVersion("velero/velero")).toBe("latest");
    expect(INSTALLER_VERSIONS).toEqual(["v1.18.1", "v1.17.0"]);
  });
});

describe.skipIf(!haveCrds)(`Validate ${haveCrds ? "" : crdsSkipReason}`, () => {
  const ok = [...LIFEBOAT, ...PLUGINS, "--dry-run", "-o", "json"];

  it.each([
    [["-o", "table"], "'table' format is not supported with 'install' command"],
    [["-o", "xml"], `invalid output format "xml" - valid values are 'table', 'json', and 'yaml'`],
    [["--uploader-type=restic"], "invalid uploader type 'restic', valid upload types are: 'kopia'"],
    [
      ["--provider", "aws", "--bucket", "-x", "--no-secret"],
      "Bucket names cannot begin with a dash. Bucket name was: -x",
    ],
    [
      ["--no-default-backup-location", "--bucket", "b"],
      "Cannot use both --bucket and --no-default-backup-location at the same time",
    ],
    [
      ["--no-default-backup-location", "--prefix", "p"],
      "Cannot use both --prefix and --no-default-backup-location at the same time",
    ],
    [
      ["--no-default-backup-location", "--backup-location-config", "region=x"],
      "Cannot use both --backup-location-config and --no-default-backup-location at the same time",
    ],
    [[], "--provider is required"],
    [["--provider", "aws"], "--bucket is required"],
    [["--no-default-backup-location"], "--provider is required when --use-volume-snapshots is set to true"],
    [
      ["--no-default-backup-location", "--use-volume-snapshots=false", "--snapshot-location-config", "a=b"],
      "--snapshot-location-config must be empty when --use-volume-snapshots=false",
    ],
    [
      ["--no-default-backup-location", "--use-volume-snapshots=false", "--provider", "aws"],
      "--provider must be empty when using --no-default-backup-location and --use-volume-snapshots=false",
    ],
    [["--provider", "aws", "--bucket", "b"], "--plugins flag is required"],
    [
      [...LIFEBOAT, "--default-volumes-to-fs-backup"],
      "--use-node-agent is required when using --default-volumes-to-fs-backup",
    ],
    [
      ["--no-default-backup-location", "--use-volume-snapshots=false"],
      "One of --secret-file or --no-secret is required",
    ],
    [
      ["--no-default-backup-location", "--use-volume-snapshots=false", "--no-secret", "--secret-file", "/creds"],
      "Cannot use both --secret-file and --no-secret",
    ],
    [[...LIFEBOAT, "--garbage-collection-frequency=-1h"], "--garbage-collection-frequency must be non-negative"],
    [[...LIFEBOAT, "--pod-volume-operation-timeout=-1s"], "--pod-volume-operation-timeout must be non-negative"],
    [[...LIFEBOAT, "--default-repo-maintain-frequency=-1m"], "--default-repo-maintain-frequency must be non-negative"],
    [
      [...LIFEBOAT, "--kubeconfig", "/nowhere"],
      "fail to create go-client error finding Kubernetes API server config in --kubeconfig, $KUBECONFIG, or in-cluster " +
        "configuration: stat /nowhere: no such file or directory",
    ],
  ])("%j: %s", (args, message) => {
    expect(run(["--dry-run", "-o", "json", ...args])).toEqual({
      exitCode: 1,
      output: `An error occurred: ${message}\n`,
    });
  });

  it("fails as the CLI does when the pod has no service-account token (Validate builds an in-cluster client)", () => {
    expect(run(ok, { token: false })).toEqual({
      exitCode: 1,
      output:
        "An error occurred: fail to create go-client error finding Kubernetes API server config in --kubeconfig, " +
        "$KUBECONFIG, or in-cluster configuration: invalid configuration: no configuration has been provided, try " +
        "setting KUBERNETES_MASTER environment variable\n",
    });
  });

  it("skips the rest of Validate with --crds-only (no token needed)", () => {
    const r = run(["--crds-only", "--dry-run", "-o", "json"], { token: false });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.output).items).toHaveLength(13);
  });

  it("plugins are optional without a default location and snapshots", () => {
    const r = run([...LIFEBOAT, "--dry-run", "-o", "json"]);
    expect(r.exitCode).toBe(0);
    expect(find(JSON.parse(r.output).items, "Deployment")!.spec.template.spec.initContainers).toBeUndefined();
  });

  it("fails on what AsVeleroOptions refuses: unparsable or inverted resources, files the sandbox cannot read", () => {
    expect(run([...LIFEBOAT, "--velero-pod-cpu-request=lots", "--dry-run", "-o", "json"]).output).toBe(
      `An error occurred: couldn't parse CPU request "lots": quantities must match the regular expression ` +
        `'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n`,
    );
    expect(run([...LIFEBOAT, "--velero-pod-mem-request=1Gi", "--dry-run", "-o", "json"]).output).toBe(
      `An error occurred: Memory request "1Gi" must be less than or equal to Memory limit "512Mi"\n`,
    );
    expect(run([...LIFEBOAT, "--cacert", "ca.pem", "--dry-run", "-o", "json"]).output).toBe(
      "An error occurred: open /ca.pem: no such file or directory\n",
    );
  });

  it("prints nothing with --dry-run and no -o (install clears the table default), exit 0", () => {
    expect(run([...LIFEBOAT, "--dry-run"])).toEqual({ exitCode: 0, output: "" });
  });

  it("without --dry-run prints what it rendered, then refuses to install (the sandbox only renders)", () => {
    const r = run([...LIFEBOAT, "-o", "json"]);
    expect(r.exitCode).toBe(1);
    const [doc, err] = r.output.split("\nAn error occurred: ");
    expect(JSON.parse(doc).kind).toBe("List");
    expect(err).toMatch(/only renders the install manifests: run it with --dry-run -o json/);
    expect(run(LIFEBOAT).output).toMatch(/^An error occurred: the sandbox's velero image only renders/);
  });

  it("accepts the flags the seed maps its plan to, for both served versions", () => {
    for (const version of INSTALLER_VERSIONS) {
      const args = seedInstallArgs({ version, nodeAgent: true, csi: true });
      const r = run(args, { image: `velero/velero:${version}` });
      expect(r.exitCode, r.output.slice(0, 200)).toBe(0);
      const dep = find(JSON.parse(r.output).items, "Deployment")!;
      expect(dep.spec.template.spec.containers[0].image).toBe(`velero/velero:${version}`);
      const tag = version === "v1.18.1" ? "v1.14.0" : "v1.13.0";
      expect(dep.spec.template.spec.initContainers.map((c: any) => c.image)).toEqual([
        `velero/velero-plugin-for-aws:${tag}`,
        `velero/velero-plugin-for-microsoft-azure:${tag}`,
      ]);
    }
    const onlyAws = seedInstallArgs({
      version: "v1.18.1",
      nodeAgent: false,
      csi: false,
      objectStorePlugins: ["velero.io/aws"],
    });
    expect(onlyAws).toContain("velero/velero-plugin-for-aws:v1.14.0");
    expect(onlyAws.join(" ")).not.toMatch(/azure|EnableCSI|use-node-agent/);
  });
});

describe.skipIf(!haveCrds)(`rendered objects ${haveCrds ? "" : crdsSkipReason}`, () => {
  it("holds the 13 CRDs equal to the files after decode, labelled component=velero, v1 before v2alpha1", () => {
    const items = render([...LIFEBOAT]);
    const crds = items.filter((o) => o.kind === "CustomResourceDefinition");
    expect(crds).toHaveLength(13);
    const files = fs
      .readdirSync(VELERO_CRDS_DIR)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => parseYaml(fs.readFileSync(path.join(VELERO_CRDS_DIR, f), "utf8")));
    for (const crd of crds) {
      const file = files.find((x) => x.metadata.name === crd.metadata.name);
      expect(crd).toEqual({
        ...file,
        metadata: { ...file.metadata, creationTimestamp: null, labels: { component: "velero" } },
      });
    }
    expect(crds.slice(-2).map((c) => c.metadata.name)).toEqual(["datadownloads.velero.io", "datauploads.velero.io"]);
    expect(crds.slice(0, 11).every((c) => c.spec.versions.some((v: any) => v.name === "v1" && v.storage))).toBe(true);
  });

  it("renders, in order, the Namespace (privileged), CRB → cluster-admin, SA and Deployment; no Secret, BSL, VSL", () => {
    const items = render([...LIFEBOAT, ...PLUGINS]);
    expect(items.slice(13).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/velero",
      "ClusterRoleBinding/velero",
      "ServiceAccount/velero",
      "Deployment/velero",
    ]);
    expect(find(items, "Namespace")!.metadata.labels).toEqual({
      component: "velero",
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "privileged",
      "pod-security.kubernetes.io/audit-version": "latest",
      "pod-security.kubernetes.io/warn": "privileged",
      "pod-security.kubernetes.io/warn-version": "latest",
    });
    const crb = find(items, "ClusterRoleBinding")!;
    expect(crb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
    expect(crb.subjects).toEqual([{ kind: "ServiceAccount", name: "velero", namespace: "velero" }]);
    expect(find(items, "ServiceAccount")!.metadata).toEqual({
      creationTimestamp: null,
      labels: { component: "velero" },
      name: "velero",
      namespace: "velero",
    });
  });

  it("names the binding velero-<ns> in another namespace, and skips CRB and SA with --service-account-name", () => {
    const other = render([...LIFEBOAT, "-n", "backup"]);
    expect(find(other, "ClusterRoleBinding")!.metadata.name).toBe("velero-backup");
    expect(find(other, "ClusterRoleBinding")!.subjects[0].namespace).toBe("backup");
    expect(find(other, "Deployment")!.metadata.namespace).toBe("backup");
    const own = render([...LIFEBOAT, "--service-account-name", "mine"]);
    expect(find(own, "ClusterRoleBinding")).toBeUndefined();
    expect(find(own, "ServiceAccount")).toBeUndefined();
    expect(find(own, "Deployment")!.spec.template.spec.serviceAccountName).toBe("mine");
  });

  it("renders the default BSL and VSL when asked for them", () => {
    const items = render([
      "--provider",
      "aws",
      "--bucket",
      "b",
      "--prefix",
      "p",
      "--backup-location-config",
      "region=eu",
      "--no-secret",
    ]);
    expect(find(items, "BackupStorageLocation")!.spec).toEqual({
      config: { region: "eu" },
      default: true,
      objectStorage: { bucket: "b", prefix: "p" },
      provider: "aws",
    });
    expect(find(items, "VolumeSnapshotLocation")!.spec).toEqual({ provider: "aws" });
    expect(find(items, "Secret")).toBeUndefined();
  });

  it("builds the Deployment as deployment.go does: server args following the flags, one init container per plugin", () => {
    const dep = find(
      render([
        ...LIFEBOAT,
        ...PLUGINS,
        "--features=EnableCSI,EnableAPIGroupVersions",
        "--use-node-agent",
        "--default-volumes-to-fs-backup",
        "--default-snapshot-move-data",
        "--garbage-collection-frequency=90m",
        "--pod-volume-operation-timeout=2h",
        "--pod-annotations",
        "a=b",
        "--pod-labels",
        "team=ops",
      ]),
      "Deployment",
    )!;
    expect(dep.metadata).toEqual({
      creationTimestamp: null,
      labels: { component: "velero" },
      name: "velero",
      namespace: "velero",
    });
    expect(dep.spec.selector).toEqual({ matchLabels: { deploy: "velero" } });
    expect(dep.spec.replicas).toBeUndefined();
    const tpl = dep.spec.template;
    expect(tpl.metadata.labels).toEqual({ component: "velero", deploy: "velero", team: "ops" });
    expect(tpl.metadata.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8085",
      "prometheus.io/path": "/metrics",
      a: "b",
    });
    const c = tpl.spec.containers[0];
    expect(c.command).toEqual(["/velero"]);
    expect(c.args).toEqual([
      "server",
      "--features=EnableCSI,EnableAPIGroupVersions",
      "--default-volumes-to-fs-backup=true",
      "--default-snapshot-move-data=true",
      "--uploader-type=kopia",
      "--garbage-collection-frequency=1h30m0s",
      "--fs-backup-timeout=2h0m0s",
    ]);
    expect(c.resources).toEqual({ limits: { cpu: "1", memory: "512Mi" }, requests: { cpu: "500m", memory: "128Mi" } });
    expect(c.env.map((e: any) => e.name)).toEqual(["VELERO_SCRATCH_DIR", "VELERO_NAMESPACE", "LD_LIBRARY_PATH"]);
    expect(tpl.spec.initContainers).toEqual([
      {
        image: "velero/velero-plugin-for-aws:v1.14.0",
        imagePullPolicy: "IfNotPresent",
        name: "velero-velero-plugin-for-aws",
        resources: {},
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
      {
        image: "velero/velero-plugin-for-microsoft-azure:v1.14.0",
        imagePullPolicy: "IfNotPresent",
        name: "velero-velero-plugin-for-microsoft-azure",
        resources: {},
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ]);
    expect(tpl.spec.volumes).toEqual([
      { emptyDir: {}, name: "plugins" },
      { emptyDir: {}, name: "scratch" },
    ]);
    expect(tpl.spec.os).toEqual({ name: "linux" });
    expect(tpl.spec.serviceAccountName).toBe("velero");
  });

  it("always passes --features (empty without the flag), as strings.Split does", () => {
    expect(find(render(LIFEBOAT), "Deployment")!.spec.template.spec.containers[0].args).toEqual([
      "server",
      "--features=",
      "--uploader-type=kopia",
    ]);
  });

  it("derives init container names as builder.getName does", () => {
    expect(pluginContainerName("velero/velero-plugin-for-aws:v1.14.0")).toBe("velero-velero-plugin-for-aws");
    expect(pluginContainerName("mirror.example:5000/velero/velero-plugin-for-aws:v1.14.0")).toBe(
      "velero-velero-plugin-for-aws",
    );
    expect(pluginContainerName("gcr.io/my_org/my.plugin@sha256:0123abcd")).toBe("my-org-my-plugin");
    expect(pluginContainerName("plugin:v1")).toBe("plugin");
    const long = pluginContainerName(`registry.example/org/${"a".repeat(70)}:v1`);
    expect(long).toHaveLength(63);
    expect(long.slice(0, 57)).toBe(`org-${"a".repeat(53)}`);
    expect(long.slice(57)).toMatch(/^[0-9a-f]{6}$/);
  });

  it("resolves the pull policy from the velero image as Velero does (a registry port makes it Always)", () => {
    const policy = (args: string[]) =>
      find(render([...LIFEBOAT, ...PLUGINS, ...args]), "Deployment")!.spec.template.spec;
    expect(policy([]).containers[0].imagePullPolicy).toBe("IfNotPresent");
    const mirror = policy(["--image", "mirror.example:5000/velero/velero:v1.18.1"]);
    expect(mirror.containers[0].imagePullPolicy).toBe("Always");
    expect(mirror.initContainers[0].imagePullPolicy).toBe("Always");
    expect(policy(["--image", "velero/velero:latest"]).containers[0].imagePullPolicy).toBe("Always");
    expect(policy(["--image-pull-policy", "Never"]).initContainers[1].imagePullPolicy).toBe("Never");
  });

  it("takes resources from the flags in canonical form; 0 leaves the entry out", () => {
    const c = find(
      render([
        ...LIFEBOAT,
        "--velero-pod-cpu-request=0.25",
        "--velero-pod-cpu-limit=2000m",
        "--velero-pod-mem-request=0",
        "--velero-pod-mem-limit=1024Mi",
      ]),
      "Deployment",
    )!.spec.template.spec.containers[0];
    expect(c.resources).toEqual({ limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "250m" } });
    const none = find(
      render([
        ...LIFEBOAT,
        "--velero-pod-cpu-request=0",
        "--velero-pod-cpu-limit=0",
        "--velero-pod-mem-request=0",
        "--velero-pod-mem-limit=0",
      ]),
      "Deployment",
    )!.spec.template.spec.containers[0];
    expect(none.resources).toEqual({});
  });

  it("adds the node-agent DaemonSet only with --use-node-agent, as daemonset.go builds it", () => {
    expect(find(render(LIFEBOAT), "DaemonSet")).toBeUndefined();
    const ds = find(render([...LIFEBOAT, "--use-node-agent", "--features=EnableCSI"]), "DaemonSet", "node-agent")!;
    expect(ds.metadata.labels).toEqual({ component: "velero" });
    expect(ds.spec.selector).toEqual({ matchLabels: { name: "node-agent" } });
    const spec = ds.spec.template.spec;
    expect(ds.spec.template.metadata.labels).toEqual({ component: "velero", name: "node-agent", role: "node-agent" });
    expect(spec.securityContext).toEqual({ runAsUser: 0 });
    const c = spec.containers[0];
    expect(c.args).toEqual(["node-agent", "server", "--features=EnableCSI"]);
    expect(c.securityContext).toEqual({ privileged: false });
    expect(c.resources).toEqual({});
    expect(c.env.map((e: any) => e.name)).toEqual(["NODE_NAME", "VELERO_NAMESPACE", "VELERO_SCRATCH_DIR"]);
    expect(spec.volumes).toEqual([
      { hostPath: { path: "/var/lib/kubelet/pods" }, name: "host-pods" },
      { hostPath: { path: "/var/lib/kubelet/plugins" }, name: "host-plugins" },
      { emptyDir: {}, name: "scratch" },
    ]);
    expect(c.volumeMounts).toEqual([
      { mountPath: "/host_pods", mountPropagation: "HostToContainer", name: "host-pods" },
      { mountPath: "/var/lib/kubelet/plugins", mountPropagation: "HostToContainer", name: "host-plugins" },
      { mountPath: "/scratch", name: "scratch" },
    ]);

    const custom = find(
      render([
        ...LIFEBOAT,
        "--use-node-agent",
        "--privileged-node-agent",
        "--kubelet-root-dir=/data/kubelet",
        "--node-agent-pod-cpu-request=100m",
        "--node-agent-pod-mem-limit=1Gi",
      ]),
      "DaemonSet",
    )!.spec.template.spec;
    expect(custom.containers[0].securityContext).toEqual({ privileged: true });
    expect(custom.containers[0].resources).toEqual({ limits: { memory: "1Gi" }, requests: { cpu: "100m" } });
    expect(custom.volumes.slice(0, 2).map((v: any) => v.hostPath.path)).toEqual([
      "/data/kubelet/pods",
      "/data/kubelet/plugins",
    ]);
    const noHost = find(render([...LIFEBOAT, "--use-node-agent", "--node-agent-disable-host-path"]), "DaemonSet")!;
    expect(noHost.spec.template.spec.volumes).toEqual([{ emptyDir: {}, name: "scratch" }]);
  });
});

describe.skipIf(!haveCrds)(`printing ${haveCrds ? "" : crdsSkipReason}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-installer-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("prints one v1 List; JSON and YAML decode to the same objects", () => {
    const args = [...LIFEBOAT, ...PLUGINS, "--use-node-agent", "--features=EnableCSI", "--dry-run"];
    const json = run([...args, "-o", "json"]);
    const yaml = run([...args, "-o", "yaml"]);
    expect(json.exitCode).toBe(0);
    expect(yaml.exitCode).toBe(0);
    expect(json.output.startsWith('{\n  "apiVersion": "v1",\n  "items": [\n')).toBe(true);
    expect(json.output.endsWith('  "kind": "List"\n}\n')).toBe(true);
    expect(yaml.output.startsWith("apiVersion: v1\nitems:\n- apiVersion: apiextensions.k8s.io/v1\n")).toBe(true);
    const fromJson = JSON.parse(json.output);
    expect(Object.keys(fromJson)).toEqual(["apiVersion", "items", "kind"]);
    expect(parseYaml(yaml.output)).toEqual(fromJson);
    expect(fromJson.items).toEqual(
      JSON.parse(JSON.stringify(render([...LIFEBOAT, ...PLUGINS, "--use-node-agent", "--features=EnableCSI"]))),
    );
  });

  it("escapes <, > and & in JSON strings as Go's encoder does", () => {
    const text = printVeleroObjects(
      [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "<b> & c" } }],
      "json",
    );
    expect(text).toContain('"a": "\\u003cb\\u003e \\u0026 c"');
    expect(JSON.parse(text).data.a).toBe("<b> & c");
  });

  it("prints a list of one object as the object alone", () => {
    fs.copyFileSync(path.join(VELERO_CRDS_DIR, "velero.io_backups.yaml"), path.join(tmp, "velero.io_backups.yaml"));
    const r = run(["--crds-only", "--dry-run", "-o", "json"], { crdsDir: tmp });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.output);
    expect(doc.kind).toBe("CustomResourceDefinition");
    expect(doc.metadata.name).toBe("backups.velero.io");
  });

  it("renders with the defaults for a version when given flags directly", () => {
    const items = renderVeleroObjects({
      version: "v1.17.0",
      flags: {
        ...defaultInstallFlags("v1.17.0"),
        noSecret: true,
        noDefaultBackupLocation: true,
        useVolumeSnapshots: false,
      },
      crdsDir: VELERO_CRDS_DIR,
    });
    expect(find(items, "Deployment")!.spec.template.spec.containers[0].image).toBe("velero/velero:v1.17.0");
  });
});
