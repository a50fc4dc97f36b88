import { PageHeader } from "@/components/common/PageHeader";
import { EmptyState } from "@/components/common/EmptyState";

export default function Page() {
  return (
    <>
      <PageHeader title="Schedules" subtitle="Recurring backups with retention." />
      <EmptyState title="No schedules yet">Schedules appear here once clusters are attached and data protection is enabled on them.</EmptyState>
    </>
  );
}
