"use client";
import { signOut } from "next-auth/react";
import Divider from "@mui/material/Divider";
import Menu from "@mui/material/Menu";
import MenuItem from "@mui/material/MenuItem";
import Typography from "@mui/material/Typography";
import type { Me } from "../common/useMe";

/** The account menu (and next-auth's client, for signing out): loaded when the Account button is first pressed. */
export function AccountMenu({
  me,
  anchor,
  onClose,
  onChangePassword,
}: {
  me: Me | undefined;
  anchor: HTMLElement | null;
  onClose: () => void;
  onChangePassword: () => void;
}) {
  return (
    <Menu anchorEl={anchor} open={Boolean(anchor)} onClose={onClose}>
      <MenuItem disabled sx={{ flexDirection: "column", alignItems: "flex-start", opacity: "1 !important" }}>
        <Typography variant="body2">{me?.name}</Typography>
        <Typography variant="caption" color="text.secondary">
          {me?.email}
        </Typography>
      </MenuItem>
      <Divider />
      {me?.provider === "LOCAL" && <MenuItem onClick={onChangePassword}>Change password</MenuItem>}
      <MenuItem onClick={() => signOut({ callbackUrl: "/signin" })}>Sign out</MenuItem>
    </Menu>
  );
}
