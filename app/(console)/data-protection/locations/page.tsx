import type { Metadata } from "next";
import { LocationsPage } from "@/components/protection/LocationsPage";

export const metadata: Metadata = { title: "Target locations" };

export default function Page() {
  return <LocationsPage />;
}
