import type { Metadata } from "next";
import { DrillsPage } from "@/components/drill/DrillsPage";

export const metadata: Metadata = { title: "Restore drills" };

export default function Page() {
  return <DrillsPage />;
}
