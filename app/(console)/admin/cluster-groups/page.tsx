import { ClusterGroupsAdmin } from "@/components/admin/ClusterGroupsAdmin";

export default function Page() {
  return <ClusterGroupsAdmin />;
}
