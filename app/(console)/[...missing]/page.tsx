import { notFound } from "next/navigation";

// Every address no other route matches lands here, so it gets the console's own not-found page inside the shell
// (after the layout's sign-in check) rather than a bare one.
export default function Missing() {
  notFound();
}
