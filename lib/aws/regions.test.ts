import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { AWS_REGIONS } from "./regions";

describe("the AWS regions a managed location may use", () => {
  it("are the regions of the installed SDK's partitions", () => {
    // The SDK's own partitions file (not an export of @aws-sdk/core, so read from where the package is installed).
    const core = path.dirname(createRequire(import.meta.url).resolve("@aws-sdk/core/package.json"));
    const text = fs.readFileSync(
      path.join(core, "dist-es/submodules/client/util-endpoints/lib/aws/partitions.js"),
      "utf8",
    );
    const partitionsInfo = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
    const sdk = (partitionsInfo as { partitions: { regions: Record<string, unknown> }[] }).partitions
      .flatMap((p) => Object.keys(p.regions))
      .filter((r) => !r.startsWith("aws-")) // the partitions' global pseudo-regions (aws-global, aws-cn-global, …)
      .sort();
    expect([...AWS_REGIONS]).toEqual(sdk);
  });
});
