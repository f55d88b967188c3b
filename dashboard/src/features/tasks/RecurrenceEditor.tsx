// A friendly editor of a task's repeat rule: daily, weekly on chosen days, or monthly, every N, until a day or
// for a number of times. A rule it cannot show (written through the API) is edited as RRULE text instead.
import { useId, useState } from "react";
import { SelectField, TextField } from "@/components/ui";
import { describe, fromRule, NO_RECURRENCE, toRule, WEEKDAYS, type Frequency, type Recurrence } from "./recurrence";

export function RecurrenceEditor({
  rule,
  onChange,
  error,
}: {
  rule: string | null;
  onChange: (rule: string | null) => void;
  error?: string | undefined;
}) {
  const id = useId();
  // The editor keeps its own state: a half-made choice ("ends on a date", no date yet) has no rule of its own.
  const [state, setState] = useState<Recurrence | null>(() => fromRule(rule));
  const apply = (next: Recurrence) => {
    setState(next);
    onChange(toRule(next));
  };
  if (state === null) {
    return (
      <fieldset className="recurrence">
        <legend>Repeats</legend>
        <TextField
          label="Repeat rule (RRULE)"
          value={rule ?? ""}
          onChange={(e) => onChange(e.target.value || null)}
          error={error}
        />
        <button type="button" className="small" onClick={() => apply(NO_RECURRENCE)}>
          Stop repeating
        </button>
      </fieldset>
    );
  }
  const set = (patch: Partial<Recurrence>) => apply({ ...state, ...patch });
  const unit = { none: "", daily: "days", weekly: "weeks", monthly: "months" }[state.frequency];
  return (
    <fieldset className="recurrence" aria-describedby={`${id}-summary`}>
      <legend>Repeats</legend>
      <div className="row">
        <SelectField
          label="Repeat"
          value={state.frequency}
          onChange={(e) => apply({ ...state, frequency: e.target.value as Frequency })}
        >
          <option value="none">Does not repeat</option>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="monthly">Monthly</option>
        </SelectField>
        {state.frequency !== "none" ? (
          <TextField
            label={`Every how many ${unit}`}
            type="number"
            min={1}
            max={1000}
            value={state.interval}
            onChange={(e) => set({ interval: Math.max(1, Number(e.target.value) || 1) })}
          />
        ) : null}
      </div>
      {state.frequency === "weekly" ? (
        <fieldset className="weekdays">
          <legend>On days</legend>
          {WEEKDAYS.map((day) => (
            <label key={day.code} className="weekday">
              <input
                type="checkbox"
                checked={state.weekdays.includes(day.code)}
                onChange={(e) =>
                  set({
                    weekdays: e.target.checked
                      ? [...state.weekdays, day.code]
                      : state.weekdays.filter((d) => d !== day.code),
                  })
                }
              />
              <span aria-hidden="true">{day.short}</span>
              <span className="sr-only">{day.long}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      {state.frequency === "monthly" ? (
        <SelectField
          label="On day of the month"
          value={state.monthDay ?? ""}
          onChange={(e) => set({ monthDay: e.target.value ? Number(e.target.value) : null })}
        >
          <option value="">Same day as the due date</option>
          {Array.from({ length: 31 }, (_, i) => (
            <option key={i + 1} value={i + 1}>
              {i + 1}
            </option>
          ))}
        </SelectField>
      ) : null}
      {state.frequency !== "none" ? (
        <div className="row">
          <SelectField
            label="Ends"
            value={state.ending}
            onChange={(e) => set({ ending: e.target.value as Recurrence["ending"] })}
          >
            <option value="never">Never</option>
            <option value="until">On a date</option>
            <option value="count">After a number of times</option>
          </SelectField>
          {state.ending === "until" ? (
            <TextField
              label="Last date"
              type="date"
              value={state.until}
              onChange={(e) => set({ until: e.target.value })}
            />
          ) : null}
          {state.ending === "count" ? (
            <TextField
              label="Times"
              type="number"
              min={1}
              max={1000}
              value={state.count}
              onChange={(e) => set({ count: Math.max(1, Number(e.target.value) || 1) })}
            />
          ) : null}
        </div>
      ) : null}
      <p id={`${id}-summary`} className="muted">
        {describe(state)}
      </p>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </fieldset>
  );
}
