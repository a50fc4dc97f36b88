"use client";

// Where the keyboard goes when a dialog or a wizard step opens: its first field that shows an error (a wizard sent back
// to a step by the server), else its first field one can change, else its first field at all (a review's read-only
// manifest), else the given fallback. A no-op when focus is already inside.
const INVALID =
  '[role="combobox"][aria-invalid="true"], input[aria-invalid="true"]:not([aria-hidden="true"]), ' +
  'textarea[aria-invalid="true"]';
const EDITABLE =
  'input:not([type="hidden"]):not([disabled]):not([readonly]), textarea:not([disabled]):not([readonly]), ' +
  '[role="combobox"]:not([aria-disabled="true"])';
const ANY_FIELD = 'input:not([type="hidden"]):not([disabled]):not([aria-hidden="true"]), textarea:not([disabled])';

/** For a stable ref callback: called once when the dialog's content is attached. */
export function focusFirstField(root: HTMLElement | null, fallback?: () => HTMLElement | null) {
  if (!root || root.contains(document.activeElement)) return;
  const field = [INVALID, EDITABLE, ANY_FIELD].map((q) => root.querySelector<HTMLElement>(q)).find(Boolean);
  if (field) field.focus();
  // The fallback may sit after the content, and is attached after it: wait for the commit to finish.
  else if (fallback) setTimeout(() => fallback()?.focus());
}
