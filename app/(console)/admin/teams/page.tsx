import type { Metadata } from "next";
import { TeamsAdmin } from "@/components/admin/TeamsAdmin";

export const metadata: Metadata = { title: "Teams" };

export default function Page() {
  return <TeamsAdmin />;
}
