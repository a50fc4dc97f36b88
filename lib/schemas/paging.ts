import { z } from "zod";

/** A list's opaque keyset cursor (server/db/keyset.ts): the `nextCursor` of the page before. */
export const pageCursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, "Not a cursor this list gave");
