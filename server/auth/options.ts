import type { AuthOptions } from "next-auth";
import { guardedLookup, outboundNodeAgents } from "../security/outbound";
import CredentialsProvider from "next-auth/providers/credentials";
import { db } from "../db/client";
import { env, randomKey, secretFromEnvOrFile } from "../env";
import { logger } from "../log";
import { recordAudit } from "../services/audit/audit";
import { authorizeCredentials } from "./credentials";
import { createSession, revokeSession, type SessionLimits } from "./principal";
import { identityFromClaims, signInWithOidc } from "./oidc";
import { sameOriginRedirect } from "@/lib/auth/callback-url";

export const sessionLimits = (): SessionLimits => ({
  idleMinutes: env().LIFEBOAT_SESSION_IDLE_MINUTES,
  maxHours: env().LIFEBOAT_SESSION_MAX_HOURS,
});
export const authSecret = () => secretFromEnvOrFile("NEXTAUTH_SECRET", "nextauth.secret", randomKey);

export const oidcConfigured = () => Boolean(env().LIFEBOAT_OIDC_ISSUER && env().LIFEBOAT_OIDC_CLIENT_ID);

/**
 * The HTTP options of every request to the identity provider (openid-client's): the outbound path's node agent of the
 * issuer's scheme checks literal addresses before a socket opens and resolves names where it connects (an endpoint of
 * the discovery document on another scheme fails rather than leave the path); no redirects are followed.
 */
export function oidcHttpOptions(issuer: string) {
  const agents = outboundNodeAgents();
  const agent = new URL(issuer).protocol === "https:" ? agents.httpsAgent : agents.httpAgent;
  return { timeout: 10_000, agent, lookup: guardedLookup() };
}

function oidcProvider() {
  const e = env();
  return {
    id: "oidc",
    name: e.LIFEBOAT_OIDC_NAME,
    type: "oauth" as const,
    wellKnown: `${e.LIFEBOAT_OIDC_ISSUER!.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: e.LIFEBOAT_OIDC_CLIENT_ID,
    clientSecret: e.LIFEBOAT_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: e.LIFEBOAT_OIDC_SCOPES } },
    idToken: true,
    checks: ["pkce" as const, "state" as const],
    // Discovery, token and JWKS requests go out on the outbound path: names resolved where they connect, literal
    // addresses checked before connecting, refused when metadata, link-local or (unless allowed) loopback.
    httpOptions: oidcHttpOptions(e.LIFEBOAT_OIDC_ISSUER!),
    profile(claims: Record<string, unknown>) {
      return {
        id: String(claims.sub),
        email: String(claims.email ?? ""),
        name: String(claims.name ?? claims.email ?? ""),
      };
    },
  };
}

export function authOptions(): AuthOptions {
  const limits = sessionLimits();
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: limits.maxHours * 3600 },
    jwt: { maxAge: limits.maxHours * 3600 },
    pages: { signIn: "/signin", error: "/signin" },
    logger: {
      error: (code, metadata) =>
        logger.error({ code, detail: metadata instanceof Error ? metadata.message : undefined }, "next-auth error"),
      warn: (code) => logger.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, req) => authorizeCredentials(db(), credentials, req?.headers ?? {}, limits),
      }),
      ...(oidcConfigured() ? [oidcProvider()] : []),
    ],
    callbacks: {
      // After sign-in (or sign-out) only a page of this site: "/\\evil.com" and friends end at the root.
      redirect: sameOriginRedirect,
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        const claims = (profile ?? {}) as Record<string, unknown>;
        const outcome = await signInWithOidc(
          db(),
          identityFromClaims(claims, env().LIFEBOAT_OIDC_GROUPS_CLAIM, account.providerAccountId),
        );
        const requestId = crypto.randomUUID();
        if (!outcome.ok) {
          await recordAudit(db(), {
            action: "auth.signIn",
            actorEmail: String(claims.email ?? ""),
            outcome: "DENIED",
            reason: `oidc: ${outcome.reason}`,
            requestId,
          });
          // The sign-in page says why (next-auth's generic AccessDenied cannot).
          return outcome.code ? `/signin?error=${outcome.code}` : false;
        }
        (account as Record<string, unknown>).lifeboatUserId = outcome.userId;
        return true;
      },
      async jwt({ token, user, account }) {
        if (account?.provider === "oidc") {
          const linked = account.lifeboatUserId
            ? String(account.lifeboatUserId)
            : (await db().user.findUnique({ where: { oidcSubject: account.providerAccountId }, select: { id: true } }))
                ?.id;
          if (!linked) throw new Error("OIDC sign-in did not resolve a user");
          const userId = linked;
          token.sid = await createSession(db(), userId, limits);
          token.sub = userId;
          const u = await db().user.findUnique({ where: { id: userId }, select: { email: true } });
          await recordAudit(db(), {
            action: "auth.signIn",
            actorId: userId,
            actorEmail: u?.email,
            targetType: "user",
            targetId: userId,
            outcome: "SUCCESS",
            reason: "oidc",
            requestId: crypto.randomUUID(),
          });
        } else if (user && "sid" in user) {
          token.sid = (user as { sid: string }).sid;
        }
        return token;
      },
      async session({ session }) {
        return { expires: session.expires, user: { name: session.user?.name, email: session.user?.email } };
      },
    },
    events: {
      async signOut({ token }) {
        const sid = token?.sid as string | undefined;
        if (!sid) return;
        const s = await db().session.findUnique({
          where: { id: sid },
          select: { user: { select: { id: true, email: true } } },
        });
        await revokeSession(db(), sid);
        await recordAudit(db(), {
          action: "auth.signOut",
          actorId: s?.user.id,
          actorEmail: s?.user.email,
          targetType: "user",
          targetId: s?.user.id,
          outcome: "SUCCESS",
          requestId: crypto.randomUUID(),
        });
      },
    },
  };
}
