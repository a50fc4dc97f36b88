import path from "node:path";
import { ADMIN, expect, signIn, test } from "./fixtures";
import { expectAccessible } from "./a11y";
import { backUpNamespaceTo } from "./backups";
import { kubectl } from "../sandbox/testing/kubectl";

// Issue #14 §1–§3 (runs after 05-*: the group prod holds sandbox-1..3 and the location e2e-backups, written by
// sandbox-1 and ReadOnly on the others, so sandbox-2 sees sandbox-1's backups once Velero has synced them). A namespace that uses a storage class and a custom
// resource only sandbox-1 has is backed up there and restored into sandbox-2, which runs an older Kubernetes
// (v1.30.8 against v1.31.4): the pre-flight check says so, its fixes make it pass, the prediction is shown, and the
// restore's page sets what it did beside the prediction. Everything made here is removed at the end.

const kc = (name: string) => path.resolve(".data/e2e/sandbox", `${name}.kubeconfig`);
const NS = "shop";
const CRD = "widgets.shop.example.io";

const world = `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast-ssd}
provisioner: disk.csi.sandbox.io
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${CRD}}
spec:
  group: shop.example.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {color: {type: string}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
`;
const workload = `
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-settings, namespace: ${NS}}
data: {currency: EUR}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: orders, namespace: ${NS}}
spec:
  storageClassName: fast-ssd
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: shop.example.io/v1
kind: Widget
metadata: {name: blue, namespace: ${NS}}
spec: {color: blue}
---
apiVersion: shop.example.io/v1
kind: Widget
metadata: {name: red, namespace: ${NS}}
spec: {color: red}
`;

test.afterAll(async () => {
  for (const c of ["sandbox-1", "sandbox-2"])
    await kubectl(kc(c), ["delete", "namespace", NS, "--ignore-not-found", "--wait=false"]);
  await kubectl(kc("sandbox-1"), ["delete", "crd", CRD, "--ignore-not-found"]);
  await kubectl(kc("sandbox-1"), ["delete", "storageclass", "fast-ssd", "--ignore-not-found"]);
});

test("a restore into an older cluster without the namespace's storage class and CRD: checked, fixed, predicted, and its results set beside the prediction", async ({
  page,
}) => {
  for (const [manifest, what] of [
    [world, "the class, the CRD and the namespace"],
    [workload, "the workload"],
  ] as const) {
    const r = await kubectl(kc("sandbox-1"), ["apply", "-f", "-"], manifest);
    expect(r.code, `${what}: ${r.err}`).toBe(0);
  }

  await signIn(page, ADMIN);
  const backup = await backUpNamespaceTo(page, { cluster: "sandbox-1", namespace: NS, location: "e2e-backups" });

  // On the backup's page, a check of a restore into sandbox-2, before any wizard.
  await page.getByTestId(`backup-row-sandbox-1-${backup}`).getByRole("link", { name: backup }).click();
  await page.getByRole("button", { name: "Check a restore…" }).click();
  const check = page.getByRole("dialog", { name: `Check a restore of ${backup}` });
  await check.getByLabel("Restore into cluster").click();
  await page.getByRole("option", { name: /sandbox-2/ }).click();
  // sandbox-2 sees the backup once Velero has synced the shared location (within its sync period).
  await expect(async () => {
    await check.getByRole("button", { name: /^Check( again)?$/ }).click();
    await expect(check.getByTestId("preflight-verdict")).toBeVisible();
    await expect(check.getByTestId("finding-backup-not-seen")).toHaveCount(0);
  }).toPass({ timeout: 90_000 });
  await expect(check.getByTestId("finding-version-downgrade")).toContainText("v1.31.4");
  await expectAccessible(page, "restore check on a backup's page");
  await check.getByRole("link", { name: "Restore into sandbox-2…" }).click();

  // The wizard, on sandbox-2 with the backup chosen: the namespace, then the review runs the check.
  const d = page.getByRole("dialog", { name: "Restore from a backup" });
  await expect(d.getByLabel("Backup")).toContainText(backup);
  await d.getByRole("button", { name: "Next" }).click();
  await d.getByLabel("Selected namespaces").check();
  await d.getByRole("textbox", { name: "Namespaces" }).fill(NS);
  for (let i = 0; i < 3; i++) await d.getByRole("button", { name: "Next" }).click();
  await expect(d.getByTestId("preflight-verdict")).toContainText("found errors");
  await expect(d.getByTestId("finding-version-downgrade")).toContainText("older v1.30.8");
  const crd = d.getByTestId(/^finding-crd-(missing|not-restored):widgets\.shop\.example\.io$/);
  await expect(crd).toContainText("widgets.shop.example.io");
  const cls = d.getByTestId("finding-storage-class-missing:fast-ssd");
  await expect(cls).toContainText("sandbox-2 has no storage class fast-ssd");
  await expect(d.getByRole("button", { name: "Create restore" })).toBeDisabled();
  await expectAccessible(page, "restore wizard, pre-flight check with errors");

  // The fixes: leave the widgets out, map the class to sandbox-2's default.
  await crd.getByRole("button", { name: `Exclude ${CRD}` }).click();
  await expect(crd).toHaveCount(0);
  await cls.getByRole("button", { name: "Map fast-ssd to csi-standard" }).click();
  await expect(d.getByTestId("finding-storage-class-missing:fast-ssd")).toHaveCount(0);
  await expect(d.getByTestId("preflight-verdict")).toContainText("passed with warnings");
  await expect(d.getByTestId("finding-version-downgrade")).toBeVisible();
  // The prediction: what would be created in shop on sandbox-2.
  await expect(d.getByTestId("prediction-shop-ConfigMap")).toContainText("1");
  await expect(d.getByTestId("prediction-shop-PersistentVolumeClaim")).toContainText("1");
  await expect(d.getByTestId("prediction-shop-Namespace")).toContainText("1");
  await expect(d.getByTestId("prediction-shop-Widget")).toHaveCount(0);
  const manifest = d.getByLabel("Restore manifest");
  await expect(manifest).toHaveValue(/- widgets\.shop\.example\.io/);
  const name = /\n {2}name: (sandbox-2-[a-z0-9-]+)/.exec(await manifest.inputValue())![1];
  await d.getByRole("button", { name: "Create restore" }).click();

  // The restore's page: what it did beside what was predicted.
  const row = page.getByTestId(`restore-row-sandbox-2-${name}`);
  await expect(row.getByTestId("restore-phase")).toHaveText("Completed", { timeout: 30_000 });
  await row.getByRole("link", { name }).click();
  const table = page.getByRole("table", { name: "Predicted and actual outcome per namespace and kind" });
  await expect(table.getByTestId("prediction-shop-ConfigMap")).toContainText("1 created");
  await expect(table.getByTestId("prediction-shop-PersistentVolumeClaim")).toContainText("1 created");
  await expect(table.getByTestId("prediction-shop-Namespace")).toContainText("1 created");
  await expect(table).not.toContainText("not predicted");
  await expectAccessible(page, "restore with its prediction");
  const pvc = await kubectl(kc("sandbox-2"), [
    "get",
    "pvc",
    "orders",
    "-n",
    NS,
    "-o",
    "jsonpath={.spec.storageClassName}",
  ]);
  expect(pvc.out).toBe("csi-standard");

  // e2e-backups is ReadOnly on sandbox-2 (sandbox-1 writes there): deleting the synced copy there is refused, saying
  // where it can be deleted (#14 §3).
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
  const copy = page.getByTestId(`backup-row-sandbox-2-${backup}`);
  await copy.getByRole("button", { name: `Delete ${backup}` }).click();
  const confirm = page.getByRole("dialog", { name: `Delete backup ${backup}?` });
  await confirm.getByRole("button", { name: "Delete backup" }).click();
  await expect(confirm.getByRole("alert")).toContainText(
    `${backup} is stored in the location e2e-backups, which is ReadOnly on sandbox-2: sandbox-2 only restores from it`,
  );
  await expect(confirm.getByRole("alert")).toContainText("Delete the backup on sandbox-1.");
  await expectAccessible(page, "deleting a synced backup from a read-only cluster, refused");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(copy.getByTestId("backup-phase")).toHaveText("Completed");
});
