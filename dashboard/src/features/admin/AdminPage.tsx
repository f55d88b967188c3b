// Platform administration (platform administrators only): every workspace and its controls, usage reports,
// monthly reports, reconciliation, the platform's audit log, the default plans and the platform's settings, each
// a nested route under /admin.
import { Navigate, NavLink, Route, Routes } from "react-router";
import { EmptyState, Loading, Page, Panel } from "@/components/ui";
import { AuditLog } from "@/components/AuditLog";
import { UsageReport } from "@/components/UsageReport";
import { useMe } from "./api";
import { WorkspacesList } from "./WorkspacesList";
import { WorkspaceDetail } from "./WorkspaceDetail";
import { PlatformSettings } from "./PlatformSettings";
import { DefaultPlans } from "./Plans";
import { MonthlyReports, ReconciliationReport } from "./Reports";
import "./admin.css";

const SECTIONS = [
  { path: "workspaces", label: "Workspaces" },
  { path: "usage", label: "Usage" },
  { path: "monthly", label: "Monthly reports" },
  { path: "reconciliation", label: "Reconciliation" },
  { path: "audit", label: "Audit log" },
  { path: "plans", label: "Plans" },
  { path: "settings", label: "Platform settings" },
];

export default function AdminPage() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (!me.data?.platform_admin) {
    return (
      <Page title="Platform">
        <EmptyState>Only LeadPilot platform administrators can open this screen.</EmptyState>
      </Page>
    );
  }
  return (
    <Page title="Platform">
      <div className="admin-layout">
        <nav className="admin-nav" aria-label="Platform sections">
          {SECTIONS.map((section) => (
            <NavLink key={section.path} to={`/admin/${section.path}`} className="nav-link">
              {section.label}
            </NavLink>
          ))}
        </nav>
        <div className="admin-body">
          <Routes>
            <Route index element={<Navigate to="workspaces" replace />} />
            <Route path="workspaces" element={<WorkspacesList />} />
            <Route path="workspaces/:workspaceId" element={<WorkspaceDetail />} />
            <Route path="usage" element={<UsageReport scope="platform" title="Platform usage" />} />
            <Route path="monthly" element={<MonthlyReports />} />
            <Route path="reconciliation" element={<ReconciliationReport />} />
            <Route
              path="audit"
              element={
                <Panel title="Platform audit log">
                  <AuditLog scope="platform" />
                </Panel>
              }
            />
            <Route path="plans" element={<DefaultPlans />} />
            <Route path="settings" element={<PlatformSettings />} />
            <Route path="*" element={<Navigate to="/admin/workspaces" replace />} />
          </Routes>
        </div>
      </div>
    </Page>
  );
}
