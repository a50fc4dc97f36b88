import type { Db } from "../db/client";

// An OIDC sign-in: find or create the user, then make their OIDC-derived team memberships match the groups claim.
export interface OidcIdentity {
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
}

/** Why a sign-in was refused, as the sign-in page's `error` parameter names it (it shows the matching message). */
export const OIDC_UNVERIFIED_EMAIL = "OidcUnverifiedEmail";

export type OidcOutcome =
  { ok: true; userId: string } | { ok: false; reason: string; code?: typeof OIDC_UNVERIFIED_EMAIL };

/**
 * The identity an ID token's claims describe. The address counts as verified only when the provider says so with
 * `email_verified: true` (a missing claim, or "true" as a string, is not a verification).
 */
export function identityFromClaims(claims: Record<string, unknown>, groupsClaim: string, fallbackSubject: string) {
  return {
    subject: String(claims.sub ?? fallbackSubject),
    email: typeof claims.email === "string" ? claims.email : "",
    emailVerified: claims.email_verified === true,
    name: String(claims.name ?? claims.preferred_username ?? ""),
    groups: groupsFromClaims(claims, groupsClaim),
  } satisfies OidcIdentity;
}

export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const v = claims[claim];
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === "string");
  if (typeof v === "string") return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

export async function signInWithOidc(db: Db, id: OidcIdentity): Promise<OidcOutcome> {
  const email = id.email.trim().toLowerCase();
  if (!email) return { ok: false, reason: "The identity provider sent no email address" };
  let user = await db.user.findUnique({ where: { oidcSubject: id.subject } });
  if (!user) {
    const byEmail = await db.user.findUnique({ where: { email } });
    if (byEmail) {
      // Link an existing account only on a verified address, so an unverified claim cannot take it over.
      if (byEmail.oidcSubject) return { ok: false, reason: "An account with this email exists and cannot be linked" };
      if (id.emailVerified !== true)
        return {
          ok: false,
          code: OIDC_UNVERIFIED_EMAIL,
          reason:
            "An account with this email already exists, and the identity provider has not verified that the address is yours, " +
            "so it cannot be linked",
        };
      user = await db.user.update({ where: { id: byEmail.id }, data: { oidcSubject: id.subject } });
    } else {
      user = await db.user.create({
        data: { email, name: id.name || email, provider: "OIDC", oidcSubject: id.subject, role: "MEMBER" },
      });
    }
  }
  if (user.disabled) return { ok: false, reason: "This account is disabled" };

  const mapped = id.groups.length
    ? await db.team.findMany({ where: { oidcGroup: { in: id.groups } }, select: { id: true } })
    : [];
  const want = new Set(mapped.map((t) => t.id));
  await db.$transaction(async (tx) => {
    await tx.teamMember.deleteMany({ where: { userId: user.id, viaOidc: true, teamId: { notIn: [...want] } } });
    for (const teamId of want) {
      await tx.teamMember.upsert({
        where: { teamId_userId: { teamId, userId: user.id } },
        update: {},
        create: { teamId, userId: user.id, viaOidc: true },
      });
    }
  });
  return { ok: true, userId: user.id };
}
