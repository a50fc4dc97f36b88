import { describe, expect, it } from "vitest";
import { DEFAULT_VELERO_SETTINGS, type VeleroSettings } from "@/lib/schemas/velero";
import { runVeleroInstall } from "@/sandbox/velero/installer";
import { crdsSkipReason, haveCrds, VELERO_CRDS_DIR } from "@/sandbox/testing/paths";
import { installRequest, VELERO_INSTALL_NAMESPACE } from "./install-flags";
import {
  applyOrder,
  overlay,
  parseInstallerLog,
  renderDigest,
  RenderRefused,
  RENDER_LOG_LIMIT,
  validateRendered,
  type K8sObject,
} from "./manifest";

// The render path on the sandbox installer's real output (what the velero/velero image prints for Lifeboat's flags):
// parsed, validated against what Lifeboat asked for, overlaid; and every refusal rule on a tampered copy.
const settings = (patch: Partial<VeleroSettings> = {}): VeleroSettings => ({ ...DEFAULT_VELERO_SETTINGS, ...patch });

function rendered(s = settings(), providers = ["velero.io/aws"] as const) {
  const req = installRequest(s, providers);
  const run = runVeleroInstall({
    image: req.serverImage,
    args: req.args,
    crdsDir: VELERO_CRDS_DIR,
    serviceAccountToken: true,
  });
  expect(run.exitCode).toBe(0);
  const exp = { ...req, namespace: VELERO_INSTALL_NAMESPACE, privilegedNodeAgent: s.privilegedNodeAgent };
  return { run, req, exp };
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RenderRefused);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("parseInstallerLog", () => {
  it("keeps the installer's messages before the document and reads a List or a single object", () => {
    const list = JSON.stringify(
      {
        apiVersion: "v1",
        kind: "List",
        items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "velero" } }],
      },
      null,
      2,
    );
    const p = parseInstallerLog(`⚠️ a warning\n\n${list}\n`);
    expect(p.messages).toEqual(["⚠️ a warning"]);
    expect(p.objects).toHaveLength(1);
    const single = JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "velero" } }, null, 2);
    expect(parseInstallerLog(single).objects[0].kind).toBe("Namespace");
  });

  it("refuses no document, trailing text, non-objects, nameless objects, too many objects and a log at the cap", () => {
    expect(refusal(() => parseInstallerLog("Error: unknown flag: --x\n"))).toContain("printed no manifests");
    expect(refusal(() => parseInstallerLog('{\n"kind": "List"}\nand more'))).toContain("not one JSON document");
    expect(refusal(() => parseInstallerLog("{\n}"))).toContain("not a Kubernetes object");
    const nameless = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: {} }] };
    expect(refusal(() => parseInstallerLog(JSON.stringify(nameless, null, 1)))).toContain("has no name");
    const many = {
      apiVersion: "v1",
      kind: "List",
      items: Array.from({ length: 41 }, (_, i) => ({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: `n${i}` },
      })),
    };
    expect(refusal(() => parseInstallerLog(JSON.stringify(many, null, 1)))).toContain("41 objects");
    expect(refusal(() => parseInstallerLog("{\n" + " ".repeat(RENDER_LOG_LIMIT)))).toContain("truncated");
  });
});

describe.skipIf(!haveCrds)("the sandbox installer's render, validated " + (haveCrds ? "" : crdsSkipReason), () => {
  it("accepts what velero install renders for Lifeboat's flags, in apply order", () => {
    const { run, exp } = rendered();
    const parsed = parseInstallerLog(run.output);
    const objects = validateRendered(parsed.objects, exp);
    const kinds = applyOrder(objects).map((o) => o.kind);
    expect(kinds.slice(0, 13)).toEqual(Array(13).fill("CustomResourceDefinition"));
    expect(kinds.slice(13)).toEqual(["Namespace", "ServiceAccount", "ClusterRoleBinding", "Deployment", "DaemonSet"]);
    expect(objects.every((o) => !("status" in o) && !("creationTimestamp" in o.metadata))).toBe(true);
    const dep = objects.find((o) => o.kind === "Deployment") as any;
    expect(dep.spec.template.spec.initContainers.map((c: any) => c.image)).toEqual([
      "velero/velero-plugin-for-aws:v1.14.0",
    ]);
    expect(dep.spec.template.spec.containers[0].args).toContain("--default-volumes-to-fs-backup=true");
  });

  it("leaves the node-agent out when nothing needs it, and refuses one rendered anyway", () => {
    const s = settings({
      fsBackup: { enabled: false, default: "optIn" },
      csi: { enabled: true, moveDataByDefault: false },
    });
    const { run, exp } = rendered(s);
    const objects = validateRendered(parseInstallerLog(run.output).objects, exp);
    expect(objects.map((o) => o.kind)).not.toContain("DaemonSet");
    const withAgent = rendered().run;
    expect(refusal(() => validateRendered(parseInstallerLog(withAgent.output).objects, exp))).toContain(
      "DaemonSet velero/node-agent: the node-agent was not asked for",
    );
  });

  it("refuses a render with other images, kinds, namespaces, bindings or host paths", () => {
    const { run, exp } = rendered();
    const base = parseInstallerLog(run.output).objects;
    const tamper = (fn: (objects: any[]) => void) => {
      const copy = structuredClone(base) as any[];
      fn(copy);
      return refusal(() => validateRendered(copy as K8sObject[], exp));
    };
    const dep = (o: any[]) => o.find((x) => x.kind === "Deployment");
    expect(tamper((o) => (dep(o).spec.template.spec.containers[0].image = "evil/velero:v1.18.1"))).toContain(
      "runs evil/velero:v1.18.1",
    );
    expect(tamper((o) => (dep(o).spec.template.spec.initContainers[0].image = "evil/plugin:1"))).toContain(
      "init containers run evil/plugin:1",
    );
    expect(
      tamper((o) =>
        o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "cloud-credentials", namespace: "velero" } }),
      ),
    ).toContain("Secret velero/cloud-credentials: Velero's installer does not render this kind");
    expect(tamper((o) => (o.find((x) => x.kind === "Namespace").metadata.name = "kube-system"))).toContain(
      "only the namespace velero",
    );
    expect(tamper((o) => (o.find((x) => x.kind === "ClusterRoleBinding").subjects[0].name = "default"))).toContain(
      "cluster-admin is expected",
    );
    expect(tamper((o) => dep(o).spec.template.spec.volumes.push({ name: "root", hostPath: { path: "/" } }))).toContain(
      "mounts the host path /",
    );
    expect(tamper((o) => (o.find((x) => x.kind === "DaemonSet").spec.template.spec.hostNetwork = true))).toContain(
      "uses the host's namespaces",
    );
    expect(tamper((o) => o.push(structuredClone(dep(o))))).toContain("rendered twice");
    expect(tamper((o) => (o.find((x) => x.kind === "CustomResourceDefinition").spec.group = "example.com"))).toContain(
      "not one of Velero's CRDs",
    );
  });

  it("overlays Lifeboat's label, the node selector and tolerations, says where, and digests stably", () => {
    const s = settings({
      nodeAgent: {
        nodeSelector: { "kubernetes.io/os": "linux" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "backup", effect: "NoSchedule" }],
      },
    });
    const { run, exp } = rendered(s);
    const objects = validateRendered(parseInstallerLog(run.output).objects, exp);
    const o = overlay(objects, s);
    expect(o.objects.every((x) => x.metadata.labels?.["app.kubernetes.io/managed-by"] === "lifeboat")).toBe(true);
    const ds = o.objects.find((x) => x.kind === "DaemonSet") as any;
    expect(ds.spec.template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(ds.spec.template.spec.tolerations).toContainEqual({
      key: "dedicated",
      operator: "Equal",
      value: "backup",
      effect: "NoSchedule",
    });
    expect(o.fromOverlay["DaemonSet velero/node-agent"]).toEqual([
      "metadata.labels.app.kubernetes.io/managed-by",
      "spec.template.spec.nodeSelector",
      "spec.template.spec.tolerations",
    ]);
    expect((objects.find((x) => x.kind === "DaemonSet") as any).spec.template.spec.nodeSelector).not.toEqual({
      "kubernetes.io/os": "linux",
    });
    expect(renderDigest(o.objects)).toBe(renderDigest(structuredClone(o.objects).reverse().reverse()));
    expect(renderDigest(o.objects)).not.toBe(renderDigest(objects));
  });

  it("puts the image pull secrets on Velero's Deployment and the node-agent's pods, and says where", () => {
    const s = settings({ imagePullSecrets: ["regcred", "mirror-pull"] });
    const { run, exp } = rendered(s);
    const objects = validateRendered(parseInstallerLog(run.output).objects, exp);
    // One the installer rendered stays; one it rendered under a name Lifeboat sets is listed once.
    (objects.find((x) => x.kind === "DaemonSet") as any).spec.template.spec.imagePullSecrets = [
      { name: "cluster-wide" },
      { name: "regcred" },
    ];
    const o = overlay(objects, s);
    const pod = (kind: string) => (o.objects.find((x) => x.kind === kind) as any).spec.template.spec;
    expect(pod("Deployment").imagePullSecrets).toEqual([{ name: "regcred" }, { name: "mirror-pull" }]);
    expect(pod("DaemonSet").imagePullSecrets).toEqual([
      { name: "cluster-wide" },
      { name: "regcred" },
      { name: "mirror-pull" },
    ]);
    expect(o.fromOverlay["Deployment velero/velero"]).toEqual([
      "metadata.labels.app.kubernetes.io/managed-by",
      "spec.template.spec.imagePullSecrets",
    ]);
    expect(o.fromOverlay["DaemonSet velero/node-agent"]).toEqual([
      "metadata.labels.app.kubernetes.io/managed-by",
      "spec.template.spec.imagePullSecrets",
    ]);
    for (const x of o.objects.filter((x) => x.kind !== "Deployment" && x.kind !== "DaemonSet"))
      expect(JSON.stringify(x)).not.toContain("imagePullSecrets");
    expect((objects.find((x) => x.kind === "Deployment") as any).spec.template.spec.imagePullSecrets).toBeUndefined();

    // None asked: the pods keep what the installer rendered, and the overlay says nothing of them.
    const plain = overlay(validateRendered(parseInstallerLog(run.output).objects, exp), settings());
    for (const kind of ["Deployment", "DaemonSet"])
      expect((plain.objects.find((x) => x.kind === kind) as any).spec.template.spec.imagePullSecrets).toBeUndefined();
    expect(plain.fromOverlay["Deployment velero/velero"]).toEqual(["metadata.labels.app.kubernetes.io/managed-by"]);
  });
});
