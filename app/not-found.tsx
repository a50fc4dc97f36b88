import type { Metadata } from "next";
import Box from "@mui/material/Box";
import Typography from "@mui/material/Typography";
import Sailing from "@mui/icons-material/Sailing";
import { NotFoundState } from "@/components/common/NotFoundState";

export const metadata: Metadata = { title: "Page not found" };

/** Not-found outside the console's shell (the sign-in pages): the brand, what happened and a way back. */
export default function RootNotFound() {
  return (
    <Box component="main" sx={{ maxWidth: 640, mx: "auto", px: 2, py: 6 }}>
      <Box sx={{ display: "flex", alignItems: "center", gap: 1, mb: 3 }}>
        <Sailing />
        <Typography variant="h6" component="span">
          Lifeboat
        </Typography>
      </Box>
      <NotFoundState
        kind="Page"
        message="There is no page at this address."
        back={{ href: "/", label: "Go to Overview" }}
      />
    </Box>
  );
}
