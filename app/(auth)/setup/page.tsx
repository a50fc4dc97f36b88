import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/AuthCard";
import { SetupForm } from "@/components/auth/SetupForm";
import { db } from "@/server/db/client";
import { needsSetup, setupTokenRequired } from "@/server/services/setup/setup";

export const metadata: Metadata = { title: "Set up" };

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  if (!(await needsSetup(db()))) redirect("/signin");
  return (
    <AuthCard
      title="Welcome to Lifeboat"
      subtitle="No account exists yet. Create the first organization admin: it manages users, teams, cluster groups and access."
    >
      <SetupForm tokenRequired={setupTokenRequired()} />
    </AuthCard>
  );
}
