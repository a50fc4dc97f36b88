"use client";
import { Fragment } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import Box from "@mui/material/Box";
import List from "@mui/material/List";
import ListItem from "@mui/material/ListItem";
import ListItemButton from "@mui/material/ListItemButton";
import ListItemText from "@mui/material/ListItemText";
import ListSubheader from "@mui/material/ListSubheader";
import { NAV } from "./nav";
import { useMe } from "../common/useMe";

/** The console's navigation; `onNavigate` closes the drawer it sits in on a narrow screen. */
export function MainNav({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const { can } = useMe();
  const matches = (href: string) =>
    href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(href + "/");
  // The most specific item that matches is the current one (/data-protection/locations is not also /data-protection).
  const current = NAV.flatMap((s) => s.items)
    .map((it) => it.href)
    .filter(matches)
    .sort((a, b) => b.length - a.length)[0];
  const isActive = (href: string) => href === current;
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
