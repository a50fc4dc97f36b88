import { TeamsAdmin } from "@/components/admin/TeamsAdmin";

export default function Page() {
  return <TeamsAdmin />;
}
