// The workspace: its name (shown in the top bar), time zone and the region phone numbers default to.
import type { FormEvent } from "react";
import { Panel, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useUpdateWorkspace, useWorkspace, type Workspace } from "./api";
import { changedFields, useDraft } from "./form";
import { SaveBar } from "./parts";

const FIELDS = ["name", "timezone", "default_region"];

function timeZones(current: string): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return zones.includes(current) ? zones : [current, ...zones];
}

export function WorkspaceSettings() {
  const workspace = useWorkspace();
  return (
    <Panel title="Workspace">
      <QueryState query={workspace}>{(data) => <WorkspaceForm workspace={data} />}</QueryState>
    </Panel>
  );
}

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const toast = useToast();
  const update = useUpdateWorkspace();
  const draft = useDraft({
    name: workspace.name,
    timezone: workspace.timezone,
    default_region: workspace.default_region,
  });
  const errors = formErrors(update.error, FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(changedFields(draft.saved, draft.values), {
      onSuccess: (saved) => {
        draft.commit({ name: saved.name, timezone: saved.timezone, default_region: saved.default_region });
        toast("Workspace saved");
      },
    });
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <TextField
        label="Workspace name"
        value={draft.values.name}
        maxLength={100}
        onChange={(e) => draft.set("name", e.target.value)}
        error={errors.fields.name}
      />
      <SelectField
        label="Time zone"
        value={draft.values.timezone}
        onChange={(e) => draft.set("timezone", e.target.value)}
        error={errors.fields.timezone}
        hint="Due dates, reminders and the texting window use it when a contact's own zone is unknown."
      >
        {timeZones(draft.values.timezone).map((zone) => (
          <option key={zone} value={zone}>
            {zone.replace(/_/g, " ")}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Default phone region"
        value={draft.values.default_region}
        maxLength={3}
        autoCapitalize="characters"
        onChange={(e) => draft.set("default_region", e.target.value.toUpperCase())}
        error={errors.fields.default_region}
        hint="Two-letter country code (e.g. US, GB) for phone numbers typed without a +country code."
      />
      {workspace.contacts ? (
        <p className="muted">
          {workspace.contacts.total.toLocaleString()} {workspace.contacts.total === 1 ? "contact" : "contacts"} ·
          created {new Date(workspace.created_at).toLocaleDateString()}
        </p>
      ) : null}
      <SaveBar dirty={draft.dirty} saving={update.isPending} onDiscard={draft.discard} error={errors.form} />
    </form>
  );
}
