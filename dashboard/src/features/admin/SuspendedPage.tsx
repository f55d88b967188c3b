// What a suspended workspace's users see instead of screens that cannot load: why, and the way out.
import { useQueryClient } from "@tanstack/react-query";
import { clearSuspension, type Suspension } from "@/lib/api/suspension";

export function SuspendedPage({ suspension, onLogOut }: { suspension: Suspension; onLogOut: () => void }) {
  const client = useQueryClient();
  const retry = () => {
    clearSuspension();
    void client.invalidateQueries();
  };
  return (
    <main className="suspended-page" id="main">
      <div className="panel stack">
        <h1>This workspace is suspended</h1>
        <p>LeadPilot has suspended this workspace, so its data cannot be opened and nothing is sent from it.</p>
        <p>
          <strong>Reason:</strong> {suspension.reason}
        </p>
        <p className="muted">Nothing has been deleted. Contact LeadPilot support to have it reactivated.</p>
        <div className="row">
          <button type="button" className="primary" onClick={retry}>
            Try again
          </button>
          <button type="button" onClick={onLogOut}>
            Log out
          </button>
        </div>
      </div>
    </main>
  );
}
