import { describe, expect, it } from "vitest";
import { defaultPlan, parseWithoutPlugins } from "./start";

describe("the sandbox's plan", () => {
  it("leaves out the ObjectStore plugins --without-plugin names, on the clusters it names", () => {
    const plan = defaultPlan(3, { withoutPlugins: parseWithoutPlugins("sandbox-2=velero.io/azure") });
    expect(plan.map((c) => c.velero && c.velero.objectStorePlugins)).toEqual([undefined, ["velero.io/aws"], undefined]);
  });

  it("refuses what is not <cluster>=<plugin>", () => {
    expect(() => parseWithoutPlugins("sandbox-2")).toThrow(/not <cluster>=<velero.io\/aws\|velero.io\/azure>/);
    expect(() => parseWithoutPlugins("sandbox-2=velero.io/gcp")).toThrow(/sandbox-2=velero.io\/gcp/);
  });
});
