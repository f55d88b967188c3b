// The signed-in user's Google and Microsoft calendars, as the integrations catalogue reports them: their busy time
// hides slots, bookings are written there, and moves or deletions there reach the appointments.
import { Link } from "react-router";
import { Panel, QueryState } from "@/components/ui";
import { useCalendarConnections, type CalendarConnection } from "./api";

const STATUS: Record<CalendarConnection["status"], [string, string]> = {
  connected: ["Connected", "badge success"],
  needs_attention: ["Needs attention", "badge warning"],
  not_connected: ["Not connected", "badge"],
};

export function ConnectedCalendars() {
  const query = useCalendarConnections();
  return (
    <Panel
      title="Connected calendars"
      aria-label="Connected calendars"
      actions={<Link to="/integrations">Manage in Integrations</Link>}
    >
      <QueryState
        query={query}
        isEmpty={(items) => items.length === 0}
        empty="Calendar connections are not available on this deployment."
      >
        {(items) => (
          <ul className="stack cal-connections">
            {items.map((entry) => {
              const [label, badge] = STATUS[entry.status];
              return (
                <li key={entry.key} className="row">
                  <strong>{entry.name}</strong>
                  <span className={badge}>{label}</span>
                  {entry.status === "needs_attention" && entry.reason ? <span>{entry.reason}</span> : null}
                  {entry.details.available === false ? <span>Not offered on this deployment</span> : null}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      <p className="cal-hint">
        Busy time in a connected calendar is not offered for booking; bookings appear there, and moving or deleting one
        there updates or cancels the appointment.
      </p>
    </Panel>
  );
}
