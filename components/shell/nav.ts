import type { Permission } from "@/lib/rbac/permissions";

export interface NavItem {
  label: string;
  href: string;
  permission?: Permission;
}
export interface NavSection {
  label?: string;
  items: NavItem[];
}

export const NAV: NavSection[] = [
  {
    items: [
      { label: "Overview", href: "/" },
      { label: "Clusters", href: "/clusters" },
    ],
  },
  {
    label: "Data protection",
    items: [
      { label: "Velero versions", href: "/data-protection" },
      { label: "Credentials", href: "/data-protection/credentials" },
      { label: "Target locations", href: "/data-protection/locations" },
    ],
  },
  {
    items: [
      { label: "Backups", href: "/backups" },
      { label: "Schedules", href: "/schedules" },
      { label: "Restores", href: "/restores" },
      { label: "Restore drills", href: "/drills" },
    ],
  },
  {
    label: "Admin",
    items: [
      { label: "Users", href: "/admin/users", permission: "user.list" },
      { label: "Teams", href: "/admin/teams", permission: "team.list" },
      { label: "Cluster groups", href: "/admin/cluster-groups", permission: "binding.list" },
      { label: "Audit log", href: "/admin/audit", permission: "audit.list" },
    ],
  },
];
