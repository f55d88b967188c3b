// The sidebar. A capability with screens adds one entry here (calendar, voice, integrations and admin slot in
// the same way); `soon` entries are listed, not linked.
export interface NavItem {
  to: string;
  label: string;
  icon: string;
  soon?: boolean;
  /** shown only to these workspace roles (all roles when absent) */
  roles?: readonly string[];
  /** shown only to LeadPilot platform administrators */
  platformAdmin?: boolean;
}

export const NAV: NavItem[] = [
  { to: "/", label: "Home", icon: "⌂" },
  { to: "/contacts", label: "Contacts", icon: "☺" },
  { to: "/pipelines", label: "Pipelines", icon: "▥" },
  { to: "/tasks", label: "Tasks", icon: "✓" },
  { to: "/calendar", label: "Calendar", icon: "▦" },
  { to: "/inbox", label: "Inbox", icon: "✉" },
  { to: "/calls", label: "Calls", icon: "☎" },
  { to: "/automations", label: "Automations", icon: "⚡" },
  { to: "/sequences", label: "Sequences", icon: "≡" },
  { to: "/settings", label: "Settings", icon: "⚙" },
  { to: "/integrations", label: "Integrations", icon: "⇄" },
  { to: "/webhooks", label: "Webhooks", icon: "↯" },
  { to: "/agency", label: "Agency", icon: "⌘", roles: ["owner", "admin"] },
  { to: "/admin", label: "Platform", icon: "♛", platformAdmin: true },
];
