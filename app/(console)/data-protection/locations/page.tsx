import { LocationsPage } from "@/components/protection/LocationsPage";

export default function Page() {
  return <LocationsPage />;
}
