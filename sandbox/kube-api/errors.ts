// metav1.Status errors, with the reasons and codes the real apiserver uses.
export type Reason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "Forbidden"
  | "Unauthorized"
  | "MethodNotAllowed"
  | "Gone"
  | "Expired"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "InternalError"
  | "RequestEntityTooLarge"
  | "Timeout";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(
    public readonly code: number,
    public readonly reason: Reason,
    message: string,
    public readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "ApiError";
  }
  toStatus() {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

const qualified = (resource: string, group: string) => (group ? `${resource}.${group}` : resource);

export const notFound = (resource: string, group: string, name: string) =>
  new ApiError(404, "NotFound", `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource });
export const alreadyExists = (resource: string, group: string, name: string) =>
  new ApiError(409, "AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });
export const conflict = (resource: string, group: string, name: string) =>
  new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource },
  );
export const badRequest = (message: string) => new ApiError(400, "BadRequest", message);
export const invalid = (
  kind: string,
  group: string,
  name: string,
  causes: { reason: string; message: string; field?: string }[],
  message: string,
) => new ApiError(422, "Invalid", message, { name, group, kind, causes });
export const methodNotAllowed = (message = "the server does not allow this method on the requested resource") =>
  new ApiError(405, "MethodNotAllowed", message);
export const gone = (message: string) => new ApiError(410, "Expired", message);
export const unauthorized = () => new ApiError(401, "Unauthorized", "Unauthorized");
export const forbidden = (
  user: string,
  verb: string,
  resource: string,
  group: string,
  namespace: string | undefined,
  name?: string,
) =>
  new ApiError(
    403,
    "Forbidden",
    `${qualified(resource, group)}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${namespace ? `in the namespace "${namespace}"` : "at the cluster scope"}`,
    { name, group, kind: resource },
  );
