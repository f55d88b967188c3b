// Agency: its sub-accounts (create, open, rebilling), the month's rollups and templates, each a nested route
// (/agency, /agency/rollups, /agency/templates). A workspace that is not an agency is offered to become one.
import { Navigate, NavLink, Route, Routes } from "react-router";
import { FormError, Page, Panel, QueryState } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useAgency, useBecomeAgency } from "./api";
import { SubAccountsScreen } from "./SubAccountsScreen";
import { RollupsScreen } from "./RollupsScreen";
import { TemplatesScreen } from "./TemplatesScreen";
import { useReturnPoint } from "./switching";
import "./agency.css";

const SECTIONS = [
  { path: "/agency", label: "Sub-accounts" },
  { path: "/agency/rollups", label: "Rollups" },
  { path: "/agency/templates", label: "Templates" },
];

export default function AgencyPage() {
  const agency = useAgency();
  return (
    <Page title="Agency">
      <QueryState query={agency}>
        {(data) =>
          data === null ? (
            <BecomeAgency />
          ) : (
            <div className="stack">
              <nav className="agency-tabs" aria-label="Agency sections">
                {SECTIONS.map((section) => (
                  <NavLink key={section.path} to={section.path} end className="nav-link">
                    {section.label}
                  </NavLink>
                ))}
              </nav>
              <Routes>
                <Route index element={<SubAccountsScreen agency={data} />} />
                <Route path="rollups" element={<RollupsScreen />} />
                <Route path="templates" element={<TemplatesScreen agency={data} />} />
                <Route path="*" element={<Navigate to="/agency" replace />} />
              </Routes>
            </div>
          )
        }
      </QueryState>
    </Page>
  );
}

function BecomeAgency() {
  const become = useBecomeAgency();
  const inside = useReturnPoint();
  if (inside) {
    return (
      <Panel title="This is a sub-account">
        <p>
          {inside.subAccountName} is a sub-account of {inside.agencyName}. Its agency screens are in {inside.agencyName}
          : use the “Back to {inside.agencyName}” button above.
        </p>
      </Panel>
    );
  }
  const errors = formErrors(become.error);
  return (
    <Panel title="Run your clients from here">
      <div className="stack agency-intro">
        <p>
          An agency creates a workspace for each client (a sub-account), sees each one’s month at a glance, bills each
          at its own markup and sets new clients up from a template of a proven setup. Clients never see each other or
          this workspace.
        </p>
        <p className="muted">Only the workspace’s owner can make it an agency. A sub-account cannot become one.</p>
        <FormError message={errors.form} />
        <div>
          <button type="button" className="primary" onClick={() => become.mutate()} disabled={become.isPending}>
            {become.isPending ? "Setting up…" : "Make this workspace an agency"}
          </button>
        </div>
      </div>
    </Panel>
  );
}
