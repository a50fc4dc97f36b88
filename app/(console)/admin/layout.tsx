import type { ReactNode } from "react";
import { notFound } from "next/navigation";
import { currentPrincipal } from "@/server/auth/page-session";

// Admin pages exist only for organization admins; for anyone else they are not found (the API refuses them too).
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const p = await currentPrincipal();
  if (p?.orgRole !== "ORG_ADMIN") notFound();
  return children;
}
