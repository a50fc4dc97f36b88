import { TRPCError } from "@trpc/server";
import { t } from "./init";

// Input hygiene before any procedure reads its input: PostgreSQL's text cannot hold NUL, so a string carrying one would
// fail deep in a query as a server error; it is refused here as the caller's mistake. The walk is bounded (depth and
// breadth), so a hostile input costs little.
const MAX_DEPTH = 32;
const MAX_NODES = 50_000;

export function containsNul(input: unknown): boolean {
  const stack: [unknown, number][] = [[input, 0]];
  let seen = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++seen > MAX_NODES || depth > MAX_DEPTH) return false; // too big to walk: the schemas' own bounds refuse it
    if (typeof v === "string") {
      if (v.includes("\u0000")) return true;
    } else if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes("\u0000")) return true;
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

export const cleanInput = t.middleware(async ({ getRawInput, next }) => {
  if (containsNul(await getRawInput()))
    throw new TRPCError({ code: "BAD_REQUEST", message: "Text may not contain NUL characters (\\u0000)" });
  return next();
});
