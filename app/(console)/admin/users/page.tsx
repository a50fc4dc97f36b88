import { UsersAdmin } from "@/components/admin/UsersAdmin";

export default function Page() {
  return <UsersAdmin />;
}
