// The step editor: name, steps (day offsets, subject, markdown body beside its preview) and the send window.
// The server checks everything again; its refusals appear next to the field they name (steps/1/day, …).
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { FormError, SelectField, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useToast } from "@/components/toast";
import { Markdown } from "./Markdown";
import { useSaveSequence, type Sequence, type SendWindow, type SequenceInput, type Step } from "./api";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DAY_NAMES: Record<string, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};
const DEFAULT_WINDOW: SendWindow = {
  from_hour: 9,
  to_hour: 17,
  weekdays: ["mon", "tue", "wed", "thu", "fri"],
  timezone: "contact",
};
const BLANK_STEP: Step = { day: 1, subject: "", body: "" };

function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, "0")}:00`;
}

/** The fields an answer may name: every step's day, subject and body, and the window's parts. */
function shownFields(steps: Step[]): string[] {
  return [
    "name",
    "steps",
    ...steps.flatMap((_, i) => [`steps/${i}/day`, `steps/${i}/subject`, `steps/${i}/body`]),
    "send_window/from_hour",
    "send_window/to_hour",
    "send_window/weekdays",
    "send_window/timezone",
  ];
}

function StepEditor({
  index,
  step,
  count,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  step: Step;
  count: number;
  errors: Record<string, string>;
  onChange: (step: Step) => void;
  onRemove: () => void;
}) {
  const field = (name: string) => errors[`steps/${index}/${name}`];
  return (
    <fieldset className="panel step">
      <legend>Step {index + 1}</legend>
      <div className="step-grid">
        <div className="stack">
          <div className="row step-head">
            <TextField
              label="Day"
              type="number"
              min={1}
              max={365}
              value={Number.isNaN(step.day) ? "" : step.day}
              onChange={(e) => onChange({ ...step, day: e.target.valueAsNumber })}
              error={field("day")}
              hint={index === 0 ? "Day 1 is the day of enrolment" : undefined}
            />
            <button type="button" className="ghost small" onClick={onRemove} disabled={count === 1}>
              Remove step {index + 1}
            </button>
          </div>
          <TextField
            label="Subject"
            value={step.subject}
            maxLength={300}
            onChange={(e) => onChange({ ...step, subject: e.target.value })}
            error={field("subject")}
          />
          <TextArea
            label="Body (markdown)"
            rows={9}
            value={step.body}
            onChange={(e) => onChange({ ...step, body: e.target.value })}
            error={field("body")}
            hint="**bold**, *italic*, [link](https://…), - lists; {{first_name|there}} fills in the contact's name"
          />
        </div>
        <section className="step-preview" aria-label={`Preview of step ${index + 1}`}>
          <h3 className="muted preview-label">Preview</h3>
          <p className="preview-subject">{step.subject || <span className="muted">(no subject)</span>}</p>
          {step.body.trim() ? <Markdown source={step.body} /> : <p className="muted">Nothing written yet.</p>}
        </section>
      </div>
    </fieldset>
  );
}

function WindowEditor({
  sendWindow,
  onChange,
  errors,
}: {
  sendWindow: SendWindow;
  onChange: (sendWindow: SendWindow) => void;
  errors: Record<string, string>;
}) {
  const days = sendWindow.weekdays ?? [...WEEKDAYS];
  const toggle = (day: (typeof WEEKDAYS)[number]) =>
    onChange({ ...sendWindow, weekdays: days.includes(day) ? days.filter((d) => d !== day) : [...days, day] });
  return (
    <div className="stack">
      <div className="row">
        <SelectField
          label="From"
          value={sendWindow.from_hour}
          onChange={(e) => onChange({ ...sendWindow, from_hour: Number(e.target.value) })}
          error={errors["send_window/from_hour"]}
        >
          {Array.from({ length: 24 }, (_, h) => (
            <option key={h} value={h}>
              {hourLabel(h)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Until"
          value={sendWindow.to_hour}
          onChange={(e) => onChange({ ...sendWindow, to_hour: Number(e.target.value) })}
          error={errors["send_window/to_hour"]}
        >
          {Array.from({ length: 24 }, (_, h) => h + 1).map((h) => (
            <option key={h} value={h}>
              {hourLabel(h)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Time zone"
          value={sendWindow.timezone ?? "contact"}
          onChange={(e) => onChange({ ...sendWindow, timezone: e.target.value })}
          error={errors["send_window/timezone"]}
        >
          <option value="contact">The contact's</option>
          <option value="workspace">The workspace's</option>
        </SelectField>
      </div>
      <fieldset className="weekdays row">
        <legend>Days</legend>
        {WEEKDAYS.map((day) => (
          <label key={day} className={`chip ${days.includes(day) ? "on" : ""}`}>
            <input
              type="checkbox"
              checked={days.includes(day)}
              onChange={() => toggle(day)}
              aria-label={DAY_NAMES[day]}
            />
            {day}
          </label>
        ))}
      </fieldset>
      {errors["send_window/weekdays"] ? <p className="field-error">{errors["send_window/weekdays"]}</p> : null}
    </div>
  );
}

export function SequenceEditor({ sequence }: { sequence: Sequence | null }) {
  const navigate = useNavigate();
  const toast = useToast();
  const save = useSaveSequence(sequence?.id ?? null);
  const [name, setName] = useState(sequence?.name ?? "");
  const [steps, setSteps] = useState<Step[]>(sequence?.steps ?? [BLANK_STEP]);
  const [windowOn, setWindowOn] = useState(Boolean(sequence?.send_window));
  const [sendWindow, setSendWindow] = useState<SendWindow>(sequence?.send_window ?? DEFAULT_WINDOW);
  const errors = formErrors(save.error, shownFields(steps));
  // The API keeps a saved window when a change leaves it out (it has no way to remove one).
  const windowLocked = Boolean(sequence?.send_window);

  const setStep = (index: number, step: Step) => setSteps((list) => list.map((s, i) => (i === index ? step : s)));
  const addStep = () =>
    setSteps((list) => [...list, { day: (list[list.length - 1]?.day ?? 0) + 2, subject: "", body: "" }]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: SequenceInput = { name, steps, ...(windowOn ? { send_window: sendWindow } : {}) };
    save.mutate(body, {
      onSuccess: (saved) => {
        toast(sequence ? "Sequence saved" : "Sequence created");
        if (!sequence) navigate(`/sequences/${saved.id}`, { replace: true });
      },
    });
  };

  return (
    <form className="stack sequence-editor" onSubmit={submit} noValidate aria-label="Sequence">
      <TextField
        label="Sequence name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.fields.name}
        maxLength={120}
      />
      {errors.fields.steps ? <p className="field-error">{errors.fields.steps}</p> : null}
      {steps.map((step, index) => (
        <StepEditor
          key={index}
          index={index}
          step={step}
          count={steps.length}
          errors={errors.fields}
          onChange={(next) => setStep(index, next)}
          onRemove={() => setSteps((list) => list.filter((_, i) => i !== index))}
        />
      ))}
      <div className="row">
        <button type="button" onClick={addStep} disabled={steps.length >= 20}>
          Add step
        </button>
      </div>
      <fieldset className="panel stack">
        <legend>Send window</legend>
        <label className="row">
          <input
            type="checkbox"
            checked={windowOn}
            disabled={windowLocked}
            onChange={(e) => setWindowOn(e.target.checked)}
          />
          Only send within these hours and days
        </label>
        {windowLocked ? <p className="muted">A saved send window can be changed but not removed.</p> : null}
        {windowOn ? <WindowEditor sendWindow={sendWindow} onChange={setSendWindow} errors={errors.fields} /> : null}
      </fieldset>
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : sequence ? "Save changes" : "Create sequence"}
        </button>
        {sequence ? (
          <span className="muted">Contacts already in the sequence keep the version they started.</span>
        ) : null}
      </div>
    </form>
  );
}
