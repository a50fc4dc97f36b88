import { describe, expect, it } from "vitest";
import { Cluster, type FieldValidation } from "./cluster";
import { ApiError } from "./errors";
import type { KObject } from "./types";

// The write paths of a Cluster (create, update, patch, apply; dry runs included) decode built-in kinds as kube-apiserver
// does: fieldValidation for unknown fields, type errors always, and the validation rules as 422 Invalid.

const cluster = () => new Cluster({ name: "fv", adminToken: "t" });
const deploymentsOf = (c: Cluster) => c.findType("apps", "v1", "deployments")!;

function deployment(spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      ...spec,
    },
  };
}

/** The ApiError `fn` throws (fails the test when it throws nothing or something else). */
function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected the write to be refused");
}

const STRICT_REPLICA =
  'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"';

describe("create and update: fieldValidation", () => {
  it("Strict refuses unknown fields with 400, all of them named, and stores nothing", () => {
    const c = cluster();
    const e = refusal(() =>
      c.create(deploymentsOf(c), "default", deployment({ replica: 3 }), { fieldValidation: "Strict" }),
    );
    expect(e).toMatchObject({ code: 400, reason: "BadRequest", message: STRICT_REPLICA });
    const two = deployment({ replica: 3 });
    (two.metadata as Record<string, unknown>).lables = { a: "b" };
    expect(refusal(() => c.create(deploymentsOf(c), "default", two, { fieldValidation: "Strict" })).message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "metadata.lables", unknown field "spec.replica"',
    );
    expect(c.store.get(deploymentsOf(c), "default", "web")).toBeUndefined();
  });

  it("Warn (the default) drops them and warns once per field; Ignore drops them silently", () => {
    const c = cluster();
    const warnings: string[] = [];
    const created = c.create(deploymentsOf(c), "default", deployment({ replica: 3 }), { warnings });
    expect(warnings).toEqual(['unknown field "spec.replica"']);
    expect(created.spec).not.toHaveProperty("replica");
    expect(c.get(deploymentsOf(c), "default", "web").spec).not.toHaveProperty("replica");

    const quiet: string[] = [];
    const body = { ...c.get(deploymentsOf(c), "default", "web") };
    body.spec = { ...body.spec, replicas: 4, paused: false, pasued: true };
    const updated = c.update(deploymentsOf(c), "default", "web", body, { fieldValidation: "Ignore", warnings: quiet });
    expect(quiet).toEqual([]);
    expect(updated.spec).toMatchObject({ replicas: 4, paused: false });
    expect(updated.spec).not.toHaveProperty("pasued");
  });

  it("refuses a value of the wrong type with 400 whatever fieldValidation says, on create and update", () => {
    const c = cluster();
    for (const fieldValidation of ["Strict", "Warn", "Ignore"] as FieldValidation[])
      expect(
        refusal(() => c.create(deploymentsOf(c), "default", deployment({ replicas: "2" }), { fieldValidation })),
      ).toMatchObject({
        code: 400,
        message:
          'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
      });
    c.create(deploymentsOf(c), "default", deployment());
    const current = c.get(deploymentsOf(c), "default", "web");
    const e = refusal(() =>
      c.update(deploymentsOf(c), "default", "web", { ...current, metadata: { ...current.metadata, labels: { a: 1 } } }),
    );
    expect(e.message).toContain("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels");
  });

  it("validates a dry run the same way, and a dry run stores nothing", () => {
    const c = cluster();
    expect(
      refusal(() =>
        c.create(deploymentsOf(c), "default", deployment({ replica: 3 }), { dryRun: true, fieldValidation: "Strict" }),
      ).message,
    ).toBe(STRICT_REPLICA);
    const warnings: string[] = [];
    c.create(deploymentsOf(c), "default", deployment({ replica: 3 }), { dryRun: true, warnings });
    expect(warnings).toEqual(['unknown field "spec.replica"']);
    expect(c.store.get(deploymentsOf(c), "default", "web")).toBeUndefined();
  });

  it("leaves kinds it has no schema for, and custom resources, to their own rules", () => {
    const c = cluster();
    const vs = c.findType("snapshot.storage.k8s.io", "v1", "volumesnapshots")!;
    const snap = { metadata: { name: "s" }, spec: { anything: 1 } };
    expect(c.create(vs, "default", snap, { fieldValidation: "Strict" }).spec).toEqual({ anything: 1 });
  });
});

describe("patch: fieldValidation on the patched object", () => {
  const setup = () => {
    const c = cluster();
    c.create(deploymentsOf(c), "default", deployment());
    return c;
  };

  it("Strict refuses a merge patch adding an unknown field with 422 on the field patch", () => {
    const c = setup();
    const e = refusal(() =>
      c.patch(
        deploymentsOf(c),
        "default",
        "web",
        "application/merge-patch+json",
        { spec: { replica: 3 } },
        {
          fieldValidation: "Strict",
        },
      ),
    );
    expect(e.code).toBe(422);
    expect(e.reason).toBe("Invalid");
    expect(e.message).toMatch(
      /^ "" is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec\.replica"$/,
    );
    expect(e.details?.causes).toEqual([
      expect.objectContaining({
        reason: "FieldValueInvalid",
        field: "patch",
        message: expect.stringContaining("strict decoding error"),
      }),
    ]);
  });

  it("shows a strategic merge patch as Go prints the patch map", () => {
    const c = setup();
    const e = refusal(() =>
      c.patch(
        deploymentsOf(c),
        "default",
        "web",
        "application/strategic-merge-patch+json",
        { spec: { replica: 3, replicas: 3 } },
        { fieldValidation: "Strict" },
      ),
    );
    expect(e.message).toBe(
      ' "" is invalid: patch: Invalid value: "map[spec:map[replica:3 replicas:3]]": strict decoding error: unknown field "spec.replica"',
    );
  });

  it("Warn drops and warns; a type error is refused in every mode", () => {
    const c = setup();
    const warnings: string[] = [];
    const patched = c.patch(
      deploymentsOf(c),
      "default",
      "web",
      "application/merge-patch+json",
      { spec: { replicas: 5, replica: 3 } },
      { warnings },
    );
    expect(warnings).toEqual(['unknown field "spec.replica"']);
    expect(patched.spec).toMatchObject({ replicas: 5 });
    expect(patched.spec).not.toHaveProperty("replica");
    const e = refusal(() =>
      c.patch(
        deploymentsOf(c),
        "default",
        "web",
        "application/json-patch+json",
        [{ op: "replace", path: "/spec/replicas", value: "many" }],
        { fieldValidation: "Ignore" },
      ),
    );
    expect(e.code).toBe(422);
    expect(e.message).toContain(
      "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
    );
  });
});

describe("server-side apply", () => {
  it("fails to type a configuration with an unknown field or a wrong type, whatever fieldValidation says (500)", () => {
    const c = cluster();
    const e = refusal(() =>
      c.apply(deploymentsOf(c), "default", "web", deployment({ replica: 3 }), { fieldManager: "kubectl" }),
    );
    expect(e).toMatchObject({
      code: 500,
      reason: "InternalError",
      message:
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema",
    });
    const typed = refusal(() =>
      c.apply(deploymentsOf(c), "default", "web", deployment({ replicas: "2" }), {
        fieldManager: "kubectl",
        dryRun: true,
      }),
    );
    expect(typed.message).toContain(".spec.replicas: expected numeric (int or float), got string");
    const quantity = deployment();
    quantity.spec.template.spec.containers[0].resources = { limits: { cpu: "1x" } };
    expect(
      refusal(() => c.apply(deploymentsOf(c), "default", "web", quantity, { fieldManager: "kubectl" })).message,
    ).toBe(
      "failed to convert new object (default/web; apps/v1, Kind=Deployment) to proper version: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(c.store.get(deploymentsOf(c), "default", "web")).toBeUndefined();
  });
});

describe("validation rules (422 Invalid)", () => {
  it("refuses a create, an update, a patch and an apply that break them, with kube's causes", () => {
    const c = cluster();
    const noSelector = deployment({ selector: undefined });
    const e = refusal(() => c.create(deploymentsOf(c), "default", noSelector));
    expect(e).toMatchObject({ code: 422, reason: "Invalid" });
    expect(e.message).toBe(
      'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
    );
    expect(e.details).toMatchObject({
      name: "web",
      group: "apps",
      kind: "Deployment",
      causes: [
        { reason: "FieldValueRequired", message: "Required value", field: "spec.selector" },
        { reason: "FieldValueInvalid", field: "spec.template.metadata.labels" },
      ],
    });
    expect(refusal(() => c.apply(deploymentsOf(c), "default", "web", noSelector, { fieldManager: "m" })).code).toBe(
      422,
    );

    c.create(deploymentsOf(c), "default", deployment());
    const noImage = { spec: { template: { spec: { containers: [{ name: "web", image: null }] } } } };
    expect(
      refusal(() => c.patch(deploymentsOf(c), "default", "web", "application/merge-patch+json", noImage)).message,
    ).toBe('Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value');
  });

  it("checks only the status on a status write, as kube does", () => {
    const c = cluster();
    const pods = c.findType("", "v1", "pods")!;
    c.create(pods, "default", { metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "b" }] } });
    // A pod stored before the rules (a controller's write straight to the store) still gets its status written.
    const stored = c.store.get(pods, "default", "p")!;
    stored.spec.containers[0].image = "";
    c.store.put(pods, stored, "MODIFIED");
    expect(refusal(() => c.update(pods, "default", "p", c.get(pods, "default", "p"))).code).toBe(422);
    const status = c.update(
      pods,
      "default",
      "p",
      { ...c.get(pods, "default", "p"), status: { phase: "Running" } },
      { subresource: "status" },
    );
    expect(status.status).toMatchObject({ phase: "Running" });
  });

  it("serves PodDisruptionBudgets, with the status a new one has", () => {
    const c = cluster();
    const pdbs = c.findType("policy", "v1", "poddisruptionbudgets")!;
    expect(pdbs).toMatchObject({ kind: "PodDisruptionBudget", namespaced: true, shortNames: ["pdb"], status: true });
    const pdb = c.create(pdbs, "default", {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web" },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
    });
    expect(pdb.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    const both = { metadata: { name: "both" }, spec: { minAvailable: 1, maxUnavailable: "10%" } };
    expect(refusal(() => c.create(pdbs, "default", both)).message).toContain(
      "minAvailable and maxUnavailable cannot be both set",
    );
  });
});
