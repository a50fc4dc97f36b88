import type { Metadata } from "next";
import { ClusterGroupsAdmin } from "@/components/admin/ClusterGroupsAdmin";

export const metadata: Metadata = { title: "Cluster groups" };

export default function Page() {
  return <ClusterGroupsAdmin />;
}
