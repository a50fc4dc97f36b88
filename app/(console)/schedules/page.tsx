import type { Metadata } from "next";
import { SchedulesPage } from "@/components/schedule/SchedulesPage";

export const metadata: Metadata = { title: "Schedules" };

export default function Page() {
  return <SchedulesPage />;
}
