// The signed-in user's Google and Microsoft calendars, as the integrations catalogue reports them: their busy time
// hides slots, bookings are written there, and moves or deletions there reach the appointments. Each connected
// account lists its calendars: which ones are checked for conflicts, and which one bookings are added to.
import { Link } from "react-router";
import { FormError, Panel, QueryState, SelectField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import {
  useCalendarConnections,
  useChooseCalendars,
  useConnectionCalendars,
  type CalendarConnection,
  type ConnectionCalendars,
} from "./api";

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
              const connection = entry.details.connection;
              return (
                <li key={entry.key} className="stack">
                  <div className="row">
                    <strong>{entry.name}</strong>
                    <span className={badge}>{label}</span>
                    {entry.status === "needs_attention" && entry.reason ? <span>{entry.reason}</span> : null}
                    {entry.details.available === false ? <span>Not offered on this deployment</span> : null}
                  </div>
                  {connection ? <AccountCalendars connectionId={connection.id} account={entry.name} /> : null}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      <p className="cal-hint">
        Busy time in the calendars checked for conflicts is not offered for booking; bookings are added to the calendar
        you choose, and moving or deleting one there updates or cancels the appointment.
      </p>
    </Panel>
  );
}

function AccountCalendars({ connectionId, account }: { connectionId: string; account: string }) {
  const query = useConnectionCalendars(connectionId);
  return (
    <section aria-label={`${account} calendars`} className="cal-account">
      <QueryState query={query} isEmpty={(data) => data.calendars.length === 0} empty="This account has no calendars.">
        {(data) => <CalendarChoice connectionId={connectionId} data={data} />}
      </QueryState>
    </section>
  );
}

function CalendarChoice({ connectionId, data }: { connectionId: string; data: ConnectionCalendars }) {
  const choose = useChooseCalendars(connectionId);
  const errors = formErrors(choose.error, ["conflict_calendars", "write_calendar"]);
  const checked = data.calendars.filter((c) => c.selected_for_conflicts).map((c) => c.id);
  const target = data.calendars.find((c) => c.is_write_target);
  // one change at a time: each sends the whole list of checked calendars, built from what is shown
  const toggle = (id: string, on: boolean) =>
    choose.mutate({ conflict_calendars: on ? [...checked, id] : checked.filter((c) => c !== id) });
  return (
    <div className="cal-choice">
      <fieldset className="cal-conflicts" disabled={choose.isPending}>
        <legend>Check for conflicts</legend>
        {data.calendars.map((calendar) => (
          <label key={calendar.id} className="row">
            <input
              type="checkbox"
              checked={calendar.selected_for_conflicts}
              onChange={(event) => toggle(calendar.id, event.target.checked)}
            />
            <span>{calendar.name}</span>
            {calendar.primary ? <span className="badge">Primary</span> : null}
            {calendar.writable ? null : <span className="badge">Read-only</span>}
          </label>
        ))}
        {errors.fields["conflict_calendars"] ? (
          <span className="field-error" role="alert">
            {errors.fields["conflict_calendars"]}
          </span>
        ) : null}
      </fieldset>
      <SelectField
        label="Add bookings to"
        value={target?.id ?? ""}
        disabled={choose.isPending}
        error={errors.fields["write_calendar"]}
        onChange={(event) => choose.mutate({ write_calendar: event.target.value })}
      >
        {target ? null : <option value="">Choose a calendar</option>}
        {data.calendars
          .filter((calendar) => calendar.writable)
          .map((calendar) => (
            <option key={calendar.id} value={calendar.id}>
              {calendar.name}
            </option>
          ))}
      </SelectField>
      <FormError message={errors.form} />
    </div>
  );
}
