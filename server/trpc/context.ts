import { db } from "../db/client";
import { principalFromCookies } from "../auth/current";
import { requestMeta } from "../request-meta";
import { makeContext } from "./init";

export async function createRequestContext(headers: Headers) {
  const principal = await principalFromCookies(headers.get("cookie"));
  return makeContext(db(), requestMeta(headers), principal);
}
