import { cache } from "react";
import { headers } from "next/headers";
import { principalFromCookies } from "./current";

/** The signed-in principal for server components (once per render). */
export const currentPrincipal = cache(async () => principalFromCookies((await headers()).get("cookie")));
