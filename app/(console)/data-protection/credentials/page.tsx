import { CredentialsPage } from "@/components/protection/CredentialsPage";

export default function Page() {
  return <CredentialsPage />;
}
