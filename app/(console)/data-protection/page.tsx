import type { Metadata } from "next";
import { VeleroVersionsPage } from "@/components/velero/VeleroVersionsPage";

export const metadata: Metadata = { title: "Velero versions" };

export default function Page() {
  return <VeleroVersionsPage />;
}
