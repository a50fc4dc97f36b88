import { AuditLog } from "@/components/admin/AuditLog";

export default function Page() {
  return <AuditLog />;
}
