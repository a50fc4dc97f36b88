import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClusters, type Sandbox } from "../sandbox";
import { haveKubectl, kubectl } from "../testing/kubectl";

// The machine's kubectl (1.32) against a sandbox cluster: server-side validation of built-in kinds, so that
// `kubectl apply --dry-run=server` of a manifest proves the manifest is one a real kube-apiserver accepts.
let sb: Sandbox;
let kc: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-kubectl-validation-"));

beforeAll(async () => {
  sb = await startClusters([{ name: "validation" }], { dir });
  kc = sb.clusters[0].kubeconfigPath;
  expect((await kubectl(kc, ["create", "namespace", "lifeboat"])).code).toBe(0);
});
afterAll(async () => {
  await sb?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const yaml = (docs: string[]) => docs.map((d) => d.trim() + "\n").join("---\n");

function deployment(o: { name?: string; spec?: string; container?: string } = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.name ?? "web"}
  namespace: lifeboat
spec:
  ${o.spec ?? "replicas: 2"}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ${o.container ?? "ports: [{name: http, containerPort: 8080}]"}
`;
}

/** What a deployable console looks like: the kinds and fields deploy/ uses. */
const MANIFEST = yaml([
  `
apiVersion: v1
kind: ServiceAccount
metadata: {name: lifeboat, namespace: lifeboat}
automountServiceAccountToken: false
`,
  `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lifeboat
  namespace: lifeboat
  labels: {app.kubernetes.io/name: lifeboat}
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels: {app.kubernetes.io/name: lifeboat}
  template:
    metadata:
      labels: {app.kubernetes.io/name: lifeboat}
    spec:
      serviceAccountName: lifeboat
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: {type: RuntimeDefault}}
      terminationGracePeriodSeconds: 30
      containers:
      - name: console
        image: ghcr.io/example/lifeboat:1.0.0
        imagePullPolicy: IfNotPresent
        ports: [{name: http, containerPort: 3000, protocol: TCP}]
        envFrom: [{secretRef: {name: lifeboat}}]
        env:
        - {name: HOSTNAME, value: 0.0.0.0}
        - {name: PORT, value: "3000"}
        - name: DATABASE_URL
          valueFrom: {secretKeyRef: {name: lifeboat, key: database-url}}
        readinessProbe: {httpGet: {path: /api/healthz, port: http}, periodSeconds: 5, failureThreshold: 3}
        livenessProbe: {httpGet: {path: "/api/healthz?probe=live", port: http}, initialDelaySeconds: 10}
        resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {cpu: 1, memory: 1Gi}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: cache, mountPath: /app/.next/cache}
        - {name: tmp, mountPath: /tmp}
      volumes:
      - {name: cache, emptyDir: {}}
      - {name: tmp, emptyDir: {sizeLimit: 64Mi}}
`,
  `
apiVersion: v1
kind: Service
metadata: {name: lifeboat, namespace: lifeboat}
spec:
  selector: {app.kubernetes.io/name: lifeboat}
  ports: [{name: http, port: 80, targetPort: http}]
`,
  `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: lifeboat, namespace: lifeboat}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: lifeboat}
`,
  `
apiVersion: batch/v1
kind: Job
metadata: {name: lifeboat-migrate, namespace: lifeboat}
spec:
  backoffLimit: 2
  ttlSecondsAfterFinished: 3600
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: ghcr.io/example/lifeboat:1.0.0
        command: [node, node_modules/prisma/build/index.js, migrate, deploy]
        env:
        - name: DATABASE_URL
          valueFrom: {secretKeyRef: {name: lifeboat, key: migrate-database-url}}
`,
]);

const stored = async (kinds: string) => (await kubectl(kc, ["get", kinds, "-n", "lifeboat", "-o", "name"])).out.trim();

describe.skipIf(!haveKubectl)(
  "kubectl apply against a sandbox that validates built-in kinds" +
    (haveKubectl ? "" : " (skipped: no kubectl on this machine)"),
  () => {
    it("accepts a deployable manifest with a server dry run (client- and server-side apply) and stores nothing", async () => {
      const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", "-"], MANIFEST);
      expect(r.err).toBe("");
      expect(r.out.trim().split("\n")).toEqual([
        "serviceaccount/lifeboat created (server dry run)",
        "deployment.apps/lifeboat created (server dry run)",
        "service/lifeboat created (server dry run)",
        "poddisruptionbudget.policy/lifeboat created (server dry run)",
        "job.batch/lifeboat-migrate created (server dry run)",
      ]);
      const ssa = await kubectl(kc, ["apply", "--server-side", "--dry-run=server", "-f", "-"], MANIFEST);
      expect(ssa).toMatchObject({ code: 0, err: "" });
      expect(ssa.out).toContain("poddisruptionbudget.policy/lifeboat serverside-applied (server dry run)");
      expect(await stored("serviceaccounts,deployments,services,poddisruptionbudgets,jobs")).toBe(
        "serviceaccount/default",
      );
    });

    it("refuses a Deployment with an unknown field: kubectl asks for Strict, the server answers 400", async () => {
      const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", "-", "-v=6"], deployment({ spec: "replica: 2" }));
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/POST https:\/\/\S+\/deployments\?dryRun=All&fieldManager=\S*&fieldValidation=Strict 400/);
      expect(r.err).toContain(
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"',
      );
      const deeper = await kubectl(
        kc,
        ["apply", "--dry-run=server", "-f", "-"],
        deployment({ spec: "replica: 2", container: "readinessProbe: {httpGett: {path: /, port: 80}}" }),
      );
      expect(deeper.err).toContain(
        'strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].readinessProbe.httpGett"',
      );
      expect(await stored("deployments")).toBe("");
    });

    it("--validate=warn drops the field with a warning, --validate=false drops it silently", async () => {
      const warn = await kubectl(
        kc,
        ["apply", "--dry-run=server", "--validate=warn", "-f", "-"],
        deployment({ spec: "replica: 2" }),
      );
      expect(warn).toMatchObject({ code: 0, out: "deployment.apps/web created (server dry run)\n" });
      expect(warn.err).toBe('Warning: unknown field "spec.replica"\n');
      const ignore = await kubectl(
        kc,
        ["apply", "--dry-run=server", "--validate=false", "-f", "-"],
        deployment({ spec: "replica: 2" }),
      );
      expect(ignore).toMatchObject({ code: 0, out: "deployment.apps/web created (server dry run)\n", err: "" });
      const created = await kubectl(
        kc,
        ["create", "--validate=warn", "-o", "json", "-f", "-"],
        deployment({ name: "kept", spec: "replica: 2" }),
      );
      expect(created.err).toContain('Warning: unknown field "spec.replica"');
      expect(JSON.parse(created.out).spec).not.toHaveProperty("replica");
      expect(await stored("deployments")).toBe("deployment.apps/kept");
      expect((await kubectl(kc, ["delete", "deployment", "kept", "-n", "lifeboat"])).code).toBe(0);
    });

    it("refuses a value of the wrong type whatever --validate says", async () => {
      for (const validate of ["strict", "warn", "false"]) {
        const r = await kubectl(
          kc,
          ["apply", "--dry-run=server", `--validate=${validate}`, "-f", "-"],
          deployment({ spec: 'replicas: "2"' }),
        );
        expect(r.code).not.toBe(0);
        expect(r.err).toContain(
          'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
        );
      }
    });

    it("server-side apply cannot type a field the schema lacks", async () => {
      const r = await kubectl(
        kc,
        ["apply", "--server-side", "--dry-run=server", "-f", "-"],
        deployment({ spec: "replica: 2" }),
      );
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(
        "failed to create typed patch object (lifeboat/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema",
      );
    });

    it("refuses an unknown field in a client-side apply that patches an existing Deployment", async () => {
      expect((await kubectl(kc, ["apply", "-f", "-"], deployment({ name: "patched" }))).code).toBe(0);
      const r = await kubectl(
        kc,
        ["apply", "-f", "-"],
        deployment({ name: "patched", spec: "replicas: 3\n  replica: 3" }),
      );
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('strict decoding error: unknown field "spec.replica"');
      const kept = JSON.parse((await kubectl(kc, ["get", "deploy", "patched", "-n", "lifeboat", "-o", "json"])).out);
      expect(kept.spec.replicas).toBe(2);
      expect((await kubectl(kc, ["delete", "deployment", "patched", "-n", "lifeboat"])).code).toBe(0);
    });

    it("refuses a Job whose pods restart Always with 422 in kube's words", async () => {
      const job = `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: lifeboat}
spec:
  template:
    spec:
      restartPolicy: Always
      containers: [{name: migrate, image: busybox}]
`;
      const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", "-"], job);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(
        'The Job "migrate" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
      );
      const mismatch = await kubectl(
        kc,
        ["apply", "--dry-run=server", "-f", "-"],
        deployment().replace("matchLabels: {app: web}", "matchLabels: {app: api}"),
      );
      expect(mismatch.err).toContain(
        'The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      );
    });

    it("serves PodDisruptionBudgets: discovery, apply, get with its columns, and refusal of both bounds", async () => {
      const resources = await kubectl(kc, ["api-resources", "--api-group=policy"]);
      expect(resources.out).toMatch(/poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget/);
      const pdb = MANIFEST.split("---\n").find((d) => d.includes("PodDisruptionBudget"))!;
      expect((await kubectl(kc, ["apply", "-f", "-"], pdb)).out).toBe("poddisruptionbudget.policy/lifeboat created\n");
      const table = await kubectl(kc, ["get", "pdb", "-n", "lifeboat"]);
      expect(table.out).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n/);
      expect(table.out).toMatch(/\nlifeboat\s+N\/A\s+1\s+0\s+\d+s\n/);
      const got = JSON.parse((await kubectl(kc, ["get", "pdb", "lifeboat", "-n", "lifeboat", "-o", "json"])).out);
      expect(got.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
      const both = pdb
        .replace("maxUnavailable: 1", "maxUnavailable: 1\n  minAvailable: 1")
        .replace("name: lifeboat,", "name: both,");
      const r = await kubectl(kc, ["apply", "--dry-run=server", "-f", "-"], both);
      expect(r.err).toContain(
        'The PodDisruptionBudget "both" is invalid: spec: Invalid value: policy.PodDisruptionBudgetSpec{',
      );
      expect(r.err).toContain("minAvailable and maxUnavailable cannot be both set");
    });
  },
);
