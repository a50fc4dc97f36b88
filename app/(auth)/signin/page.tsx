import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/AuthCard";
import { SignInForm } from "@/components/auth/SignInForm";
import { currentPrincipal } from "@/server/auth/page-session";
import { db } from "@/server/db/client";
import { needsSetup } from "@/server/services/setup/setup";
import { oidcConfigured } from "@/server/auth/options";
import { env } from "@/server/env";
import { sameOriginPath } from "@/lib/auth/callback-url";

export const metadata: Metadata = { title: "Sign in" };

export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; callbackUrl?: string }>;
}) {
  if (await needsSetup(db())) redirect("/setup");
  if (await currentPrincipal()) redirect("/");
  const sp = await searchParams;
  // Only same-site paths: never redirect to another origin after sign-in.
  const callbackUrl = sameOriginPath(sp.callbackUrl);
  return (
    <AuthCard title="Sign in">
      <SignInForm
        oidc={{ enabled: oidcConfigured(), name: env().LIFEBOAT_OIDC_NAME }}
        initialError={sp.error}
        callbackUrl={callbackUrl}
      />
    </AuthCard>
  );
}
