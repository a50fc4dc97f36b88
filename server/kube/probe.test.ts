import { describe, expect, it } from "vitest";
import { veleroInfo } from "@/lib/schemas/cluster";
import { boolFlag, serverSettingsOf } from "./probe";

// What detection reads from the velero Deployment and the node-agent DaemonSet, without a cluster: the objects as
// `velero install` renders them (command /velero, args "server" and the flags).

const FS = "default-volumes-to-fs-backup";

describe("boolFlag (pflag's reading of a bool flag)", () => {
  it.each<[string[], boolean | null]>([
    [[], null],
    [["server"], null],
    [["server", `--${FS}`], true],
    [["server", `--${FS}=true`], true],
    [["server", `--${FS}=false`], false],
    [["server", `--${FS}=1`], true],
    [["server", `--${FS}=0`], false],
    [["server", `--${FS}=True`], true],
    [["server", `--${FS}=F`], false],
    // The last one wins.
    [["server", `--${FS}`, `--${FS}=false`], false],
    [["server", `--${FS}=false`, `--${FS}`], true],
    // A bool flag takes no separate value: "false" is a positional argument and the flag is set.
    [["server", `--${FS}`, "false"], true],
    // A value ParseBool refuses is not a reading (the server would not start with it); an earlier one stands.
    [["server", `--${FS}=true`, `--${FS}=yes`], true],
    [["server", `--${FS}=yes`], null],
    // Another flag with the same prefix, a single dash, or anything after "--" is not this flag.
    [["server", `--${FS}-extra`], null],
    [["server", `-${FS}`], null],
    [["server", "--", `--${FS}`], null],
  ])("%j → %s", (args, want) => {
    expect(boolFlag({ command: ["/velero"], args }, FS)).toBe(want);
  });

  it("reads the command as well as the args, and no container as not given", () => {
    expect(boolFlag({ command: ["/velero", "server", `--${FS}=true`] }, FS)).toBe(true);
    expect(boolFlag(undefined, FS)).toBeNull();
  });
});

const deployment = (o: { args?: string[]; containers?: object[]; initContainers?: object[] } = {}) => ({
  metadata: { name: "velero", namespace: "velero" },
  spec: {
    template: {
      spec: {
        containers: o.containers ?? [
          { name: "velero", image: "velero/velero:v1.18.1", command: ["/velero"], args: ["server", ...(o.args ?? [])] },
        ],
        ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      },
    },
  },
});
const nodeAgent = (image = "velero/velero:v1.18.1") => ({
  metadata: { name: "node-agent", namespace: "velero" },
  spec: { template: { spec: { containers: [{ name: "node-agent", image, args: ["node-agent", "server"] }] } } },
});

describe("serverSettingsOf", () => {
  it("a server installed without the default flags: opt-in, no data movement; the images that run", () => {
    const s = serverSettingsOf(
      deployment({
        args: ["--features=EnableCSI", "--uploader-type=kopia"],
        initContainers: [
          { name: "velero-velero-plugin-for-aws", image: "velero/velero-plugin-for-aws:v1.14.0" },
          {
            name: "velero-velero-plugin-for-microsoft-azure",
            image: "velero/velero-plugin-for-microsoft-azure:v1.14.0",
          },
        ],
      }),
      nodeAgent("registry.example.com/velero/velero:v1.18.1"),
    );
    expect(s).toEqual({
      fsBackupDefault: "optIn",
      moveDataByDefault: false,
      images: {
        server: "velero/velero:v1.18.1",
        nodeAgent: "registry.example.com/velero/velero:v1.18.1",
        plugins: [
          { name: "velero-velero-plugin-for-aws", image: "velero/velero-plugin-for-aws:v1.14.0" },
          {
            name: "velero-velero-plugin-for-microsoft-azure",
            image: "velero/velero-plugin-for-microsoft-azure:v1.14.0",
          },
        ],
      },
    });
    // The shape the cluster's record keeps and the browser receives.
    expect(
      veleroInfo.parse({ installed: true, nodeAgent: true, csi: { enabled: true, snapshotClasses: [] }, ...s }),
    ).toMatchObject(s);
  });

  it.each<[string[], "optIn" | "optOut", boolean]>([
    [[`--${FS}`], "optOut", false],
    [[`--${FS}=true`, "--default-snapshot-move-data=true"], "optOut", true],
    [[`--${FS}=false`, "--default-snapshot-move-data"], "optIn", true],
    [["--default-snapshot-move-data=false"], "optIn", false],
  ])("the server's flags %j → fsBackupDefault %s, moveDataByDefault %s", (args, fs, move) => {
    const s = serverSettingsOf(deployment({ args }), nodeAgent());
    expect(s.fsBackupDefault).toBe(fs);
    expect(s.moveDataByDefault).toBe(move);
  });

  it("without a node-agent DaemonSet its image is null; without init containers there is no plugin", () => {
    expect(serverSettingsOf(deployment(), null).images).toEqual({
      server: "velero/velero:v1.18.1",
      nodeAgent: null,
      plugins: [],
    });
  });

  it("reads the container named velero (not a sidecar before it), else the first", () => {
    const sidecar = { name: "proxy", image: "envoyproxy/envoy:v1.31.0", args: [`--${FS}`] };
    const server = { name: "velero", image: "velero/velero:v1.17.0", command: ["/velero"], args: ["server"] };
    expect(serverSettingsOf(deployment({ containers: [sidecar, server] }), null)).toMatchObject({
      fsBackupDefault: "optIn",
      images: { server: "velero/velero:v1.17.0" },
    });
    const renamed = { ...server, name: "server", args: ["server", `--${FS}`] };
    expect(serverSettingsOf(deployment({ containers: [renamed] }), null)).toMatchObject({
      fsBackupDefault: "optOut",
      images: { server: "velero/velero:v1.17.0" },
    });
  });

  it("a container without an image is null; an init container without one is left out", () => {
    const s = serverSettingsOf(
      deployment({ containers: [{ name: "velero", args: ["server"] }], initContainers: [{ name: "broken" }] }),
      { metadata: { name: "node-agent" }, spec: { template: { spec: { containers: [] } } } },
    );
    expect(s.images).toEqual({ server: null, nodeAgent: null, plugins: [] });
  });
});
