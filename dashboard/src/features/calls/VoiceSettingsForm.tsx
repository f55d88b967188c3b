// A number's voice settings: the AI receptionist, what it says and knows, its tools and the event type it books,
// the human fallback, recording, language and voice, the voicemail message, outcome labels and hours (with their
// weekdays). The API's 422s show next to the fields they name.
import { useState, type FormEvent } from "react";
import { FormError, SelectField, TextArea, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useEventTypes, useSaveVoiceSettings, type VoiceSettings } from "./api";
import { label } from "./model";

type Tool = VoiceSettings["tools"][number];
const TOOLS: Tool[] = [
  "lookup_caller",
  "check_availability",
  "book_appointment",
  "reschedule_appointment",
  "cancel_appointment",
  "create_task",
  "create_note",
  "send_sms",
  "transfer_to_human",
  "end_call",
];
type Weekday = NonNullable<NonNullable<VoiceSettings["ai_hours"]>["weekdays"]>[number];
const WEEKDAYS: [Weekday, string][] = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
];
// The languages ConversationRelay speaks and transcribes well; a saved one not listed here stays selectable.
const LANGUAGES: [string, string][] = [
  ["en-US", "English (US)"],
  ["en-GB", "English (UK)"],
  ["en-AU", "English (Australia)"],
  ["es-US", "Spanish (US)"],
  ["es-ES", "Spanish (Spain)"],
  ["fr-FR", "French"],
  ["de-DE", "German"],
  ["it-IT", "Italian"],
  ["pt-BR", "Portuguese (Brazil)"],
  ["nl-NL", "Dutch"],
];
const FIELDS = [
  "ai_enabled",
  "greeting",
  "instructions",
  "knowledge",
  "tools",
  "event_type_id",
  "fallback_number",
  "recording",
  "recording_announcement",
  "language",
  "voice",
  "voicemail_message",
  "outcome_labels",
  "calling_hours/start",
  "calling_hours/end",
  "ai_hours/timezone",
  "ai_hours/start",
  "ai_hours/end",
  "ai_hours/weekdays",
] as const;

interface Draft {
  ai_enabled: boolean;
  greeting: string;
  instructions: string;
  knowledge: string;
  tools: Tool[];
  event_type_id: string;
  fallback_number: string;
  recording: boolean;
  recording_announcement: string;
  language: string;
  voice: string;
  voicemail_message: string;
  outcome_labels: string;
  calling_start: string;
  calling_end: string;
  limit_hours: boolean;
  ai_timezone: string;
  ai_start: string;
  ai_end: string;
  ai_weekdays: Weekday[];
}

function draftOf(s: VoiceSettings): Draft {
  return {
    ai_enabled: s.ai_enabled,
    greeting: s.greeting,
    instructions: s.instructions,
    knowledge: s.knowledge,
    tools: [...s.tools],
    event_type_id: s.event_type_id ?? "",
    fallback_number: s.fallback_number ?? "",
    recording: s.recording,
    recording_announcement: s.recording_announcement,
    language: s.language,
    voice: s.voice,
    voicemail_message: s.voicemail_message,
    outcome_labels: s.outcome_labels.join(", "),
    calling_start: s.calling_hours.start,
    calling_end: s.calling_hours.end,
    limit_hours: s.ai_hours !== null,
    ai_timezone: s.ai_hours?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    ai_start: s.ai_hours?.start ?? "09:00",
    ai_end: s.ai_hours?.end ?? "17:00",
    ai_weekdays: [...(s.ai_hours?.weekdays ?? [])],
  };
}

export function VoiceSettingsForm({ settings }: { settings: VoiceSettings }) {
  const [draft, setDraft] = useState(() => draftOf(settings));
  const save = useSaveVoiceSettings(settings.number_id);
  const eventTypes = useEventTypes();
  const toast = useToast();
  const errors = formErrors(save.error, FIELDS);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const text = (key: keyof Draft) => ({
    value: draft[key] as string,
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      {
        ai_enabled: draft.ai_enabled,
        greeting: draft.greeting,
        instructions: draft.instructions,
        knowledge: draft.knowledge,
        tools: draft.tools,
        event_type_id: draft.event_type_id || null,
        fallback_number: draft.fallback_number.trim() || null,
        recording: draft.recording,
        recording_announcement: draft.recording_announcement,
        language: draft.language,
        voice: draft.voice.trim(),
        voicemail_message: draft.voicemail_message,
        outcome_labels: draft.outcome_labels
          .split(",")
          .map((l) => l.trim())
          .filter(Boolean),
        calling_hours: { start: draft.calling_start, end: draft.calling_end },
        ai_hours: draft.limit_hours
          ? {
              timezone: draft.ai_timezone,
              start: draft.ai_start,
              end: draft.ai_end,
              // in the week's order, whatever order they were ticked in; none ticked = every day
              weekdays: WEEKDAYS.map(([day]) => day).filter((day) => draft.ai_weekdays.includes(day)),
            }
          : null,
      },
      {
        onSuccess: (saved) => {
          setDraft(draftOf(saved)); // the server normalises the fallback number and drops a transfer without one
          toast("Voice settings saved");
        },
      },
    );
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={`Voice settings of ${settings.number}`}>
      <label className="row">
        <input type="checkbox" checked={draft.ai_enabled} onChange={(e) => set("ai_enabled", e.target.checked)} />
        AI receptionist answers this number
      </label>
      <TextField label="Greeting" {...text("greeting")} error={errors.fields.greeting} />
      <TextArea label="Instructions" rows={3} {...text("instructions")} error={errors.fields.instructions} />
      <TextArea
        label="Knowledge"
        rows={4}
        {...text("knowledge")}
        error={errors.fields.knowledge}
        hint="Business hours, services, prices, frequent questions."
      />
      <fieldset className="calls-tools">
        <legend>Tools the agent may use</legend>
        {TOOLS.map((tool) => (
          <label key={tool} className="chip">
            <input
              type="checkbox"
              checked={draft.tools.includes(tool)}
              onChange={(e) =>
                set("tools", e.target.checked ? [...draft.tools, tool] : draft.tools.filter((t) => t !== tool))
              }
            />
            {label(tool)}
          </label>
        ))}
        {errors.fields.tools ? (
          <span className="field-error" role="alert">
            {errors.fields.tools}
          </span>
        ) : null}
      </fieldset>
      <SelectField
        label="Booking event type"
        value={draft.event_type_id}
        onChange={(e) => set("event_type_id", e.target.value)}
        error={errors.fields.event_type_id ?? (eventTypes.isError ? "The event types could not be loaded." : undefined)}
        hint="What the agent books when a caller asks for an appointment."
      >
        <option value="">{eventTypes.isPending ? "Loading event types…" : "None (the agent does not book)"}</option>
        {(eventTypes.data?.items ?? []).map((type) => (
          <option key={type.id} value={type.id}>
            {type.name}
          </option>
        ))}
        {draft.event_type_id && eventTypes.data && !eventTypes.data.items.some((t) => t.id === draft.event_type_id) ? (
          <option value={draft.event_type_id}>An event type that no longer exists</option>
        ) : null}
      </SelectField>
      <TextField
        label="Fallback number"
        type="tel"
        {...text("fallback_number")}
        error={errors.fields.fallback_number}
        hint="A person's phone for transfers and outside the AI's hours."
      />
      <label className="row">
        <input type="checkbox" checked={draft.recording} onChange={(e) => set("recording", e.target.checked)} />
        Record calls
      </label>
      {draft.recording ? (
        <TextField
          label="Recording announcement"
          {...text("recording_announcement")}
          error={errors.fields.recording_announcement}
        />
      ) : null}
      <div className="row calls-voice">
        <SelectField
          label="Language"
          value={draft.language}
          onChange={(e) => set("language", e.target.value)}
          error={errors.fields.language}
        >
          {LANGUAGES.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
          {LANGUAGES.some(([code]) => code === draft.language) ? null : (
            <option value={draft.language}>{draft.language}</option>
          )}
        </SelectField>
        <TextField
          label="Voice"
          {...text("voice")}
          error={errors.fields.voice}
          hint="A text-to-speech voice of the language, e.g. en-US-Journey-O."
        />
      </div>
      <TextArea
        label="Voicemail message"
        rows={2}
        {...text("voicemail_message")}
        error={errors.fields.voicemail_message}
      />
      <TextField
        label="Outcome labels"
        {...text("outcome_labels")}
        error={errors.fields.outcome_labels}
        hint="Comma-separated; the analysis picks one per call."
      />
      <fieldset className="row">
        <legend>Calling hours (in the contact's time zone)</legend>
        <TextField label="From" type="time" {...text("calling_start")} error={errors.fields["calling_hours/start"]} />
        <TextField label="Until" type="time" {...text("calling_end")} error={errors.fields["calling_hours/end"]} />
      </fieldset>
      <label className="row">
        <input type="checkbox" checked={draft.limit_hours} onChange={(e) => set("limit_hours", e.target.checked)} />
        The AI answers only during set hours
      </label>
      {draft.limit_hours ? (
        <fieldset className="row calls-hours">
          <legend>AI hours</legend>
          <TextField label="Time zone" {...text("ai_timezone")} error={errors.fields["ai_hours/timezone"]} />
          <TextField label="Opens" type="time" {...text("ai_start")} error={errors.fields["ai_hours/start"]} />
          <TextField label="Closes" type="time" {...text("ai_end")} error={errors.fields["ai_hours/end"]} />
          <fieldset className="calls-weekdays">
            <legend>Days (none ticked: every day)</legend>
            {WEEKDAYS.map(([day, name]) => (
              <label key={day} className="chip">
                <input
                  type="checkbox"
                  checked={draft.ai_weekdays.includes(day)}
                  onChange={(e) =>
                    set(
                      "ai_weekdays",
                      e.target.checked ? [...draft.ai_weekdays, day] : draft.ai_weekdays.filter((d) => d !== day),
                    )
                  }
                />
                {name}
              </label>
            ))}
            {errors.fields["ai_hours/weekdays"] ? (
              <span className="field-error" role="alert">
                {errors.fields["ai_hours/weekdays"]}
              </span>
            ) : null}
          </fieldset>
        </fieldset>
      ) : null}
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save voice settings"}
        </button>
      </div>
    </form>
  );
}
