import type { Metadata } from "next";
import { CredentialsPage } from "@/components/protection/CredentialsPage";

export const metadata: Metadata = { title: "Credentials" };

export default function Page() {
  return <CredentialsPage />;
}
