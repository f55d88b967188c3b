// Booking setup: the member's weekly hours, the event types, and the workspace's booking page (its slug, the
// public links and the embed snippet).
import { useState, type FormEvent } from "react";
import { EmptyState, FormError, Panel, QueryState, SelectField, TextArea, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import {
  useBookingSlug,
  useEventTypes,
  useSaveEventType,
  useSaveSchedule,
  useSchedules,
  useSetBookingSlug,
  type EventType,
  type Schedule,
} from "./api";
import { browserZone } from "./time";

const DAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
] as const;
type Day = (typeof DAYS)[number][0];
type Hours = Record<Day, { on: boolean; start: string; end: string }>;

export function Editors() {
  const schedules = useSchedules();
  return (
    <div className="grid cal-editors">
      <QueryState query={schedules}>
        {(page) => <AvailabilityEditor schedule={page.items.find((s) => s.default) ?? page.items[0] ?? null} />}
      </QueryState>
      <EventTypes />
      <BookingPageSettings />
    </div>
  );
}

function hoursOf(schedule: Schedule | null): Hours {
  const hours = {} as Hours;
  for (const [day] of DAYS) {
    const first = schedule?.weekly[day]?.[0];
    const weekday = day !== "sat" && day !== "sun";
    hours[day] = first
      ? { on: true, start: first.start, end: first.end }
      : { on: !schedule && weekday, start: "09:00", end: "17:00" };
  }
  return hours;
}

function AvailabilityEditor({ schedule }: { schedule: Schedule | null }) {
  const [name, setName] = useState(schedule?.name ?? "Working hours");
  const [timezone, setTimezone] = useState(schedule?.timezone ?? browserZone());
  const [hours, setHours] = useState<Hours>(() => hoursOf(schedule));
  const save = useSaveSchedule(schedule?.id ?? null);
  const toast = useToast();
  const errors = formErrors(save.error, ["name", "timezone", "weekly"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const weekly = Object.fromEntries(
      DAYS.map(([day]) => [day, hours[day].on ? [{ start: hours[day].start, end: hours[day].end }] : []]),
    );
    save.mutate({ name, timezone, weekly }, { onSuccess: () => toast("Availability saved") });
  };
  const set = (day: Day, change: Partial<Hours[Day]>) => setHours({ ...hours, [day]: { ...hours[day], ...change } });
  return (
    <Panel title="Availability">
      <form className="stack" onSubmit={submit} aria-label="Availability">
        <TextField
          label="Schedule name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <TextField
          label="Time zone"
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
          error={errors.fields.timezone}
        />
        <fieldset className="cal-hours">
          <legend>Weekly hours</legend>
          {DAYS.map(([day, label]) => (
            <div key={day} className="row">
              <label className="cal-day-toggle">
                <input type="checkbox" checked={hours[day].on} onChange={(e) => set(day, { on: e.target.checked })} />
                {label}
              </label>
              <input
                type="time"
                aria-label={`${label} from`}
                value={hours[day].start}
                step={300}
                disabled={!hours[day].on}
                onChange={(e) => set(day, { start: e.target.value })}
              />
              <input
                type="time"
                aria-label={`${label} until`}
                value={hours[day].end}
                step={300}
                disabled={!hours[day].on}
                onChange={(e) => set(day, { end: e.target.value })}
              />
            </div>
          ))}
          {errors.fields.weekly ? <p className="field-error">{errors.fields.weekly}</p> : null}
        </fieldset>
        <FormError message={errors.form} />
        <button type="submit" className="primary" disabled={save.isPending}>
          Save availability
        </button>
      </form>
    </Panel>
  );
}

function EventTypes() {
  const query = useEventTypes();
  const slug = useBookingSlug();
  const [editing, setEditing] = useState<EventType | "new" | null>(null);
  return (
    <Panel
      title="Event types"
      actions={
        <button type="button" className="small primary" onClick={() => setEditing("new")}>
          New event type
        </button>
      }
    >
      <QueryState query={query}>
        {(page) =>
          page.items.length === 0 ? (
            <EmptyState>No event types yet: create one, then share its booking page.</EmptyState>
          ) : (
            <ul className="stack cal-types" aria-label="Event types">
              {page.items.map((et) => (
                <li key={et.id} className="row">
                  <button type="button" className="ghost small" onClick={() => setEditing(et)}>
                    {et.name}
                  </button>
                  <span className="muted">
                    {et.durations.join(" / ")} min · {et.assignment.replace("_", "-")}
                  </span>
                  {slug.data?.slug ? (
                    <a href={`/app/book/${slug.data.slug}/${et.slug}`} target="_blank" rel="noreferrer">
                      Booking page of {et.name}
                    </a>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      {editing ? (
        <EventTypeForm
          key={editing === "new" ? "new" : editing.id}
          eventType={editing === "new" ? null : editing}
          onDone={() => setEditing(null)}
        />
      ) : null}
    </Panel>
  );
}

function EventTypeForm({ eventType, onDone }: { eventType: EventType | null; onDone: () => void }) {
  const [name, setName] = useState(eventType?.name ?? "");
  const [slug, setSlug] = useState(eventType?.slug ?? "");
  const [durations, setDurations] = useState((eventType?.durations ?? [30]).join(", "));
  const [location, setLocation] = useState(eventType?.location.kind ?? "video");
  const [description, setDescription] = useState(eventType?.description ?? "");
  const [notice, setNotice] = useState(String(eventType?.min_notice_minutes ?? 60));
  const save = useSaveEventType(eventType?.id ?? null);
  const toast = useToast();
  const errors = formErrors(save.error, ["name", "slug", "durations", "location", "description", "min_notice_minutes"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minutes = durations
      .split(/[ ,]+/)
      .filter(Boolean)
      .map((value) => Number(value));
    save.mutate(
      {
        name,
        slug,
        durations: minutes,
        location: { kind: location as "video" | "phone" | "in_person" },
        description: description || null,
        min_notice_minutes: Number(notice) || 0,
      },
      {
        onSuccess: () => {
          toast(eventType ? "Event type saved" : "Event type created");
          onDone();
        },
      },
    );
  };
  return (
    <form
      className="stack cal-form"
      onSubmit={submit}
      aria-label={eventType ? `Edit ${eventType.name}` : "New event type"}
    >
      <TextField
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.fields.name}
        required
      />
      <TextField
        label="Slug"
        value={slug}
        onChange={(e) => setSlug(e.target.value)}
        error={errors.fields.slug}
        hint="Lower-case letters, digits and dashes: the end of the booking URL"
        required
      />
      <TextField
        label="Durations (minutes)"
        value={durations}
        onChange={(e) => setDurations(e.target.value)}
        error={errors.fields.durations}
        hint="One or more, separated by commas; multiples of 5"
      />
      <SelectField
        label="Location"
        value={location}
        onChange={(e) => setLocation(e.target.value as typeof location)}
        error={errors.fields.location}
      >
        <option value="video">Video call</option>
        <option value="phone">Phone call</option>
        <option value="in_person">In person</option>
      </SelectField>
      <TextField
        label="Minimum notice (minutes)"
        type="number"
        min={0}
        value={notice}
        onChange={(e) => setNotice(e.target.value)}
        error={errors.fields.min_notice_minutes}
      />
      <TextArea
        label="Description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={errors.fields.description}
      />
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {eventType ? "Save event type" : "Create event type"}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function BookingPageSettings() {
  const query = useBookingSlug();
  return (
    <Panel title="Booking page">
      <QueryState query={query}>{(data) => <SlugForm current={data.slug ?? ""} />}</QueryState>
    </Panel>
  );
}

function SlugForm({ current }: { current: string }) {
  const [slug, setSlug] = useState(current);
  const save = useSetBookingSlug();
  const toast = useToast();
  const errors = formErrors(save.error, ["slug"]);
  const origin = window.location.origin;
  return (
    <form
      className="stack"
      aria-label="Booking page"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(slug, { onSuccess: () => toast("Booking page saved") });
      }}
    >
      <TextField
        label="Booking page slug"
        value={slug}
        onChange={(e) => setSlug(e.target.value)}
        error={errors.fields.slug}
        hint={`Public pages: ${origin}/app/book/${slug || "<slug>"}/<event type>`}
      />
      <FormError message={errors.form} />
      <button type="submit" className="primary" disabled={save.isPending}>
        Save booking page
      </button>
      {current ? (
        <div className="stack">
          <label htmlFor="embed-snippet">Embed on your site (one script tag)</label>
          <textarea
            id="embed-snippet"
            readOnly
            rows={2}
            value={`<script src="${origin}/app/embed.js" data-leadpilot-booking="${current}/EVENT-TYPE-SLUG" async></script>`}
          />
        </div>
      ) : null}
    </form>
  );
}
