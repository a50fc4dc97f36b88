"use client";
import { Fragment, useState, type ReactNode } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import AppBar from "@mui/material/AppBar";
import Box from "@mui/material/Box";
import Drawer from "@mui/material/Drawer";
import IconButton from "@mui/material/IconButton";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemText from "@mui/material/ListItemText";
import ListSubheader from "@mui/material/ListSubheader";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import Divider from "@mui/material/Divider";
import Toolbar from "@mui/material/Toolbar";
import Tooltip from "@mui/material/Tooltip";
import Typography from "@mui/material/Typography";
import Chip from "@mui/material/Chip";
import { useColorScheme } from "@mui/material/styles";
import AccountCircle from "@mui/icons-material/AccountCircle";
import DarkMode from "@mui/icons-material/DarkMode";
import LightMode from "@mui/icons-material/LightMode";
import MenuIcon from "@mui/icons-material/Menu";
import Sailing from "@mui/icons-material/Sailing";
import { NAV } from "./nav";
import { useMe } from "../common/useMe";
import dynamic from "next/dynamic";

// The password form (react-hook-form, zod and the dialog) loads when it is first opened, not with every page.
const ChangePasswordDialog = dynamic(() => import("./ChangePasswordDialog").then((m) => m.ChangePasswordDialog), {
  ssr: false,
});
import { LiveIndicator } from "../common/LiveUpdates";

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
      <Menu anchorEl={anchor} open={Boolean(anchor)} onClose={() => setAnchor(null)}>
        <MenuItem disabled sx={{ flexDirection: "column", alignItems: "flex-start", opacity: "1 !important" }}>
          <Typography variant="body2">{me?.name}</Typography>
          <Typography variant="caption" color="text.secondary">
            {me?.email}
          </Typography>
        </MenuItem>
        <Divider />
        {me?.provider === "LOCAL" && (
          <MenuItem
            onClick={() => {
              setAnchor(null);
              setChanging(true);
            }}
          >
            Change password
          </MenuItem>
        )}
        <MenuItem onClick={() => signOut({ callbackUrl: "/signin" })}>Sign out</MenuItem>
      </Menu>
      {changing && <ChangePasswordDialog open onClose={() => setChanging(false)} />}
    </>
  );
}

/** The console's navigation; `onNavigate` closes the drawer it sits in on a narrow screen. */
function MainNav({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const { can } = useMe();
  const isActive = (href: string) =>
    href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(href + "/");
  return (
    <Box component="nav" aria-label="Main" sx={{ overflow: "auto" }}>
      {NAV.map((section, i) => {
        const items = section.items.filter((it) => !it.permission || can(it.permission));
        if (!items.length) return null;
        // A section's name sits before its list, which holds only items (a <ul> may hold only <li>s).
        const labelId = section.label ? `nav-section-${i}` : undefined;
        return (
          <Fragment key={i}>
            {section.label && (
              <ListSubheader component="div" id={labelId}>
                {section.label}
              </ListSubheader>
            )}
            <List dense aria-labelledby={labelId} sx={section.label ? { pt: 0 } : undefined}>
              {items.map((it) => (
                <ListItem key={it.href} disablePadding>
                  <ListItemButton
                    component={Link}
                    href={it.href}
                    selected={isActive(it.href)}
                    aria-current={isActive(it.href) ? "page" : undefined}
                    onClick={onNavigate}
                  >
                    <ListItemText primary={it.label} />
                  </ListItemButton>
                </ListItem>
              ))}
            </List>
          </Fragment>
        );
      })}
    </Box>
  );
}

/**
 * The console's frame: an app bar, the navigation and the page. From the `md` breakpoint up the navigation is a
 * permanent drawer; below it, a temporary one that the menu button opens and any link closes.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const [navOpen, setNavOpen] = useState(false);
  return (
    <Box sx={{ display: "flex", minHeight: "100vh" }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }}>
        <Toolbar>
          <IconButton
            color="inherit"
            edge="start"
            aria-label="Open navigation"
            aria-haspopup="true"
            aria-expanded={navOpen}
            onClick={() => setNavOpen(true)}
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
      <Drawer
        variant="temporary"
        open={navOpen}
        onClose={() => setNavOpen(false)}
        sx={{ display: { xs: "block", md: "none" }, "& .MuiDrawer-paper": { width: DRAWER, boxSizing: "border-box" } }}
      >
        <MainNav onNavigate={() => setNavOpen(false)} />
      </Drawer>
      <Drawer
        variant="permanent"
        sx={{
          display: { xs: "none", md: "block" },
          width: DRAWER,
          flexShrink: 0,
          "& .MuiDrawer-paper": { width: DRAWER, boxSizing: "border-box" },
        }}
      >
        <Toolbar />
        <MainNav />
      </Drawer>
      <Box component="main" sx={{ flex: 1, p: { xs: 2, sm: 3 }, minWidth: 0 }}>
        <Toolbar />
        {children}
      </Box>
    </Box>
  );
}
