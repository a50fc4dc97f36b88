// Label selectors and field selectors, as the real kube-apiserver parses and applies them.
//
// Ported in behaviour (not in code) from k8s.io/apimachinery:
//   - pkg/labels/selector.go        (the ?labelSelector= grammar, Requirement matching)
//   - pkg/apis/meta/v1/helpers.go   (LabelSelectorAsSelector: metav1.LabelSelector → requirements)
//   - pkg/util/validation           (qualified-name / label-value rules and their messages)
//   - pkg/fields/selector.go        (the ?fieldSelector= grammar, EscapeValue/UnescapeValue)
// and from k8s.io/kubernetes pkg/apis/core/v1/conversion.go + pkg/registry/core/*/strategy.go
// (which field labels each kind accepts, and how their values are read from an object).
//
// Pure functions only: no I/O, no dependencies. Error messages follow the apiserver's wording so a
// client sees the same text in the 400 BadRequest the server wraps them in.

/** A selector the apiserver would reject; `message` is worded like the apiserver's. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

/**
 * One ANDed term of a label selector.
 * - "=" / "==" / "in": the label is present and its value is one of `values`.
 * - "!=" / "notin": the label is absent, or present with a value not in `values`.
 * - "exists": the label is present (any value); "!": the label is absent. `values` is empty for both.
 */
export type Requirement = {
  key: string;
  operator: "=" | "==" | "!=" | "in" | "notin" | "exists" | "!";
  values: string[];
};

// ---------------------------------------------------------------------------------------------
// Validation (k8s.io/apimachinery/pkg/util/validation), with the upstream messages verbatim.
// ---------------------------------------------------------------------------------------------

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX = 253;

const utf8 = new TextEncoder();
/** Go's len(): lengths are limits on bytes, not UTF-16 units. */
const byteLength = (s: string) => utf8.encode(s).length;

const maxLenError = (n: number) => `must be no more than ${n} characters`;
/** validation.RegexError — including its odd "'x',  or 'y', " punctuation. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;
}

function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(value))
    errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"));
  return errs;
}

/** validation.IsQualifiedName: a label key, `[prefix/]name` with a DNS-subdomain prefix. */
function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (byteLength(name) > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME_RE.test(name))
    errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  return errs;
}

/** validation.IsValidLabelValue: empty, or ≤63 alphanumerics plus -_. starting and ending alphanumeric. */
function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  return errs;
}

/** Go's %q, near enough (JSON escaping differs only for control characters). */
const quote = (s: string) => JSON.stringify(s);
/** Go's %#v of a []string, as field.Invalid prints a bad values list. */
const goStringSlice = (v: string[]) => (v.length === 0 ? "[]string(nil)" : `[]string{${v.map(quote).join(", ")}}`);
/** field.Invalid(path, value, detail).Error() */
const invalid = (path: string, value: string, detail: string) => `${path}: Invalid value: ${value}: ${detail}`;

/** utilerrors.NewAggregate(...).Error(): one message as is, several as "[a, b]" (duplicates dropped). */
function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(", ")}]`;
}

/**
 * labels.NewRequirement: validates key, operator arity and every value; all problems are reported
 * together. Paths are relative ("key", "values[0][app]") because the apiserver passes no base path.
 */
function newRequirement(key: string, operator: Requirement["operator"], values: string[]): Requirement {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) errs.push(invalid("key", quote(key), keyErrs.join("; ")));
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0)
        errs.push(invalid("values", goStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1)
        errs.push(invalid("values", goStringSlice(values), "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (values.length !== 0)
        errs.push(invalid("values", goStringSlice(values), "values set must be empty for exists and does not exist"));
      break;
  }
  values.forEach((v, i) => {
    const vErrs = labelValueErrors(v);
    if (vErrs.length) errs.push(invalid(`values[${i}][${key}]`, quote(v), vErrs.join("; ")));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  return { key, operator, values };
}

/** The apiserver sorts requirements by key (deterministic String() and matching order). */
const byKey = (reqs: Requirement[]) => reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

// ---------------------------------------------------------------------------------------------
// ?labelSelector= : lexer
// ---------------------------------------------------------------------------------------------

type TokenKind = "eos" | "ident" | "in" | "notin" | "(" | ")" | "," | "!" | "=" | "==" | "!=" | ">" | "<";
interface Token {
  kind: TokenKind;
  lit: string;
}

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
/** Characters that end an identifier and start an operator token. */
const isSpecial = (ch: string) =>
  ch === "=" || ch === "!" || ch === "(" || ch === ")" || ch === "," || ch === ">" || ch === "<";

/**
 * Splits a selector into tokens the way labels.Lexer does: whitespace separates tokens; a run of
 * special characters yields the longest operator it starts with ("!=", "==", else one character);
 * anything else up to whitespace or a special character is an identifier, except the keywords
 * "in" and "notin" (which the parser turns back into identifiers where a value is expected).
 */
function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      tokens.push({ kind: "eos", lit: "" });
      return tokens;
    }
    if (isSpecial(s[pos])) {
      const two = s.slice(pos, pos + 2);
      const lit = two === "==" || two === "!=" ? two : s[pos];
      tokens.push({ kind: lit as TokenKind, lit });
      pos += lit.length;
      continue;
    }
    const start = pos;
    while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) pos++;
    const lit = s.slice(start, pos);
    tokens.push({ kind: lit === "in" || lit === "notin" ? lit : "ident", lit });
  }
}

// ---------------------------------------------------------------------------------------------
// ?labelSelector= : parser (labels.Parser)
// ---------------------------------------------------------------------------------------------

/**
 * Where the parser is decides what "in"/"notin" mean: after a key they are operators; anywhere a
 * key or value is expected they are plain identifiers (so `in=notin` and `x in (in)` are legal).
 */
type Context = "keyAndOperator" | "values";

const SUPPORTED_BINARY_OPERATORS = "in, notin, =, ==, !=";

class LabelParser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private token(context: Context, advance: boolean): Token {
    // Never run past the end-of-string token: reading on keeps returning it.
    const t = this.tokens[Math.min(this.position, this.tokens.length - 1)];
    if (advance && this.position < this.tokens.length) this.position++;
    if (context === "values" && (t.kind === "in" || t.kind === "notin")) return { kind: "ident", lit: t.lit };
    return t;
  }
  private lookahead(context: Context): Token {
    return this.token(context, false);
  }
  private consume(context: Context): Token {
    return this.token(context, true);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.lookahead("values");
      if (t.kind === "eos") return reqs;
      if (t.kind !== "ident" && t.kind !== "!")
        throw new SelectorError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.parseRequirement());
      } catch (e) {
        if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const next = this.consume("values");
      if (next.kind === "eos") return reqs;
      if (next.kind !== ",") throw new SelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
      const after = this.lookahead("values");
      // A trailing or doubled comma ("a,", "a,,b") is an error, not an empty requirement.
      if (after.kind !== "ident" && after.kind !== "!")
        throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred) return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === "in" || operator === "notin" ? this.parseValues() : this.parseExactValue();
    // Values are a set: duplicates collapse and the list is sorted, as sets.String.List() does.
    return newRequirement(key, operator, [...new Set(values)].sort());
  }

  /**
   * `!key` → "!"; `key` followed by "," or end → "exists"; otherwise no operator yet (one follows).
   * Note `!key=v` yields a "!" requirement and then fails on the "=" that follows it.
   */
  private parseKeyAndInferOperator(): { key: string; operator?: "!" | "exists" } {
    let operator: "!" | "exists" | undefined;
    let t = this.consume("values");
    if (t.kind === "!") {
      operator = "!";
      t = this.consume("values");
    }
    if (t.kind !== "ident") throw new SelectorError(`found '${t.lit}', expected: identifier`);
    const keyErrs = qualifiedNameErrors(t.lit);
    // The parser validates the key with a nil field path, which Go prints as "<nil>".
    if (keyErrs.length) throw new SelectorError(invalid("<nil>", quote(t.lit), keyErrs.join("; ")));
    const next = this.lookahead("values").kind;
    if ((next === "eos" || next === ",") && operator !== "!") operator = "exists";
    return { key: t.lit, operator };
  }

  private parseOperator(): "in" | "notin" | "=" | "==" | "!=" {
    const t = this.consume("keyAndOperator");
    switch (t.kind) {
      case "in":
      case "notin":
      case "=":
      case "==":
      case "!=":
        return t.kind;
      case ">":
      case "<":
        // Upstream also accepts the numeric `key>N` / `key<N` (selection.GreaterThan/LessThan);
        // this server deliberately does not, so say so rather than misreport a syntax error.
        throw new SelectorError(
          `found '${t.lit}', expected: ${SUPPORTED_BINARY_OPERATORS} (the numeric operators '>' and '<' are not supported by this server)`,
        );
      default:
        throw new SelectorError(`found '${t.lit}', expected: ${SUPPORTED_BINARY_OPERATORS}`);
    }
  }

  /**
   * `( v1, v2, ... )`. Empty entries are the empty string: `(a,,b)`, `(,a)` and `(a,)` all contain "",
   * and — as upstream — `()` is the set {""}, not an empty set (so `x in ()` means x="" and
   * `x notin ()` means x is absent or non-empty).
   */
  private parseValues(): string[] {
    let t = this.consume("values");
    if (t.kind !== "(") throw new SelectorError(`found '${t.lit}' expected: '('`);
    t = this.lookahead("values");
    if (t.kind === ")") {
      this.consume("values");
      return [""];
    }
    if (t.kind !== "ident" && t.kind !== ",")
      throw new SelectorError(`found '${t.lit}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    this.consume("values"); // the ")" parseIdentifiersList stopped at
    return values;
  }

  private parseIdentifiersList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = this.consume("values");
      if (t.kind === "ident") {
        values.push(t.lit);
        const next = this.lookahead("values");
        if (next.kind === ",") continue;
        if (next.kind === ")") return values;
        throw new SelectorError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (t.kind === ",") {
        if (values.length === 0) values.push(""); // "(,"
        const next = this.lookahead("values");
        if (next.kind === ")") {
          values.push(""); // ",)"
          return values;
        }
        if (next.kind === ",") {
          this.consume("values");
          values.push(""); // ",,"
        }
        continue;
      }
      throw new SelectorError(`found '${t.lit}', expected: ',', or identifier`);
    }
  }

  /** The single value after =, ==, != ; nothing before "," or the end means the empty string. */
  private parseExactValue(): string[] {
    const next = this.lookahead("values");
    if (next.kind === "eos" || next.kind === ",") return [""];
    const t = this.consume("values");
    if (t.kind === "ident") return [t.lit];
    throw new SelectorError(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * Parses a `?labelSelector=` string (labels.Parse). Requirements are ANDed; the result is sorted by
 * key. The empty string (or only whitespace) yields [] which matches everything.
 * Throws SelectorError with the apiserver's message on invalid input.
 */
export function parseLabelSelector(s: string): Requirement[] {
  return byKey(new LabelParser(lex(s)).parse());
}

// ---------------------------------------------------------------------------------------------
// metav1.LabelSelector
// ---------------------------------------------------------------------------------------------

const OBJECT_OPERATORS: Record<string, Requirement["operator"]> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * Converts a metav1.LabelSelector (spec.selector of a Deployment, StatefulSet, Job,
 * PodDisruptionBudget, ...) to requirements, like metav1.LabelSelectorAsSelector:
 * matchLabels become `key=value` terms, ANDed with matchExpressions (In/NotIn need ≥1 value,
 * Exists/DoesNotExist take none). `{}` (no terms) matches everything.
 *
 * Difference from upstream, on purpose: upstream maps a nil selector to labels.Nothing() (matches
 * no object); here null/undefined returns [] which matches EVERYTHING. Callers for which "nil
 * selector selects nothing" matters (e.g. a PodDisruptionBudget or ReplicaSet with no selector)
 * must check for null/undefined themselves before calling this.
 *
 * Invalid selectors throw SelectorError (the first invalid term's message, as upstream).
 */
export function labelSelectorFromObject(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
      }
    | undefined
    | null,
): Requirement[] {
  if (sel == null) return [];
  const reqs: Requirement[] = [];
  // Upstream walks a Go map (random order); sort so that the reported error is deterministic.
  for (const key of Object.keys(sel.matchLabels ?? {}).sort()) {
    const value: unknown = sel.matchLabels![key];
    if (typeof value !== "string")
      throw new SelectorError(invalid(`matchLabels[${key}]`, quote(String(value)), "must be a string"));
    reqs.push(newRequirement(key, "=", [value]));
  }
  for (const expr of sel.matchExpressions ?? []) {
    const operator = Object.hasOwn(OBJECT_OPERATORS, expr.operator) ? OBJECT_OPERATORS[expr.operator] : undefined;
    if (!operator) throw new SelectorError(`${quote(String(expr.operator))} is not a valid label selector operator`);
    // Values are kept as given (no sorting or de-duplication), like NewRequirement.
    reqs.push(newRequirement(expr.key ?? "", operator, [...(expr.values ?? [])]));
  }
  return byKey(reqs);
}

// ---------------------------------------------------------------------------------------------
// Label matching
// ---------------------------------------------------------------------------------------------

/**
 * True if every requirement matches the labels (an empty list matches everything, including an
 * object without labels). "!=" and "notin" also match objects that do not carry the label at all.
 */
export function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const ls = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(ls, r.key);
    const value = has ? ls[r.key] : undefined;
    switch (r.operator) {
      case "=":
      case "==":
      case "in":
        return has && r.values.includes(value as string);
      case "!=":
      case "notin":
        return !has || !r.values.includes(value as string);
      case "exists":
        return has;
      case "!":
        return !has;
      default:
        return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// ?fieldSelector=
// ---------------------------------------------------------------------------------------------

/** Reads one selectable field from an API object (v1 JSON shape); undefined counts as "". */
export type FieldGetter = (obj: any) => string | undefined;

/** fields.EscapeValue: makes any literal usable as a field selector value (`\` → `\\`, `,` → `\,`, `=` → `\=`). */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue: the inverse of escapeFieldValue; a bare `,`/`=` or an unknown `\x` is an error. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=")
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Upstream prints the rune's code point here (e.g. "61"); the character itself is clearer.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas that are not backslash-escaped, keeping escapes in the pieces. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/**
 * Splits `lhs<op>rhs` at the FIRST position where any operator starts, trying "!=" then "==" then
 * "=" at each position. The field name cannot be escaped; the raw rhs is returned for unescaping.
 */
function splitTerm(term: string): { field: string; op: "!=" | "==" | "="; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, raw: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Parses a `?fieldSelector=` string against the fields a kind supports and returns a predicate.
 *
 * Grammar (fields.ParseSelector): comma-separated `field=value`, `field==value`, `field!=value`, ANDed;
 * empty terms are skipped (so "" matches everything); no set-based operators; no whitespace trimming
 * (" status.phase=x" names the field " status.phase", which is unsupported — as upstream). Values may
 * be escaped with fields.EscapeValue. A field the object lacks compares as "" (so `spec.nodeName=`
 * selects unscheduled pods and `spec.nodeName!=` scheduled ones).
 *
 * Errors, in the apiserver's words and order (all terms are parsed before any field is checked):
 * `invalid selector: '<s>'; can't understand '<term>'`, `invalid field selector: ...` for bad
 * escapes, then `field label not supported: <field>`.
 */
export function parseFieldSelector(s: string, supported: Record<string, FieldGetter>): (obj: any) => boolean {
  // Upstream sorts the terms first, which decides which bad term is reported when there are several.
  const parts = splitTerms(s).sort();
  const terms: { field: string; negate: boolean; value: string }[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    terms.push({ field: t.field, negate: t.op === "!=", value: unescapeFieldValue(t.raw) });
  }
  const checks = terms.map((t) => {
    if (!Object.hasOwn(supported, t.field)) throw new SelectorError(`field label not supported: ${t.field}`);
    const get = supported[t.field];
    return (obj: any) => ((get(obj) ?? "") === t.value) !== t.negate;
  });
  return (obj: any) => checks.every((check) => check(obj));
}

// ---------------------------------------------------------------------------------------------
// Selectable fields per kind. Getters read the v1 JSON object as stored; they apply no defaults
// (e.g. spec.restartPolicy "Always", Secret type "Opaque") — defaulting on create is the server's job.
// ---------------------------------------------------------------------------------------------

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Every kind without its own list (runtime.DefaultMetaV1FieldSelectorConversion). */
export const COMMON_FIELDS: Record<string, FieldGetter> = {
  "metadata.name": (o) => str(o?.metadata?.name),
  // "" for cluster-scoped objects, so `metadata.namespace=` matches them all.
  "metadata.namespace": (o) => str(o?.metadata?.namespace),
};

const podNodeName: FieldGetter = (o) => str(o?.spec?.nodeName);

/** core/v1 Pod (pod.ToSelectableFields + the Pod field-label conversion). */
export const POD_FIELDS: Record<string, FieldGetter> = {
  ...COMMON_FIELDS,
  "spec.nodeName": podNodeName,
  // Old v1 clients send spec.host; the apiserver rewrites it to spec.nodeName.
  "spec.host": podNodeName,
  "spec.restartPolicy": (o) => str(o?.spec?.restartPolicy),
  "spec.schedulerName": (o) => str(o?.spec?.schedulerName),
  "spec.serviceAccountName": (o) => str(o?.spec?.serviceAccountName),
  "spec.hostNetwork": (o) => String(o?.spec?.hostNetwork === true),
  "status.phase": (o) => str(o?.status?.phase),
  // The primary IP: status.podIPs[0] (what the apiserver reads), else the legacy status.podIP.
  "status.podIP": (o) => str(o?.status?.podIPs?.[0]?.ip) ?? str(o?.status?.podIP),
  // Accepted by the apiserver (the conversion serves the downward API too) but never put in the
  // selectable field set, so it always compares as "".
  "status.podIPs": () => undefined,
  "status.nominatedNodeName": (o) => str(o?.status?.nominatedNodeName),
};

/** core/v1 Event (event.ToSelectableFields). */
export const EVENT_FIELDS: Record<string, FieldGetter> = {
  ...COMMON_FIELDS,
  "involvedObject.kind": (o) => str(o?.involvedObject?.kind),
  "involvedObject.namespace": (o) => str(o?.involvedObject?.namespace),
  "involvedObject.name": (o) => str(o?.involvedObject?.name),
  "involvedObject.uid": (o) => str(o?.involvedObject?.uid),
  "involvedObject.apiVersion": (o) => str(o?.involvedObject?.apiVersion),
  "involvedObject.resourceVersion": (o) => str(o?.involvedObject?.resourceVersion),
  "involvedObject.fieldPath": (o) => str(o?.involvedObject?.fieldPath),
  reason: (o) => str(o?.reason),
  reportingComponent: (o) => str(o?.reportingComponent),
  // source.component, falling back to reportingComponent when empty (as the registry does).
  source: (o) => str(o?.source?.component) || str(o?.reportingComponent),
  type: (o) => str(o?.type),
};

/** core/v1 Secret. */
export const SECRET_FIELDS: Record<string, FieldGetter> = {
  ...COMMON_FIELDS,
  type: (o) => str(o?.type),
};

/**
 * core/v1 Namespace. Upstream's Namespace conversion accepts only metadata.name and status.phase:
 * `metadata.namespace` is rejected ("field label not supported") for namespaces, so it is not here.
 */
export const NAMESPACE_FIELDS: Record<string, FieldGetter> = {
  "metadata.name": COMMON_FIELDS["metadata.name"],
  "status.phase": (o) => str(o?.status?.phase),
};

/** core/v1 Node: metadata.name and spec.unschedulable ("true"/"false"); no metadata.namespace. */
export const NODE_FIELDS: Record<string, FieldGetter> = {
  "metadata.name": COMMON_FIELDS["metadata.name"],
  "spec.unschedulable": (o) => String(o?.spec?.unschedulable === true),
};

/** core/v1 Service. */
export const SERVICE_FIELDS: Record<string, FieldGetter> = {
  ...COMMON_FIELDS,
  "spec.clusterIP": (o) => str(o?.spec?.clusterIP),
  "spec.type": (o) => str(o?.spec?.type),
};

/**
 * Field sets by the names ResourceType.fieldSelectors uses ("pod", "event", ...). Look up with
 * fieldsFor(), which falls back to COMMON_FIELDS for kinds with no list of their own.
 */
export const FIELD_SETS: Record<string, Record<string, FieldGetter>> = {
  pod: POD_FIELDS,
  event: EVENT_FIELDS,
  secret: SECRET_FIELDS,
  namespace: NAMESPACE_FIELDS,
  node: NODE_FIELDS,
  service: SERVICE_FIELDS,
};

export function fieldsFor(name: string | undefined): Record<string, FieldGetter> {
  return name !== undefined && Object.hasOwn(FIELD_SETS, name) ? FIELD_SETS[name] : COMMON_FIELDS;
}
