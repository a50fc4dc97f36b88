import type { z } from "zod";

// A form and its tRPC procedure share one zod schema (lib/schemas), so the server's validation errors name the same
// paths the form's fields stand for. These helpers put each error where the user will see it: beside its field, or,
// when no field owns it, on the form as a whole. Pure code; components/common/FormFields.tsx applies them.

/** One validation problem as the server reports it (server/trpc/init.ts errorFormatter: `error.data.fieldErrors`). */
export interface ServerFieldError {
  path: string;
  message: string;
}

/** What a failed tRPC call looks like to the browser, as far as forms care. */
export interface ServerErrorLike {
  message?: string;
  data?: { fieldErrors?: ServerFieldError[] | null } | null;
}

/**
 * Which form field a schema path (split on ".") belongs to, or null when none does. The message helps where one
 * path stands for two fields (the two sides of a mapping row).
 */
export type FieldOf<F extends string> = (path: readonly string[], message?: string) => F | null;

/** Input wrappers the path of an error may start with: `{ clusterId, name, spec }` sends the schema's input as spec. */
const WRAPPERS = ["spec", "input"];

/**
 * A server error split into errors for fields (the first message per field) and a message for the form: the
 * server's message, or the field errors no field of this form owns, as "path: message".
 */
export function splitServerError<F extends string>(
  err: unknown,
  fieldOf: FieldOf<F>,
): { fields: { name: F; message: string }[]; form: string | null } {
  const e = (err ?? {}) as ServerErrorLike;
  const reported = e.data?.fieldErrors ?? [];
  if (!reported.length) return { fields: [], form: e.message || "Something went wrong" };
  const fields = new Map<F, string>();
  const rest: string[] = [];
  for (const f of reported) {
    const path = f.path ? f.path.split(".") : [];
    const name = fieldOf(WRAPPERS.includes(path[0]) ? path.slice(1) : path, f.message);
    if (name === null) rest.push(f.path ? `${f.path}: ${f.message}` : f.message);
    else if (!fields.has(name)) fields.set(name, f.message);
  }
  return {
    fields: [...fields].map(([name, message]) => ({ name, message })),
    form: rest.length ? rest.join("; ") : null,
  };
}

/**
 * Checks `input` (built from a form's values) with the server's schema inside a form schema's superRefine, and
 * reports each problem on the field `fieldOf` names: the form validates with exactly the rules the server will.
 * Problems no field owns are reported on "root", which react-hook-form keeps as the form's own error.
 */
export function addIssuesFrom<F extends string>(
  ctx: z.RefinementCtx,
  schema: z.ZodType,
  input: unknown,
  fieldOf: FieldOf<F>,
) {
  const r = schema.safeParse(input);
  if (r.success) return;
  for (const issue of r.error.issues) {
    const name = fieldOf(issue.path.map(String), issue.message);
    ctx.addIssue({ code: "custom", path: name ? name.split(".") : ["root"], message: issue.message });
  }
}

/**
 * Messages for problems our schemas leave to zod's defaults, in the console's words: an empty required field.
 * Pass as zodResolver's error map; a schema's own messages win over it.
 */
export const formErrorMap = (issue: { code: string; origin?: string; minimum?: unknown; input?: unknown }) => {
  if (issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1) return "Required";
  if (issue.code === "invalid_type" && (issue.input === undefined || issue.input === "")) return "Required";
  return undefined;
};
