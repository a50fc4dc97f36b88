import { describe, expect, it } from "vitest";
import {
  compareVersions,
  compatibility,
  csiPossible,
  newerReleases,
  pluginProviderOf,
  releaseOf,
  veleroMinorOf,
  versionParts,
  VELERO_MINORS,
  VELERO_RELEASES,
} from "./versions";

describe("Velero's compatibility with Kubernetes (velero-api.md §11)", () => {
  it("reads versions as Kubernetes and Velero write them, and nothing else", () => {
    expect(versionParts("v1.18.1")).toEqual([1, 18, 1]);
    expect(versionParts("1.31")).toEqual([1, 31]);
    expect(versionParts("v1.31.4+k3s1")).toEqual([1, 31, 4]);
    expect(versionParts("v1.30.8-eks-2d98532")).toEqual([1, 30, 8]);
    for (const bad of ["", "latest", "v1", "1.x", "v1.18.1.2", "1.18 beta"]) expect(versionParts(bad)).toBeNull();
  });

  it("orders versions by their parts", () => {
    expect(compareVersions("v1.18.1", "v1.17.0")).toBe(1);
    expect(compareVersions("1.20", "v1.20.0")).toBe(0);
    expect(compareVersions("1.9", "1.10")).toBe(-1);
    expect(compareVersions("nope", "1.10")).toBeNull();
  });

  it("knows each release from 1.14 on, newest first, each with its plugin line", () => {
    expect(VELERO_MINORS.map((m) => m.minor)).toEqual(["1.18", "1.17", "1.16", "1.15", "1.14"]);
    expect(veleroMinorOf("v1.18.1")?.pluginLine).toBe("v1.14");
    expect(veleroMinorOf("v1.17.0")?.pluginLine).toBe("v1.13");
    expect(veleroMinorOf("v1.13.2")).toBeUndefined();
  });

  it("says tested, supported or unsupported, in words", () => {
    expect(compatibility("v1.34.1", "v1.18.1")).toEqual({
      level: "tested",
      why: "Velero 1.18 was tested on Kubernetes 1.34.1",
    });
    // The sandbox's clusters: supported by 1.18, not in its tested list.
    const sandbox = compatibility("v1.31.4", "v1.18.1");
    expect(sandbox.level).toBe("supported");
    expect(sandbox.why).toContain("1.31 is not among the versions it was tested on (1.33.7, 1.34.1, 1.35.0)");
    expect(compatibility("v1.31.4", "v1.17.0").level).toBe("tested");
    expect(compatibility("v1.17.9", "v1.18.1")).toEqual({
      level: "unsupported",
      why: "Velero 1.18 needs Kubernetes 1.18 or later; this cluster runs 1.17",
    });
    expect(compatibility("v1.31.4", "v2.0.0").level).toBe("unknown");
    expect(compatibility("garbage", "v1.18.1").level).toBe("unknown");
  });

  it("allows CSI snapshots from Kubernetes 1.20", () => {
    expect(csiPossible("v1.19.16")).toBe(false);
    expect(csiPossible("v1.20.0")).toBe(true);
    expect(csiPossible("v1.31.4")).toBe(true);
    expect(csiPossible("unknown")).toBe(false);
  });
});

describe("the releases Lifeboat installs", () => {
  it("pairs each with its plugins' line, offers newer ones as upgrades, and names plugin images' providers", () => {
    for (const r of VELERO_RELEASES) {
      const line = veleroMinorOf(r.version)!.pluginLine;
      expect(r.plugins.aws.startsWith(`${line}.`) && r.plugins.azure.startsWith(`${line}.`)).toBe(true);
    }
    expect(releaseOf("v1.17.0")?.plugins.aws).toBe("v1.13.0");
    expect(releaseOf("v1.16.0")).toBeUndefined();
    expect(newerReleases("v1.17.0").map((r) => r.version)).toEqual(["v1.18.1"]);
    expect(newerReleases("v1.18.1")).toEqual([]);
    expect(pluginProviderOf("velero/velero-plugin-for-aws:v1.14.0")).toBe("velero.io/aws");
    expect(pluginProviderOf("mirror:5000/x/velero/velero-plugin-for-microsoft-azure@sha256:ab")).toBe(
      "velero.io/azure",
    );
    expect(pluginProviderOf("velero/velero:v1.18.1")).toBeUndefined();
    expect(pluginProviderOf("evil/notvelero/velero-plugin-for-aws-x:v1")).toBeUndefined();
  });
});
