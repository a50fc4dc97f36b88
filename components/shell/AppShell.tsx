"use client";
import { useState, type ReactNode } from "react";
import Link from "next/link";
import AppBar from "@mui/material/AppBar";
import Box from "@mui/material/Box";
import IconButton from "@mui/material/IconButton";
import Toolbar from "@mui/material/Toolbar";
import { Tooltip } from "@/components/common/Tooltip";
import Typography from "@mui/material/Typography";
import Chip from "@mui/material/Chip";
import { useColorScheme } from "@mui/material/styles";
import AccountCircle from "@mui/icons-material/AccountCircle";
import DarkMode from "@mui/icons-material/DarkMode";
import LightMode from "@mui/icons-material/LightMode";
import MenuIcon from "@mui/icons-material/Menu";
import Sailing from "@mui/icons-material/Sailing";
import { MainNav } from "./MainNav";
import { useMe } from "../common/useMe";
import dynamic from "next/dynamic";
import { LiveIndicator } from "../common/LiveUpdates";

// What only a click opens loads on that click, not with every page: the password form (react-hook-form, zod and the
// dialog), the account menu (with next-auth's client) and the narrow-screen drawer (MUI's Modal and its transitions).
const ChangePasswordDialog = dynamic(() => import("./ChangePasswordDialog").then((m) => m.ChangePasswordDialog), {
  ssr: false,
});
const AccountMenu = dynamic(() => import("./AccountMenu").then((m) => m.AccountMenu), { ssr: false });
const NavDrawer = dynamic(() => import("./NavDrawer").then((m) => m.NavDrawer), { ssr: false });

const DRAWER = 232;

function ThemeToggle() {
  const { mode, systemMode, setMode } = useColorScheme();
  const effective = mode === "system" ? systemMode : mode;
  const next = effective === "dark" ? "light" : "dark";
  return (
    <Tooltip title={`Switch to ${next} theme`}>
      <IconButton color="inherit" aria-label={`Switch to ${next} theme`} onClick={() => setMode(next)}>
        {effective === "dark" ? <LightMode /> : <DarkMode />}
      </IconButton>
    </Tooltip>
  );
}

function UserMenu() {
  const { me } = useMe();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [changing, setChanging] = useState(false);
  return (
    <>
      <Box sx={{ display: "flex", alignItems: "center", gap: 1 }}>
        {me?.orgRole === "ORG_ADMIN" && (
          <Chip
            size="small"
            label="Org admin"
            color="default"
            sx={{ color: "inherit", borderColor: "currentColor", display: { xs: "none", sm: "inline-flex" } }}
            variant="outlined"
          />
        )}
        <Typography variant="body2" data-testid="current-user" sx={{ display: { xs: "none", sm: "block" } }}>
          {me?.name ?? ""}
        </Typography>
        <IconButton
          color="inherit"
          aria-label="Account"
          aria-haspopup="menu"
          onClick={(e) => setAnchor(e.currentTarget)}
        >
          <AccountCircle />
        </IconButton>
      </Box>
      {anchor && (
        <AccountMenu
          me={me}
          anchor={anchor}
          onClose={() => setAnchor(null)}
          onChangePassword={() => {
            setAnchor(null);
            setChanging(true);
          }}
        />
      )}
      {changing && <ChangePasswordDialog open onClose={() => setChanging(false)} />}
    </>
  );
}

/**
 * The console's frame: an app bar, the navigation and the page. From the `md` breakpoint up the navigation is a
 * permanent drawer; below it, a temporary one that the menu button opens and any link closes.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const [navOpen, setNavOpen] = useState(false);
  // Once opened, the drawer stays mounted so that it can slide out.
  const [navSeen, setNavSeen] = useState(false);
  return (
    <Box sx={{ display: "flex", minHeight: "100vh" }}>
      {/* Printed pages (the evidence report) are the page alone: no bar, no navigation. */}
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1, displayPrint: "none" }}>
        <Toolbar>
          <IconButton
            color="inherit"
            edge="start"
            aria-label="Open navigation"
            aria-haspopup="true"
            aria-expanded={navOpen}
            onClick={() => {
              setNavSeen(true);
              setNavOpen(true);
            }}
            sx={{ mr: 1, display: { md: "none" } }}
          >
            <MenuIcon />
          </IconButton>
          <Sailing sx={{ mr: 1, display: { xs: "none", sm: "block" } }} />
          <Typography
            variant="h6"
            component={Link}
            href="/"
            sx={{ color: "inherit", textDecoration: "none", flex: 1, minWidth: 0 }}
          >
            Lifeboat
          </Typography>
          <LiveIndicator />
          <ThemeToggle />
          <UserMenu />
        </Toolbar>
      </AppBar>
      {navSeen && <NavDrawer open={navOpen} width={DRAWER} onClose={() => setNavOpen(false)} />}
      {/* The permanent navigation is a plain column (what MUI's permanent Drawer renders, without its Modal). */}
      <Box sx={{ display: { xs: "none", md: "block" }, width: DRAWER, flexShrink: 0, displayPrint: "none" }}>
        <Box
          sx={{
            position: "fixed",
            top: 0,
            left: 0,
            width: DRAWER,
            height: "100%",
            overflowY: "auto",
            bgcolor: "background.paper",
            borderRight: 1,
            borderColor: "divider",
            zIndex: (t) => t.zIndex.drawer,
          }}
        >
          <Toolbar />
          <MainNav />
        </Box>
      </Box>
      <Box component="main" sx={{ flex: 1, p: { xs: 2, sm: 3 }, minWidth: 0, "@media print": { p: 0 } }}>
        <Toolbar sx={{ displayPrint: "none" }} />
        {children}
      </Box>
    </Box>
  );
}
