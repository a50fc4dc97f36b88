import { PageHeader } from "@/components/common/PageHeader";
import { EmptyState } from "@/components/common/EmptyState";

export default function Page() {
  return (
    <>
      <PageHeader title="Target locations" subtitle="Where backups are stored: buckets and containers shared with cluster groups and clusters." />
      <EmptyState title="No target locations yet">Target locations are defined here once credentials exist. Nothing has been created.</EmptyState>
    </>
  );
}
