import type { Metadata } from "next";
import type { ReactNode } from "react";
import { headers } from "next/headers";
import { AppRouterCacheProvider } from "@mui/material-nextjs/v16-appRouter";
import InitColorSchemeScript from "@mui/material/InitColorSchemeScript";
import "@fontsource/roboto/300.css";
import "@fontsource/roboto/400.css";
import "@fontsource/roboto/500.css";
import "@fontsource/roboto/700.css";
import { Providers } from "@/components/Providers";

export const metadata: Metadata = {
  // Each page names itself: "Backups · Lifeboat".
  title: { template: "%s · Lifeboat", default: "Lifeboat" },
  description: "Data protection for every Kubernetes cluster you run",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The script nonce proxy.ts made for this request (reading it renders every page per request, as nonces need).
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <body>
        <InitColorSchemeScript attribute="class" nonce={nonce} />
        <AppRouterCacheProvider>
          <Providers>{children}</Providers>
        </AppRouterCacheProvider>
      </body>
    </html>
  );
}
