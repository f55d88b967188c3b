// The signed-in member's notification preferences: one toggle per type and channel.
import type { FormEvent } from "react";
import { Panel, QueryState } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { usePreferences, useUpdatePreferences } from "./api";
import { useDraft } from "./form";
import { Checkbox, SaveBar } from "./parts";
import { channelLabel, channelsOf, preferenceChanges, typeLabel, type Preferences } from "./preferences";

export function NotificationSettings() {
  const preferences = usePreferences();
  return (
    <Panel title="Notifications">
      <p className="muted">Your own choices in this workspace; other members choose theirs.</p>
      <QueryState query={preferences}>{(data) => <PreferencesForm preferences={data.preferences} />}</QueryState>
    </Panel>
  );
}

function PreferencesForm({ preferences }: { preferences: Preferences }) {
  const toast = useToast();
  const save = useUpdatePreferences();
  const draft = useDraft({ preferences });
  const errors = formErrors(save.error, []);
  const values = draft.values.preferences;
  const channels = channelsOf(values);
  const toggle = (type: string, channel: string, on: boolean) =>
    draft.set("preferences", { ...values, [type]: { ...values[type], [channel]: on } });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(preferenceChanges(draft.saved.preferences, values), {
      onSuccess: (saved) => {
        draft.commit({ preferences: saved.preferences });
        toast("Notification preferences saved");
      },
    });
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      {Object.entries(values).map(([type, byChannel]) => (
        <fieldset key={type} className="settings-fieldset settings-pref">
          <legend>{typeLabel(type)}</legend>
          {channels.map((channel) => (
            <Checkbox
              key={channel}
              label={channelLabel(channel)}
              checked={byChannel[channel] ?? false}
              onChange={(e) => toggle(type, channel, e.target.checked)}
            />
          ))}
        </fieldset>
      ))}
      <SaveBar dirty={draft.dirty} saving={save.isPending} onDiscard={draft.discard} error={errors.form} />
    </form>
  );
}
