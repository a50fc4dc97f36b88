import { BackupsPage } from "@/components/backup/BackupsPage";

export default function Page() {
  return <BackupsPage />;
}
