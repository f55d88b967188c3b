// The calendar screen: appointments by week or month, and the editors of event types, availability and the
// workspace's booking page.
import { useState } from "react";
import { EmptyState, Page, Panel, QueryState } from "@/components/ui";
import { useAppointmentOutcome, useAppointments, type Appointment } from "./api";
import { ConnectedCalendars } from "./ConnectedCalendars";
import { Editors } from "./Editors";
import { addDays, isoDate, sameDay, timeLabel, viewDays } from "./time";
import "./calendar.css";

type View = "week" | "month";
type Tab = "calendar" | "setup";

export default function CalendarPage() {
  const [tab, setTab] = useState<Tab>("calendar");
  return (
    <Page title="Calendar">
      <div role="tablist" aria-label="Calendar sections" className="row cal-tabs">
        {(["calendar", "setup"] as const).map((name) => (
          <button
            key={name}
            role="tab"
            type="button"
            aria-selected={tab === name}
            className={tab === name ? "primary small" : "ghost small"}
            onClick={() => setTab(name)}
          >
            {name === "calendar" ? "Appointments" : "Booking setup"}
          </button>
        ))}
      </div>
      {tab === "calendar" ? <Appointments /> : <Editors />}
      <ConnectedCalendars />
    </Page>
  );
}

function Appointments() {
  const [view, setView] = useState<View>("week");
  const [anchor, setAnchor] = useState(() => new Date());
  const days = viewDays(anchor, view);
  const start = days[0]!;
  const end = addDays(days[days.length - 1]!, 1);
  const query = useAppointments(start.toISOString(), end.toISOString());
  const [open, setOpen] = useState<Appointment | null>(null);
  const step = (n: number) =>
    setAnchor(view === "week" ? addDays(anchor, 7 * n) : new Date(anchor.getFullYear(), anchor.getMonth() + n, 1));
  const title =
    view === "week"
      ? `${start.toLocaleDateString([], { day: "numeric", month: "short" })} – ${addDays(end, -1).toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" })}`
      : anchor.toLocaleDateString([], { month: "long", year: "numeric" });
  return (
    <Panel
      title={<h2>{title}</h2>}
      actions={
        <div className="row">
          <button type="button" className="ghost small" onClick={() => step(-1)} aria-label="Previous">
            ‹
          </button>
          <button type="button" className="ghost small" onClick={() => setAnchor(new Date())}>
            Today
          </button>
          <button type="button" className="ghost small" onClick={() => step(1)} aria-label="Next">
            ›
          </button>
          <div role="radiogroup" aria-label="View" className="row">
            {(["week", "month"] as const).map((name) => (
              <button
                key={name}
                type="button"
                role="radio"
                aria-checked={view === name}
                className={view === name ? "primary small" : "ghost small"}
                onClick={() => setView(name)}
              >
                {name === "week" ? "Week" : "Month"}
              </button>
            ))}
          </div>
        </div>
      }
    >
      <QueryState query={query}>
        {(page) => (
          <>
            {page.items.length === 0 ? <EmptyState>No appointments in this {view}.</EmptyState> : null}
            <div className={`cal-grid cal-${view}`} role="list" aria-label={`Appointments, ${view} view`}>
              {days.map((day) => (
                <DayCell
                  key={isoDate(day)}
                  day={day}
                  muted={view === "month" && day.getMonth() !== anchor.getMonth()}
                  items={page.items.filter((a) => sameDay(new Date(a.start), day))}
                  onOpen={setOpen}
                />
              ))}
            </div>
          </>
        )}
      </QueryState>
      {open ? <AppointmentCard appointment={open} onClose={() => setOpen(null)} /> : null}
    </Panel>
  );
}

function DayCell({
  day,
  items,
  muted,
  onOpen,
}: {
  day: Date;
  items: Appointment[];
  muted: boolean;
  onOpen: (a: Appointment) => void;
}) {
  const label = day.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
  return (
    <div role="listitem" aria-label={label} className={`cal-day${muted ? " muted" : ""}`}>
      <div className="cal-day-head">{label}</div>
      <ul className="cal-items" aria-label={`Appointments on ${label}`}>
        {items.map((a) => (
          <li key={a.id}>
            <button type="button" className={`cal-item status-${a.status}`} onClick={() => onOpen(a)}>
              <strong>{timeLabel(a.start)}</strong> {a.event_type_name} with {a.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function AppointmentCard({ appointment, onClose }: { appointment: Appointment; onClose: () => void }) {
  const outcome = useAppointmentOutcome();
  const active = appointment.status === "booked" || appointment.status === "pending";
  const act = (kind: "cancel" | "no-show" | "complete") =>
    outcome.mutate({ appointment, outcome: kind }, { onSuccess: onClose });
  return (
    <section className="panel cal-card" aria-label={`Appointment with ${appointment.name}`}>
      <h3>
        {appointment.event_type_name} with {appointment.name}
      </h3>
      <p>
        {new Date(appointment.start).toLocaleString()} – {timeLabel(appointment.end)}{" "}
        <span className="badge">{appointment.status}</span>
      </p>
      <p className="muted">
        {appointment.email}
        {appointment.phone ? ` · ${appointment.phone}` : ""}
      </p>
      {Object.entries(appointment.answers).map(([key, value]) => (
        <p key={key}>
          <span className="muted">{key}:</span> {value}
        </p>
      ))}
      <div className="row">
        {active ? (
          <>
            <button type="button" className="small" onClick={() => act("complete")}>
              Mark completed
            </button>
            <button type="button" className="small" onClick={() => act("no-show")}>
              Mark no-show
            </button>
            <button type="button" className="danger small" onClick={() => act("cancel")}>
              Cancel appointment
            </button>
          </>
        ) : null}
        <button type="button" className="ghost small" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
