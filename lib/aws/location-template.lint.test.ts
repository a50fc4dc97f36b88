import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allTemplateOptions, optionsSlug, templateYaml } from "./location-template";

// The generated template is held to cfn-lint (AWS's CloudFormation linter, a Python tool of the machine image), every
// option combination in one run. Without cfn-lint the test is skipped and its name says why; CI machines have it.
const version = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
const missing = version.error || version.status !== 0 ? "cfn-lint is not installed (pip install cfn-lint)" : null;

describe.skipIf(Boolean(missing))(
  `the managed-location template and cfn-lint${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    it("passes cfn-lint, informational checks included, for every option combination", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lifeboat-cfn-"));
      try {
        const files = allTemplateOptions().map((o) => {
          const f = path.join(dir, `${optionsSlug(o)}.yaml`);
          fs.writeFileSync(f, templateYaml(o));
          return f;
        });
        expect(files).toHaveLength(8);
        const r = spawnSync("cfn-lint", ["--format", "json", "--include-checks", "I", "--", ...files], {
          encoding: "utf8",
          timeout: 120_000,
        });
        const findings = r.stdout.trim()
          ? (JSON.parse(r.stdout) as { Rule: { Id: string }; Message: string; Filename: string }[])
          : [];
        expect(findings.map((f) => `${path.basename(f.Filename)} ${f.Rule.Id} ${f.Message}`)).toEqual([]);
        expect([r.status, r.stderr.trim()]).toEqual([0, ""]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  },
);
