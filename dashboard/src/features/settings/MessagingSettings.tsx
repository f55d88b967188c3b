// Messaging: the business name texts carry, the first-message footer, the HELP contact and quiet hours.
import type { FormEvent } from "react";
import { Link } from "react-router";
import { Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useMessagingSettings, useUpdateMessagingSettings, useWorkspace, type SmsSettings } from "./api";
import { changedFields, useDraft } from "./form";
import { Checkbox, SaveBar } from "./parts";
import { WEEKDAYS, describeQuietHours, quietHoursToApi, quietHoursToForm } from "./quietHours";

const FIELDS = [
  "business_name",
  "first_message_footer",
  "help_contact",
  "quiet_hours/start",
  "quiet_hours/end",
  "quiet_hours/weekdays",
];

export function MessagingSettings() {
  const settings = useMessagingSettings();
  const zone = useWorkspace().data?.timezone; // asked for beside the settings, not after them
  return (
    <Panel title="Messaging">
      <QueryState query={settings}>{(data) => <MessagingForm settings={data} zone={zone} />}</QueryState>
    </Panel>
  );
}

function toForm(settings: SmsSettings) {
  return {
    business_name: settings.business_name,
    first_message_footer: settings.first_message_footer,
    help_contact: settings.help_contact ?? "",
    quiet: quietHoursToForm(settings.quiet_hours),
  };
}

function MessagingForm({ settings, zone }: { settings: SmsSettings; zone: string | undefined }) {
  const toast = useToast();
  const save = useUpdateMessagingSettings();
  const draft = useDraft(toForm(settings));
  const errors = formErrors(save.error, FIELDS);
  const quiet = draft.values.quiet;
  const setQuiet = (change: Partial<typeof quiet>) => draft.set("quiet", { ...quiet, ...change });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { quiet: quietChange, help_contact, ...rest } = changedFields(draft.saved, draft.values);
    save.mutate(
      {
        ...rest,
        ...(help_contact !== undefined ? { help_contact: help_contact.trim() || null } : {}),
        ...(quietChange ? { quiet_hours: quietHoursToApi(quietChange) } : {}),
      },
      {
        onSuccess: (saved) => {
          draft.commit(toForm(saved));
          toast("Messaging settings saved");
        },
      },
    );
  };
  const weekdaysError = errors.fields["quiet_hours/weekdays"];
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <TextField
        label="Business name"
        maxLength={60}
        value={draft.values.business_name}
        onChange={(e) => draft.set("business_name", e.target.value)}
        error={errors.fields.business_name}
        hint="Named in the first text to a contact and in STOP/HELP answers."
      />
      <Checkbox
        label="Add “Reply STOP to opt out” to the first text a contact receives"
        checked={draft.values.first_message_footer}
        onChange={(e) => draft.set("first_message_footer", e.target.checked)}
        error={errors.fields.first_message_footer}
      />
      <TextField
        label="HELP contact"
        maxLength={80}
        value={draft.values.help_contact}
        onChange={(e) => draft.set("help_contact", e.target.value)}
        error={errors.fields.help_contact}
        hint="A phone number, email or web address sent to contacts who reply HELP."
      />
      <fieldset className="settings-fieldset">
        <legend>Quiet hours</legend>
        <Checkbox
          label="Only send texts inside a daily window"
          checked={quiet.enabled}
          onChange={(e) => setQuiet({ enabled: e.target.checked })}
        />
        <div className="settings-inline">
          <TextField
            label="Send from"
            type="time"
            value={quiet.start}
            disabled={!quiet.enabled}
            onChange={(e) => setQuiet({ start: e.target.value })}
            error={errors.fields["quiet_hours/start"]}
          />
          <TextField
            label="Send until"
            type="time"
            value={quiet.end}
            disabled={!quiet.enabled}
            onChange={(e) => setQuiet({ end: e.target.value })}
            error={errors.fields["quiet_hours/end"]}
          />
        </div>
        <fieldset className="settings-fieldset settings-days" disabled={!quiet.enabled}>
          <legend>Days texts may go out</legend>
          {WEEKDAYS.map((day, index) => (
            <Checkbox
              key={day}
              label={day}
              checked={quiet.days[index] ?? false}
              onChange={(e) => setQuiet({ days: quiet.days.map((on, i) => (i === index ? e.target.checked : on)) })}
            />
          ))}
          {weekdaysError ? (
            <span className="field-error" role="alert">
              {weekdaysError}
            </span>
          ) : null}
        </fieldset>
        <p className="muted" aria-live="polite">
          {describeQuietHours(quiet, zone)} The workspace's zone is set in{" "}
          <Link to="/settings/workspace">Workspace</Link>.
        </p>
      </fieldset>
      <SaveBar dirty={draft.dirty} saving={save.isPending} onDiscard={draft.discard} error={errors.form} />
    </form>
  );
}
