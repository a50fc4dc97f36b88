import { PageHeader } from "@/components/common/PageHeader";
import { EmptyState } from "@/components/common/EmptyState";

export default function Page() {
  return (
    <>
      <PageHeader title="Backups" subtitle="On-demand and scheduled Velero backups across your clusters." />
      <EmptyState title="No backups yet">Backups appear here once clusters are attached and data protection is enabled on them.</EmptyState>
    </>
  );
}
