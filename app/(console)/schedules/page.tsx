import { SchedulesPage } from "@/components/schedule/SchedulesPage";

export default function Page() {
  return <SchedulesPage />;
}
