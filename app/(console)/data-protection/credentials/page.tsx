import { PageHeader } from "@/components/common/PageHeader";
import { EmptyState } from "@/components/common/EmptyState";

export default function Page() {
  return (
    <>
      <PageHeader title="Credentials" subtitle="Keys Lifeboat uses to reach your object storage (AWS / S3-compatible, Azure). Stored sealed; only masked ids are ever shown." />
      <EmptyState title="No data-protection credentials yet">Credentials are created here once data protection is available for attached clusters. Nothing has been created.</EmptyState>
    </>
  );
}
