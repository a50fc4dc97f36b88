import type { Metadata } from "next";
import { NotFoundState } from "@/components/common/NotFoundState";

export const metadata: Metadata = { title: "Page not found" };

/** Any address inside the console that leads nowhere (or to a page the user may not see), inside the shell. */
export default function ConsoleNotFound() {
  return (
    <NotFoundState
      kind="Page"
      message="There is no page at this address, or you are not allowed to see it."
      back={{ href: "/", label: "Go to Overview" }}
    />
  );
}
