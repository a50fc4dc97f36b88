import { describe, expect, it } from "vitest";
import {
  COMMON_FIELDS,
  escapeFieldValue,
  EVENT_FIELDS,
  fieldsFor,
  labelSelectorFromObject,
  matchesLabels,
  NAMESPACE_FIELDS,
  NODE_FIELDS,
  parseFieldSelector,
  parseLabelSelector,
  POD_FIELDS,
  SECRET_FIELDS,
  SelectorError,
  unescapeFieldValue,
  type Requirement,
} from "./selectors";

// The apiserver's validation messages, spelled out once.
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_PART =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const req = (key: string, operator: Requirement["operator"], values: string[] = []): Requirement => ({
  key,
  operator,
  values,
});

function errorOf(fn: () => unknown): SelectorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return e as SelectorError;
  }
  throw new Error("expected a SelectorError");
}

describe("parseLabelSelector: valid input", () => {
  it.each<[string, Requirement[]]>([
    ["", []],
    ["   ", []],
    ["app", [req("app", "exists")]],
    ["!app", [req("app", "!")]],
    ["app=web", [req("app", "=", ["web"])]],
    ["app==web", [req("app", "==", ["web"])]],
    ["app!=web", [req("app", "!=", ["web"])]],
    ["app=", [req("app", "=", [""])]],
    ["x= ,z= ", [req("x", "=", [""]), req("z", "=", [""])]],
    ["app!=", [req("app", "!=", [""])]],
    ["env in (prod,staging)", [req("env", "in", ["prod", "staging"])]],
    ["env notin (dev)", [req("env", "notin", ["dev"])]],
    ["env in(prod)", [req("env", "in", ["prod"])]],
    // values are a set: sorted, duplicates collapsed
    ["env in (b,a,b)", [req("env", "in", ["a", "b"])]],
    // empty members are the empty string; `()` is {""} (as upstream), not an empty set
    ["x in ()", [req("x", "in", [""])]],
    ["x notin ( )", [req("x", "notin", [""])]],
    ["x in (a,)", [req("x", "in", ["", "a"])]],
    ["x in (,a)", [req("x", "in", ["", "a"])]],
    ["x in (a,,b)", [req("x", "in", ["", "a", "b"])]],
    // whitespace (space, tab, CR, LF) around every token
    [
      "  app = web ,  tier  in  ( db , cache )  , ! legacy ",
      [req("app", "=", ["web"]), req("legacy", "!"), req("tier", "in", ["cache", "db"])],
    ],
    ["x\tnotin\n(a)\r", [req("x", "notin", ["a"])]],
    // qualified keys
    ["app.kubernetes.io/name=velero", [req("app.kubernetes.io/name", "=", ["velero"])]],
    ["this-is-a-dns.domain.com/key-with-dash", [req("this-is-a-dns.domain.com/key-with-dash", "exists")]],
    [
      "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
      [req("0.1.2.domain/99", "notin", ["10.10.100.1", "tick.tack.clock"])],
    ],
    [
      "velero.io/backup-name=nightly-20240101,!velero.io/exclude-from-backup",
      [req("velero.io/backup-name", "=", ["nightly-20240101"]), req("velero.io/exclude-from-backup", "!")],
    ],
    // in / notin are keywords only where an operator is expected
    ["in=notin", [req("in", "=", ["notin"])]],
    ["a in (x,y,notin, z,in)", [req("a", "in", ["in", "notin", "x", "y", "z"])]],
    // the result is sorted by key; repeated keys are all kept
    ["b=1,a=2,a!=3", [req("a", "=", ["2"]), req("a", "!=", ["3"]), req("b", "=", ["1"])]],
    ["Upper_Case.ok=V_1.2-x", [req("Upper_Case.ok", "=", ["V_1.2-x"])]],
    [`k=${"v".repeat(63)}`, [req("k", "=", ["v".repeat(63)])]],
  ])("%j", (s, want) => expect(parseLabelSelector(s)).toEqual(want));
});

describe("parseLabelSelector: invalid input", () => {
  it.each<[string, string]>([
    // the brief's two examples, verbatim apiserver text
    ["!(", "unable to parse requirement: found '(', expected: identifier"],
    ["app=-bad", `unable to parse requirement: values[0][app]: Invalid value: "-bad": ${LABEL_VALUE}`],
    // structure
    ["(", "found '(', expected: !, identifier, or 'end of string'"],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    ["a,,b", "found ',', expected: identifier after ','"],
    ["a in (xyz),", "found '', expected: identifier after ','"],
    ["a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!", "unable to parse requirement: found '', expected: identifier"],
    ["x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !="],
    ["x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !="],
    ["a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !="],
    ["x=(", "unable to parse requirement: found '(', expected: identifier"],
    ["a in x", "unable to parse requirement: found 'x' expected: '('"],
    ["a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ["a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ["a in (x", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ["a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"],
    // numeric comparisons are valid upstream but deliberately unsupported here
    [
      "x>1",
      "unable to parse requirement: found '>', expected: in, notin, =, ==, != (the numeric operators '>' and '<' are not supported by this server)",
    ],
    [
      "x<1",
      "unable to parse requirement: found '<', expected: in, notin, =, ==, != (the numeric operators '>' and '<' are not supported by this server)",
    ],
    // keys
    ["-bad", `unable to parse requirement: <nil>: Invalid value: "-bad": ${NAME_PART}`],
    ["bad-=x", `unable to parse requirement: <nil>: Invalid value: "bad-": ${NAME_PART}`],
    [
      `${"k".repeat(64)}=x`,
      `unable to parse requirement: <nil>: Invalid value: "${"k".repeat(64)}": name part must be no more than 63 characters`,
    ],
    ["/a", `unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty`],
    ["Example.com/a", `unable to parse requirement: <nil>: Invalid value: "Example.com/a": ${PREFIX_PART}`],
    [
      "example.com/",
      `unable to parse requirement: <nil>: Invalid value: "example.com/": name part must be non-empty; ${NAME_PART}`,
    ],
    [
      "a/b/c",
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    // values
    ["x=a||y=b", `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE}`],
    [
      `k=${"v".repeat(64)}`,
      `unable to parse requirement: values[0][k]: Invalid value: "${"v".repeat(64)}": must be no more than 63 characters`,
    ],
    ["k=a b", "found 'b', expected: ',' or 'end of string'"],
    // every bad value is reported, indexed in sorted order
    [
      "a in (ok,-y,-x)",
      `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${LABEL_VALUE}, values[1][a]: Invalid value: "-y": ${LABEL_VALUE}]`,
    ],
  ])("%j", (s, message) => expect(errorOf(() => parseLabelSelector(s)).message).toBe(message));
});

describe("matchesLabels (parsed selectors)", () => {
  const web = { app: "web", tier: "frontend", empty: "" };
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ["", web, true],
    ["", undefined, true],
    ["app=web", web, true],
    ["app==web", web, true],
    ["app=db", web, false],
    ["app=web", undefined, false],
    ["app=web,tier=frontend", web, true],
    ["app=web,tier=backend", web, false],
    // != and notin also match objects WITHOUT the label
    ["app!=db", web, true],
    ["app!=web", web, false],
    ["team!=x", web, true],
    ["team!=x", undefined, true],
    ["app notin (db,cache)", web, true],
    ["app notin (web,cache)", web, false],
    ["team notin (x)", web, true],
    ["app in (web,db)", web, true],
    ["app in (db)", web, false],
    ["team in (x)", web, false],
    ["app", web, true],
    ["team", web, false],
    ["!team", web, true],
    ["!app", web, false],
    ["!app", undefined, true],
    // the empty value
    ["empty=", web, true],
    ["empty", web, true],
    ["app=", web, false],
    ["missing=", web, false],
    ["empty!=", web, false],
    ["x in ()", { x: "" }, true],
    ["x in ()", { y: "" }, false],
    ["x notin ()", { y: "" }, true],
    ["x notin ()", { x: "" }, false],
    // labels named like Object.prototype members are not "present" by accident
    ["constructor", web, false],
    ["!toString", web, true],
  ])("%j on %j → %s", (s, labels, want) => expect(matchesLabels(parseLabelSelector(s), labels)).toBe(want));
});

describe("labelSelectorFromObject", () => {
  const labels = { app: "web", tier: "frontend" };
  it.each<[string, Parameters<typeof labelSelectorFromObject>[0], Requirement[]]>([
    ["null", null, []],
    ["undefined", undefined, []],
    ["{}", {}, []],
    ["empty parts", { matchLabels: {}, matchExpressions: [] }, []],
    [
      "matchLabels",
      { matchLabels: { tier: "frontend", app: "web" } },
      [req("app", "=", ["web"]), req("tier", "=", ["frontend"])],
    ],
    [
      "matchLabels AND matchExpressions, sorted by key",
      {
        matchLabels: { z: "1" },
        matchExpressions: [
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "app", operator: "In", values: ["web", "api"] },
          { key: "b", operator: "Exists" },
          { key: "c", operator: "DoesNotExist", values: [] },
        ],
      },
      [
        req("app", "in", ["web", "api"]),
        req("b", "exists"),
        req("c", "!"),
        req("env", "notin", ["dev"]),
        req("z", "=", ["1"]),
      ],
    ],
  ])("%s", (_name, sel, want) => expect(labelSelectorFromObject(sel)).toEqual(want));

  it.each<[string, Parameters<typeof labelSelectorFromObject>[0], boolean]>([
    ["null matches everything (callers handle nil-matches-nothing)", null, true],
    ["{} matches everything", {}, true],
    ["matchLabels hit", { matchLabels: { app: "web" } }, true],
    ["matchLabels miss", { matchLabels: { app: "db" } }, false],
    [
      "matchLabels AND expressions: both hold",
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["frontend", "x"] }] },
      true,
    ],
    [
      "matchLabels AND expressions: one fails",
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["frontend"] }] },
      false,
    ],
    ["NotIn on an absent label", { matchExpressions: [{ key: "team", operator: "NotIn", values: ["a"] }] }, true],
    ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, false],
  ])("%s", (_name, sel, want) => expect(matchesLabels(labelSelectorFromObject(sel), labels)).toBe(want));

  it.each<[string, unknown, string]>([
    [
      "In without values",
      { matchExpressions: [{ key: "a", operator: "In" }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      "NotIn with []",
      { matchExpressions: [{ key: "a", operator: "NotIn", values: [] }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      "Exists with values",
      { matchExpressions: [{ key: "a", operator: "Exists", values: ["x", "y"] }] },
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist',
    ],
    [
      "DoesNotExist with a bad value",
      { matchExpressions: [{ key: "a", operator: "DoesNotExist", values: ["-"] }] },
      `[values: Invalid value: []string{"-"}: values set must be empty for exists and does not exist, values[0][a]: Invalid value: "-": ${LABEL_VALUE}]`,
    ],
    [
      "unknown operator",
      { matchExpressions: [{ key: "a", operator: "Equals", values: ["x"] }] },
      '"Equals" is not a valid label selector operator',
    ],
    ["bad matchLabels key", { matchLabels: { "-x": "y" } }, `key: Invalid value: "-x": ${NAME_PART}`],
    ["bad matchLabels value", { matchLabels: { app: "a b" } }, `values[0][app]: Invalid value: "a b": ${LABEL_VALUE}`],
    [
      "bad expression key",
      { matchExpressions: [{ key: "", operator: "Exists" }] },
      `key: Invalid value: "": name part must be non-empty; ${NAME_PART}`,
    ],
    [
      "non-string matchLabels value",
      { matchLabels: { app: 3 } },
      'matchLabels[app]: Invalid value: "3": must be a string',
    ],
  ])("%s → SelectorError", (_name, sel, message) =>
    expect(errorOf(() => labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0])).message).toBe(
      message,
    ),
  );
});

const pod = (
  name: string,
  over: { phase?: string; nodeName?: string; podIP?: string; hostNetwork?: boolean; namespace?: string } = {},
) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: over.namespace ?? "default" },
  spec: {
    nodeName: over.nodeName,
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    serviceAccountName: "velero",
    hostNetwork: over.hostNetwork,
  },
  status: { phase: over.phase, ...(over.podIP ? { podIP: over.podIP, podIPs: [{ ip: over.podIP }] } : {}) },
});
const PODS = [
  pod("running", { phase: "Running", nodeName: "node-1", podIP: "10.0.0.1" }),
  pod("pending", { phase: "Pending" }),
  pod("done", { phase: "Succeeded", nodeName: "node-2", namespace: "velero", hostNetwork: true }),
  pod("failed", { phase: "Failed", nodeName: "node-1" }),
];
const selectPods = (s: string) => PODS.filter(parseFieldSelector(s, POD_FIELDS)).map((p) => p.metadata.name);

describe("parseFieldSelector on pods", () => {
  it.each<[string, string[]]>([
    ["", ["running", "pending", "done", "failed"]],
    [",", ["running", "pending", "done", "failed"]],
    ["status.phase=Running", ["running"]],
    ["status.phase==Running", ["running"]],
    ["status.phase!=Running", ["pending", "done", "failed"]],
    ["status.phase!=Succeeded,status.phase!=Failed", ["running", "pending"]],
    ["status.phase=Running,status.phase=Pending", []],
    ["status.phase=running", []], // values are case-sensitive
    ["spec.nodeName=node-1", ["running", "failed"]],
    ["spec.nodeName=", ["pending"]], // absent fields compare as ""
    ["spec.nodeName!=", ["running", "done", "failed"]],
    ["spec.host=node-2", ["done"]], // legacy alias of spec.nodeName
    ["metadata.name=done", ["done"]],
    ["metadata.namespace=velero", ["done"]],
    ["metadata.namespace=default,spec.nodeName=node-1,status.phase=Failed", ["failed"]],
    ["spec.restartPolicy=Always", ["running", "pending", "done", "failed"]],
    ["spec.schedulerName=default-scheduler,spec.serviceAccountName=velero", ["running", "pending", "done", "failed"]],
    ["spec.hostNetwork=true", ["done"]],
    ["spec.hostNetwork=false", ["running", "pending", "failed"]],
    ["status.podIP=10.0.0.1", ["running"]],
    ["status.podIPs=", ["running", "pending", "done", "failed"]],
    ["status.nominatedNodeName=", ["running", "pending", "done", "failed"]],
  ])("%j → %j", (s, want) => expect(selectPods(s)).toEqual(want));

  it.each<[string, string]>([
    ["foo=bar", "field label not supported: foo"],
    ["metadata.labels=x", "field label not supported: metadata.labels"],
    [" status.phase=Running", "field label not supported:  status.phase"], // no trimming, as upstream
    ["=x", "field label not supported: "],
    ["status.phase", "invalid selector: 'status.phase'; can't understand 'status.phase'"],
    [
      "status.phase in (Running)",
      "invalid selector: 'status.phase in (Running)'; can't understand 'status.phase in (Running)'",
    ],
    ["metadata.name=a,bad", "invalid selector: 'metadata.name=a,bad'; can't understand 'bad'"],
    // every term is parsed before any field is checked; terms are taken in sorted order
    ["aaa=1,zzz", "invalid selector: 'aaa=1,zzz'; can't understand 'zzz'"],
    ["zzz=1,aaa=2", "field label not supported: aaa"],
    // escaping
    ["metadata.name=a=b", "invalid field selector: unescaped character in value: ="],
    ["metadata.name===b", "invalid field selector: unescaped character in value: ="],
    ["metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"],
  ])("%j → SelectorError", (s, message) =>
    expect(errorOf(() => parseFieldSelector(s, POD_FIELDS)).message).toBe(message),
  );
});

describe("field selector escaping", () => {
  it.each<[string, string]>([
    ["plain", "plain"],
    ["a,b", "a\\,b"],
    ["a=b", "a\\=b"],
    ["a\\b", "a\\\\b"],
    ["x=,\\y", "x\\=\\,\\\\y"],
    ["", ""],
  ])("%j ⇄ %j", (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it.each<[string, string]>([
    ["Back-off, restarting=yes \\o/", "reason"],
    ["a,b", "reason"],
    ["x==y", "reason"],
  ])("an escaped value %j selects the object carrying it", (value, field) => {
    const events = [
      { metadata: { name: "e1", namespace: "ns" }, [field]: value },
      { metadata: { name: "e2", namespace: "ns" }, [field]: "other" },
    ];
    const match = parseFieldSelector(`${field}=${escapeFieldValue(value)},metadata.namespace=ns`, EVENT_FIELDS);
    expect(events.filter(match).map((e) => e.metadata.name)).toEqual(["e1"]);
    const notMatch = parseFieldSelector(`${field}!=${escapeFieldValue(value)}`, EVENT_FIELDS);
    expect(events.filter(notMatch).map((e) => e.metadata.name)).toEqual(["e2"]);
  });
});

describe("field sets of other kinds", () => {
  const event = {
    metadata: { name: "velero.17a", namespace: "velero" },
    involvedObject: {
      kind: "Pod",
      namespace: "velero",
      name: "velero-0",
      uid: "u-1",
      apiVersion: "v1",
      resourceVersion: "42",
      fieldPath: "spec.containers{velero}",
    },
    reason: "BackOff",
    type: "Warning",
    source: {},
    reportingComponent: "kubelet",
  };
  it.each<[string, Record<string, unknown>, Record<string, any>, boolean]>([
    ["involvedObject.kind=Pod,involvedObject.name=velero-0,involvedObject.namespace=velero", EVENT_FIELDS, event, true],
    [
      "involvedObject.uid=u-1,involvedObject.apiVersion=v1,involvedObject.resourceVersion=42",
      EVENT_FIELDS,
      event,
      true,
    ],
    ["involvedObject.fieldPath=spec.containers{velero}", EVENT_FIELDS, event, true],
    ["reason=BackOff,type=Warning", EVENT_FIELDS, event, true],
    ["type!=Normal", EVENT_FIELDS, event, true],
    ["reportingComponent=kubelet", EVENT_FIELDS, event, true],
    ["source=kubelet", EVENT_FIELDS, event, true], // falls back to reportingComponent
    ["source=scheduler", EVENT_FIELDS, { ...event, source: { component: "scheduler" } }, true],
    ["type=kubernetes.io/tls", SECRET_FIELDS, { metadata: { name: "s" }, type: "kubernetes.io/tls" }, true],
    ["type!=Opaque,metadata.name=s", SECRET_FIELDS, { metadata: { name: "s" }, type: "kubernetes.io/tls" }, true],
    [
      "status.phase=Terminating",
      NAMESPACE_FIELDS,
      { metadata: { name: "ns" }, status: { phase: "Terminating" } },
      true,
    ],
    [
      "metadata.name=ns,status.phase=Active",
      NAMESPACE_FIELDS,
      { metadata: { name: "ns" }, status: { phase: "Terminating" } },
      false,
    ],
    ["spec.unschedulable=false", NODE_FIELDS, { metadata: { name: "n" }, spec: {} }, true],
    ["metadata.namespace=", COMMON_FIELDS, { metadata: { name: "cluster-scoped" } }, true],
  ])("%j", (s, fields, obj, want) => expect(parseFieldSelector(s, fields as typeof COMMON_FIELDS)(obj)).toBe(want));

  it.each<[string, Record<string, unknown>, string]>([
    ["metadata.namespace=x", NAMESPACE_FIELDS, "field label not supported: metadata.namespace"],
    ["status.phase=Running", SECRET_FIELDS, "field label not supported: status.phase"],
    ["type=Opaque", COMMON_FIELDS, "field label not supported: type"],
    ["toString=x", COMMON_FIELDS, "field label not supported: toString"],
    ["involvedObject.foo=x", EVENT_FIELDS, "field label not supported: involvedObject.foo"],
  ])("%j → SelectorError", (s, fields, message) =>
    expect(errorOf(() => parseFieldSelector(s, fields as typeof COMMON_FIELDS)).message).toBe(message),
  );

  it.each<[string | undefined, Record<string, unknown>]>([
    ["pod", POD_FIELDS],
    ["event", EVENT_FIELDS],
    ["secret", SECRET_FIELDS],
    ["namespace", NAMESPACE_FIELDS],
    [undefined, COMMON_FIELDS],
    ["configmap", COMMON_FIELDS],
    ["constructor", COMMON_FIELDS],
  ])("fieldsFor(%j)", (name, want) => expect(fieldsFor(name)).toBe(want));
});
