import type { Metadata } from "next";
import { BackupsPage } from "@/components/backup/BackupsPage";

export const metadata: Metadata = { title: "Backups" };

export default function Page() {
  return <BackupsPage />;
}
