import { PageHeader } from "@/components/common/PageHeader";
import { EmptyState } from "@/components/common/EmptyState";

export default function Page() {
  return (
    <>
      <PageHeader title="Restores" subtitle="Restores of backups into the same or another cluster." />
      <EmptyState title="No restores yet">Restores appear here once there are backups to restore from.</EmptyState>
    </>
  );
}
