import { db, type Db } from "../db/client";
import { principalFromCookies } from "../auth/current";
import { principalFromBearer } from "../auth/api-token";
import { bearerCredential } from "../auth/bearer";
import { requestMeta } from "../request-meta";
import { makeContext } from "./init";
import { eventBus } from "../events/bus";
import { databaseUnavailable, isDatabaseUnavailable } from "../errors";

// Who is calling: a bearer token when the request carries one (an unknown or malformed one is no one: never the
// cookie instead), else the browser session's cookie. PostgreSQL not answering while the caller is looked up fails
// the request as every call then fails (SERVICE_UNAVAILABLE: try again), rather than going on as no one.
export async function createRequestContext(headers: Headers, given?: Db) {
  const database = given ?? db();
  const authorization = headers.get("authorization");
  try {
    const principal =
      bearerCredential(authorization) !== undefined
        ? await principalFromBearer(database, authorization)
        : await principalFromCookies(headers.get("cookie"), database);
    const ctx = makeContext(database, requestMeta(headers), principal);
    // The process's database: its bus is the one that hears that database's changes.
    return given ? ctx : { ...ctx, events: eventBus() };
  } catch (e) {
    if (isDatabaseUnavailable(e)) throw databaseUnavailable(e);
    throw e;
  }
}
