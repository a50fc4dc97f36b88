"use client";
import Drawer from "@mui/material/Drawer";
import { MainNav } from "./MainNav";

/** The navigation on a narrow screen: a temporary drawer that the menu button opens and any link closes. */
export function NavDrawer({ open, width, onClose }: { open: boolean; width: number; onClose: () => void }) {
  return (
    <Drawer
      variant="temporary"
      open={open}
      onClose={onClose}
      sx={{ display: { xs: "block", md: "none" }, "& .MuiDrawer-paper": { width, boxSizing: "border-box" } }}
    >
      <MainNav onNavigate={onClose} />
    </Drawer>
  );
}
