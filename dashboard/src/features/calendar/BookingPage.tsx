// The public booking page (no sign-in): pick a day and a time in your own zone, fill in the form, book. Also
// what the embed script shows in its iframe (?embed=1 drops the page frame).
import { useMemo, useState, type FormEvent } from "react";
import { useParams } from "react-router";
import { EmptyState, FormError, Loading, QueryState, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useBook, usePublicPage, usePublicSlots, type PublicPage, type Slot } from "./api";
import { addDays, browserZone, isoDate } from "./time";
import "./calendar.css";

const DAYS_SHOWN = 7;

export default function BookingPage() {
  const { workspace = "", slug = "" } = useParams();
  const page = usePublicPage(workspace, slug);
  return (
    <main className="booking" aria-labelledby="booking-title">
      <QueryState query={page}>{(data) => <Booking workspace={workspace} slug={slug} page={data} />}</QueryState>
    </main>
  );
}

function Booking({ workspace, slug, page }: { workspace: string; slug: string; page: PublicPage }) {
  const zone = browserZone();
  const [first, setFirst] = useState(() => new Date());
  const start = isoDate(first);
  const end = isoDate(addDays(first, DAYS_SHOWN - 1));
  const slots = usePublicSlots(workspace, slug, start, end, zone);
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [done, setDone] = useState<{ start: string; manage_url: string } | null>(null);
  const et = page.event_type;
  if (done) {
    return (
      <section className="panel booking-done" aria-live="polite">
        <h1 id="booking-title">You are booked</h1>
        <p>
          {et.name} with {page.workspace.name},{" "}
          {new Date(done.start).toLocaleString([], { dateStyle: "full", timeStyle: "short" })} ({zone}).
        </p>
        <p>A confirmation is on its way by email.</p>
        <a href={done.manage_url}>Reschedule or cancel</a>
      </section>
    );
  }
  return (
    <section className="panel booking-panel">
      <p className="muted">{page.workspace.name}</p>
      <h1 id="booking-title">{et.name}</h1>
      <p>
        {et.durations[0]} min · {et.location_kind.replace("_", " ")}
      </p>
      {et.description ? <p>{et.description}</p> : null}
      {chosen ? (
        <BookingForm
          workspace={workspace}
          slug={slug}
          page={page}
          slot={chosen}
          zone={zone}
          onBack={() => setChosen(null)}
          onBooked={setDone}
        />
      ) : (
        <>
          <div className="row">
            <button
              type="button"
              className="ghost small"
              disabled={isoDate(first) <= isoDate(new Date())}
              onClick={() => setFirst(addDays(first, -DAYS_SHOWN))}
            >
              Earlier days
            </button>
            <span className="muted">Times in {zone}</span>
            <button type="button" className="ghost small" onClick={() => setFirst(addDays(first, DAYS_SHOWN))}>
              Later days
            </button>
          </div>
          <QueryState query={slots}>{(data) => <SlotPicker slots={data.slots} onPick={setChosen} />}</QueryState>
        </>
      )}
    </section>
  );
}

export function SlotPicker({ slots, onPick }: { slots: Slot[]; onPick: (slot: Slot) => void }) {
  const byDay = useMemo(() => {
    const days = new Map<string, Slot[]>();
    for (const slot of slots) {
      const day = new Date(slot.start).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
      days.set(day, [...(days.get(day) ?? []), slot]);
    }
    return [...days.entries()];
  }, [slots]);
  if (byDay.length === 0) return <EmptyState>No free times these days: try later days.</EmptyState>;
  return (
    <div className="booking-days">
      {byDay.map(([day, list]) => (
        <section key={day} aria-label={day} className="stack">
          <h2>{day}</h2>
          <ul className="booking-slots" aria-label={`Times on ${day}`}>
            {list.map((slot) => (
              <li key={slot.start}>
                <button type="button" className="small" onClick={() => onPick(slot)}>
                  {new Date(slot.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function BookingForm({
  workspace,
  slug,
  page,
  slot,
  zone,
  onBack,
  onBooked,
}: {
  workspace: string;
  slug: string;
  page: PublicPage;
  slot: Slot;
  zone: string;
  onBack: () => void;
  onBooked: (done: { start: string; manage_url: string }) => void;
}) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [consent, setConsent] = useState(false);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const book = useBook(workspace, slug);
  const questions = page.event_type.questions;
  const errors = formErrors(book.error, [
    "name",
    "email",
    "phone",
    "start",
    ...questions.map((q) => `answers/${q.id}`),
  ]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    book.mutate(
      { start: slot.start, timezone: zone, name, email, phone: phone || null, sms_consent: consent, answers },
      { onSuccess: (result) => onBooked({ start: result.appointment.start, manage_url: result.manage_url }) },
    );
  };
  if (book.isPending) return <Loading label="Booking" />;
  return (
    <form className="stack" onSubmit={submit} aria-label="Your details">
      <p>
        <strong>{new Date(slot.start).toLocaleString([], { dateStyle: "full", timeStyle: "short" })}</strong>{" "}
        <button type="button" className="ghost small" onClick={onBack}>
          Change time
        </button>
      </p>
      {errors.fields.start ? (
        <p className="field-error" role="alert">
          {errors.fields.start}
        </p>
      ) : null}
      <TextField
        label="Name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.fields.name}
        required
      />
      <TextField
        label="Email"
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        error={errors.fields.email}
        required
      />
      <TextField
        label="Phone (optional)"
        type="tel"
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
        error={errors.fields.phone}
      />
      <label className="row">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
        Text me about this appointment
      </label>
      {questions.map((q) =>
        q.type === "textarea" ? (
          <TextArea
            key={q.id}
            label={q.label}
            value={answers[q.id] ?? ""}
            required={q.required}
            onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
            error={errors.fields[`answers/${q.id}`]}
          />
        ) : (
          <TextField
            key={q.id}
            label={q.label}
            value={answers[q.id] ?? ""}
            required={q.required}
            onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
            error={errors.fields[`answers/${q.id}`]}
          />
        ),
      )}
      <FormError message={errors.form} />
      <button type="submit" className="primary">
        Book
      </button>
    </form>
  );
}
