import { describe, expect, it } from "vitest";
import { parseEnvFile } from "../../../sandbox/storage/object-store";
import { azureCredentialsFile, CredentialsFileError, envLine } from "./credentials-file";

// The file is read by godotenv in Velero (1.3) and in the plugin (1.4), and 1.5 in newer builds. The sandbox's own
// env-file reader (sandbox/storage/object-store.ts) is not exported, so the round trips below go through small ports
// of godotenv's value rules, one per parser generation; the sandbox reads the file in probe.integration.test.ts.

const VAR = /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g;
const expand = (v: string, vars: Record<string, string>) =>
  v.replace(VAR, (s, esc, _d, paren, name) => (esc || paren ? s.slice(1) : name ? (vars[name] ?? "") : s));
const unescapeDouble = (v: string) =>
  v.replace(/\\./g, (m) => (m === "\\n" ? "\n" : m === "\\r" ? "\r" : m)).replace(/\\([^$])/g, "$1");

/** godotenv 1.3/1.4 (line-based: comments cut by counting quotes between hashes; parseValue). */
function parseGodotenv14(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (line.includes("#")) {
      let open = false;
      const keep: string[] = [];
      for (const seg of line.split("#")) {
        if (seg.split('"').length === 2 || seg.split("'").length === 2) {
          if (open) {
            open = false;
            keep.push(seg);
          } else open = true;
        }
        if (keep.length === 0 || open) keep.push(seg);
      }
      line = keep.join("#");
    }
    const eq = line.indexOf("=");
    const key = line.slice(0, eq).trim();
    let v = line.slice(eq + 1).replace(/^ +| +$/g, "");
    if (v.length > 1) {
      const single = /^'(.*)'$/.exec(v);
      const double = /^"(.*)"$/.exec(v);
      if (single || double) v = v.slice(1, -1);
      if (double) v = unescapeDouble(v);
      if (!single) v = expand(v, out);
    }
    out[key] = v;
  }
  return out;
}

/** godotenv 1.5 (parser.go: quoted values end at the first unescaped quote; unquoted lose a " #" comment). */
function parseGodotenv15(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let src = text.replaceAll("---\n", "\n").replaceAll("\r\n", "\n");
  for (;;) {
    src = src.replace(/^\s+/, "");
    if (!src) return out;
    if (src.startsWith("#")) {
      const nl = src.indexOf("\n");
      if (nl === -1) return out;
      src = src.slice(nl);
      continue;
    }
    const eq = src.indexOf("=");
    const key = src.slice(0, eq).trim();
    src = src.slice(eq + 1).replace(/^[ \t]+/, "");
    const quote = src[0] === "'" || src[0] === '"' ? src[0] : null;
    if (!quote) {
      const nl = src.search(/[\r\n]/);
      const end = nl === -1 ? src.length : nl;
      let value = src.slice(0, end);
      // The last " #" starts a comment (parser.go scans back from the line's end).
      const comment = Math.max(value.lastIndexOf(" #"), value.lastIndexOf("\t#"));
      if (comment !== -1) value = value.slice(0, comment);
      out[key] = expand(value.trim(), out);
      src = src.slice(end);
      continue;
    }
    let i = 1;
    while (i < src.length && !(src[i] === quote && src[i - 1] !== "\\")) i++;
    if (i >= src.length) throw new Error(`unterminated quoted value for ${key}`);
    const inner = src.slice(1, i);
    out[key] = quote === '"' ? expand(unescapeDouble(inner), out) : inner;
    src = src.slice(i + 1);
  }
}

const PARSERS = { "godotenv 1.3/1.4": parseGodotenv14, "godotenv 1.5": parseGodotenv15 };

describe("envLine", () => {
  it.each([
    ["an account key", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="],
    ["a GUID", "6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b"],
    ["a generated client secret", "Ab8Q~x.Yz_0-1:2@3"],
    ["an empty value", ""],
  ])("writes %s plainly", (_what, value) => {
    expect(envLine("AZURE_X", value)).toBe(`AZURE_X=${value}\n`);
  });

  it.each([
    ["a dollar (godotenv expands $VAR)", "ab$HOME"],
    ["a hash after a space (a comment)", "ab #cd"],
    ["a hash", "ab#cd"],
    ["a space", "a b"],
    ["leading and trailing spaces", "  ab  "],
    ["a double quote", 'a"b'],
    ["a backslash inside", "a\\nb"],
    ["a backtick and a bang", "a`b!c"],
    ['a plain value ending in "---" (a YAML marker to 1.5)', "abc---"],
    ["non-ASCII", "grüße€"],
  ])("single-quotes a value with %s", (_what, value) => {
    expect(envLine("AZURE_CLIENT_SECRET", value)).toBe(`AZURE_CLIENT_SECRET='${value}'\n`);
  });

  it.each([
    ["a single quote", "it's-secret-42"],
    ["a line break", "first-half-42\nAZURE_TENANT_ID=evil"],
    ["a line break", "with-carriage-42\rreturn"],
    ["a NUL character", "nul-secret-42\0tail"],
    ["a trailing backslash", "ends-in-backslash-42\\"],
    ['both a double quote and "#"', 'quo"te#hash-42'],
  ])("refuses a value with %s, naming the variable and never the value", (why, value) => {
    let thrown: unknown;
    try {
      envLine("AZURE_CLIENT_SECRET", value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CredentialsFileError);
    const err = thrown as CredentialsFileError;
    expect(err.variable).toBe("AZURE_CLIENT_SECRET");
    expect(err.message).toContain(`AZURE_CLIENT_SECRET holds ${why}`);
    expect(err.message).not.toContain("42");
    expect(JSON.stringify(err)).not.toContain("42");
  });

  it("refuses a variable name godotenv would not read, without repeating it", () => {
    expect(() => envLine("azure-key", "x")).toThrow(CredentialsFileError);
    expect(() => envLine("A=B", "x")).toThrow(/must match/);
  });

  const tricky = [
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "ab$c d#e~",
    "$(whoami) ${HOME} \\$x",
    "  padded  ",
    'a"b"c',
    "#leading-hash",
    "a #b #c",
    "a\\b\\c",
    "abc---",
    "x:y=z",
    "grüße€",
  ];
  for (const [name, parse] of Object.entries(PARSERS)) {
    it(`round-trips every value it writes through ${name}`, () => {
      const text = tricky.map((v, i) => envLine(`V${i}`, v)).join("");
      expect(parse(text)).toEqual(Object.fromEntries(tricky.map((v, i) => [`V${i}`, v])));
    });
  }

  it("the ports are faithful enough to show why the refusals exist", () => {
    // 1.5 reads \' as an escaped quote, so a quoted trailing backslash never ends.
    expect(() => parseGodotenv15("K='a\\'\n")).toThrow(/unterminated/);
    // 1.3/1.4 cut part of a value holding '"' and '#'.
    expect(parseGodotenv14(`K='a#"b#c#d'\n`).K).not.toBe('a#"b#c#d');
    // Unquoted, both expand variables and 1.5 drops a YAML marker.
    expect(parseGodotenv15("A=1\nK=x$A\n").K).toBe("x1");
    expect(parseGodotenv15("K=abc---\n").K).toBe("abc");
  });
});

describe("azureCredentialsFile", () => {
  const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  it("writes an account key for the public cloud: the key and the cloud name, no AZURE_ENVIRONMENT", () => {
    expect(azureCredentialsFile({ kind: "AZURE_STORAGE_KEY", accountKey: key, cloud: "AzurePublicCloud" })).toEqual({
      content: `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${key}\nAZURE_CLOUD_NAME=AzurePublicCloud\n`,
      secrets: [key],
    });
  });

  it.each(["AzureUSGovernmentCloud", "AzureChinaCloud"] as const)("adds AZURE_ENVIRONMENT for %s", (cloud) => {
    const { content } = azureCredentialsFile({ kind: "AZURE_STORAGE_KEY", accountKey: key, cloud });
    expect(content).toBe(
      `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${key}\nAZURE_CLOUD_NAME=${cloud}\nAZURE_ENVIRONMENT=${cloud}\n`,
    );
  });

  it("writes a service principal's six variables, with the client secret as its only secret", () => {
    const sp = {
      kind: "AZURE_SERVICE_PRINCIPAL" as const,
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      clientId: "6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
      clientSecret: "Ab8Q~x.Yz_0-1 #2$3",
      subscriptionId: "00000000-1111-2222-3333-444444444444",
      resourceGroup: "rg-velero",
      cloud: "AzureChinaCloud" as const,
    };
    const file = azureCredentialsFile(sp);
    expect(file.secrets).toEqual([sp.clientSecret]);
    expect(file.content).toBe(
      [
        `AZURE_SUBSCRIPTION_ID=${sp.subscriptionId}`,
        `AZURE_TENANT_ID=${sp.tenantId}`,
        `AZURE_CLIENT_ID=${sp.clientId}`,
        `AZURE_CLIENT_SECRET='${sp.clientSecret}'`,
        `AZURE_RESOURCE_GROUP=rg-velero`,
        `AZURE_CLOUD_NAME=AzureChinaCloud`,
        `AZURE_ENVIRONMENT=AzureChinaCloud`,
        "",
      ].join("\n"),
    );
    for (const parse of Object.values(PARSERS))
      expect(parse(file.content)).toMatchObject({ AZURE_CLIENT_SECRET: sp.clientSecret, AZURE_TENANT_ID: sp.tenantId });
  });

  it("reads back a service principal's every variable through the sandbox's Velero stand-in's parser", () => {
    const sp = {
      kind: "AZURE_SERVICE_PRINCIPAL" as const,
      tenantId: "contoso.onmicrosoft.com",
      clientId: "6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
      clientSecret: "Q9w8Q~abc.DEF_ghi-JKL $x #y",
      subscriptionId: "00000000-1111-2222-3333-444444444444",
      resourceGroup: "rg.velero(prod)",
      cloud: "AzureUSGovernmentCloud" as const,
    };
    expect(parseEnvFile(azureCredentialsFile(sp).content)).toEqual({
      AZURE_SUBSCRIPTION_ID: sp.subscriptionId,
      AZURE_TENANT_ID: sp.tenantId,
      AZURE_CLIENT_ID: sp.clientId,
      AZURE_CLIENT_SECRET: sp.clientSecret,
      AZURE_RESOURCE_GROUP: sp.resourceGroup,
      AZURE_CLOUD_NAME: "AzureUSGovernmentCloud",
      AZURE_ENVIRONMENT: "AzureUSGovernmentCloud",
    });
  });

  it("refuses a client secret the file cannot carry, without quoting it", () => {
    const secret = "it's-a-secret-9";
    let thrown: unknown;
    try {
      azureCredentialsFile({
        kind: "AZURE_SERVICE_PRINCIPAL",
        tenantId: "t",
        clientId: "c",
        clientSecret: secret,
        subscriptionId: "s",
        resourceGroup: "rg",
        cloud: "AzurePublicCloud",
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CredentialsFileError);
    expect((thrown as CredentialsFileError).variable).toBe("AZURE_CLIENT_SECRET");
    expect((thrown as Error).message).not.toContain("secret-9");
  });

  it("refuses a cloud that is not one of Azure's", () => {
    expect(() =>
      azureCredentialsFile({ kind: "AZURE_STORAGE_KEY", accountKey: key, cloud: "AzureGermanCloud" as never }),
    ).toThrow(CredentialsFileError);
  });
});
