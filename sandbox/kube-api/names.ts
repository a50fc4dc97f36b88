import crypto from "node:crypto";

// Name rules and generateName, as the apiserver applies them.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function generateSuffix(): string {
  const bytes = crypto.randomBytes(5);
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
}

/** A reason the name is invalid, in the apiserver's words, or null. */
export function nameProblem(name: string, kind: "subdomain" | "label" = "subdomain"): string | null {
  if (kind === "label") {
    if (name.length > 63) return "must be no more than 63 characters";
    if (!DNS1123_LABEL.test(name))
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    return null;
  }
  if (name.length > 253) return "must be no more than 253 characters";
  if (!DNS1123_SUBDOMAIN.test(name))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  return null;
}
