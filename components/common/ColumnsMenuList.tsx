"use client";
import type { ReactNode } from "react";
import ListItemIcon from "@mui/material/ListItemIcon";
import ListItemText from "@mui/material/ListItemText";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import Check from "@mui/icons-material/Check";

/** The "Columns" menu's list: a tick per column that may be hidden. */
export function ColumnsMenuList(props: {
  id: string;
  anchor: HTMLElement;
  items: { id: string; header: ReactNode; shown: boolean }[];
  onToggle: (id: string) => void;
  onClose: () => void;
}) {
  return (
    <Menu id={props.id} anchorEl={props.anchor} open onClose={props.onClose}>
      {props.items.map((c) => (
        <MenuItem key={c.id} role="menuitemcheckbox" aria-checked={c.shown} onClick={() => props.onToggle(c.id)} dense>
          <ListItemIcon>{c.shown ? <Check fontSize="small" /> : null}</ListItemIcon>
          <ListItemText primary={c.header} />
        </MenuItem>
      ))}
    </Menu>
  );
}
