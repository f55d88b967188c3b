// Settings: a sub-navigation of sections, each its own nested route (/settings/workspace, /settings/members, …);
// /settings opens the first.
import type { ReactNode } from "react";
import { Navigate, NavLink, Route, Routes } from "react-router";
import { Page } from "@/components/ui";
import { ApiKeysSettings } from "./ApiKeysSettings";
import { AuditSettings, UsageReportSettings } from "./AuditSettings";
import { EmailSenderSettings } from "./EmailSenderSettings";
import { MembersSettings } from "./MembersSettings";
import { MessagingSettings } from "./MessagingSettings";
import { NotificationSettings } from "./NotificationSettings";
import { PhoneNumbersSettings } from "./PhoneNumbersSettings";
import { UsageSettings } from "./UsageSettings";
import { WorkspaceSettings } from "./WorkspaceSettings";
import "./settings.css";

export const SECTIONS: { path: string; label: string; element: ReactNode }[] = [
  { path: "workspace", label: "Workspace", element: <WorkspaceSettings /> },
  { path: "members", label: "Members", element: <MembersSettings /> },
  { path: "api-keys", label: "API keys", element: <ApiKeysSettings /> },
  { path: "phone-numbers", label: "Phone numbers", element: <PhoneNumbersSettings /> },
  { path: "email", label: "Email sender", element: <EmailSenderSettings /> },
  { path: "messaging", label: "Messaging", element: <MessagingSettings /> },
  { path: "usage", label: "Usage and limits", element: <UsageSettings /> },
  { path: "notifications", label: "Notifications", element: <NotificationSettings /> },
  { path: "usage-report", label: "Usage report", element: <UsageReportSettings /> },
  { path: "audit", label: "Audit and support access", element: <AuditSettings /> },
];

export default function SettingsPage() {
  const first = SECTIONS[0]?.path ?? "workspace";
  return (
    <Page title="Settings">
      <div className="settings-layout">
        <nav className="settings-nav" aria-label="Settings sections">
          {SECTIONS.map((section) => (
            <NavLink key={section.path} to={`/settings/${section.path}`} className="nav-link">
              {section.label}
            </NavLink>
          ))}
        </nav>
        <div className="settings-body">
          <Routes>
            <Route index element={<Navigate to={first} replace />} />
            {SECTIONS.map((section) => (
              <Route key={section.path} path={section.path} element={section.element} />
            ))}
            <Route path="*" element={<Navigate to={`/settings/${first}`} replace />} />
          </Routes>
        </div>
      </div>
    </Page>
  );
}
