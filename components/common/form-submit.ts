"use client";
import type { FieldErrors, FieldPath, FieldValues, UseFormReturn } from "react-hook-form";
import { splitServerError, type FieldOf } from "@/lib/forms/server-errors";

/**
 * Puts a failed call's errors on the form: each beside its field (the first one focused with `focus`: only where
 * every field is mounted, as in a dialog; a wizard focuses it when it shows its step), the rest on the form
 * ("root.server"), which the dialog shows where its buttons are. `fieldsOnly` when the caller shows the error itself
 * (a wizard's preview) and only wants its fields marked.
 */
export function showServerError<T extends FieldValues>(
  form: Pick<UseFormReturn<T>, "setError">,
  err: unknown,
  fieldOf: FieldOf<string>,
  { fieldsOnly = false, focus = false } = {},
) {
  const { fields, form: rest } = splitServerError(err, fieldOf);
  fields.forEach((f, i) =>
    form.setError(f.name as FieldPath<T>, { type: "server", message: f.message }, { shouldFocus: focus && i === 0 }),
  );
  if (rest && !fieldsOnly) form.setError("root.server", { type: "server", message: rest });
}

/** The form's own error, for ErrorAlert: what the server said that no field owns, or a rule across fields. */
export function formError<T extends FieldValues>(errors: FieldErrors<T>): { message: string } | null {
  const message = errors.root?.server?.message ?? errors.root?.message;
  return message ? { message } : null;
}

/** The default owner of a path: the form field of that name, if the form has one. */
const sameName =
  <T extends FieldValues>(form: Pick<UseFormReturn<T>, "getValues">): FieldOf<string> =>
  (path) =>
    path.length && path[0] in form.getValues() ? path.join(".") : null;

/**
 * A submit handler: validates with the form's schema, calls the server, and on failure shows its errors on the form.
 * Resolves whether it worked, so a wizard can go to the step of a field the server refused. `focus` puts the keyboard
 * on the first refused field; a wizard, whose other steps' fields are not mounted, passes false.
 */
export function submitWith<T extends FieldValues, O>(
  form: UseFormReturn<T, unknown, O>,
  call: (values: O) => Promise<unknown>,
  fieldOf: FieldOf<string> = sameName(form),
  { focus = true } = {},
) {
  return () =>
    new Promise<boolean>((resolve) => {
      void form.handleSubmit(
        async (values) => {
          try {
            await call(values);
            resolve(true);
          } catch (e) {
            showServerError(form, e, fieldOf, { focus });
            resolve(false);
          }
        },
        () => resolve(false),
      )();
    });
}
