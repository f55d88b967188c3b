// The contact's fields and custom fields, each edited in place (PATCH /contacts/{id} with only that field), and
// its tags (added and removed optimistically, rolled back when the API refuses).
import { useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { isApiError } from "@/lib/api/errors";
import { formErrors } from "@/lib/forms";
import { useToast } from "@/components/toast";
import { FormError, Panel } from "@/components/ui";
import { customValue, type FieldDefinition } from "./columns";
import { useContactFields, useUpdateContact, type Contact, type ContactPatch } from "./api";

const BUILT_IN = [
  { key: "first_name", label: "First name", type: "text" },
  { key: "last_name", label: "Last name", type: "text" },
  { key: "email", label: "Email", type: "email" },
  { key: "phone", label: "Phone", type: "tel" },
  { key: "company", label: "Company", type: "text" },
  { key: "source", label: "Source", type: "text" },
] as const;

type Draft = string | boolean | string[];

/** One field shown as text with an Edit button; editing shows the input, Save/Cancel, and the API's error. */
function EditableField({
  label,
  shown,
  field,
  initial,
  input,
  toPatch,
  contactId,
}: {
  label: string;
  shown: string;
  field: string;
  initial: Draft;
  input: (value: Draft, set: (v: Draft) => void, id: string, invalid: boolean) => ReactNode;
  toPatch: (value: Draft) => ContactPatch;
  contactId: string;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>(initial);
  const update = useUpdateContact(contactId);
  const toast = useToast();
  const errors = formErrors(update.error, [field]);
  const id = `field-${field.replace(/\W/g, "-")}`;

  const start = () => {
    update.reset();
    setDraft(initial);
    setEditing(true);
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(toPatch(draft), {
      onSuccess: () => setEditing(false),
      onError: (error) => {
        if (isApiError(error, 409)) toast("Someone else changed this contact; it has been reloaded.", "error");
      },
    });
  };

  if (!editing) {
    return (
      <div className="field-row">
        <dt>{label}</dt>
        <dd>
          <span className={shown ? "" : "muted"}>{shown || "—"}</span>
          <button type="button" className="ghost small" onClick={start} aria-label={`Edit ${label}`}>
            Edit
          </button>
        </dd>
      </div>
    );
  }
  const message = errors.fields[field] ?? errors.form;
  return (
    <div className="field-row editing">
      <dt>
        <label htmlFor={id}>{label}</label>
      </dt>
      <dd>
        <form
          className="row"
          onSubmit={save}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
          }}
        >
          {input(draft, setDraft, id, Boolean(message))}
          <button type="submit" className="primary small" disabled={update.isPending}>
            Save
          </button>
          <button type="button" className="ghost small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
        {message ? (
          <span className="field-error" role="alert" id={`${id}-error`}>
            {message}
          </span>
        ) : null}
      </dd>
    </div>
  );
}

function textInput(type: string) {
  return function TextInput(value: Draft, set: (v: Draft) => void, id: string, invalid: boolean) {
    return (
      <input
        id={id}
        type={type}
        autoFocus
        value={String(value)}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${id}-error` : undefined}
        onChange={(e) => set(e.target.value)}
      />
    );
  };
}

export function DetailsPanel({ contact }: { contact: Contact }) {
  const update = useUpdateContact(contact.id);
  const toggleDnc = () => update.mutate({ do_not_contact: !contact.do_not_contact });
  return (
    <Panel title="Details">
      <dl className="fields">
        {BUILT_IN.map((f) => {
          const value = contact[f.key] ?? "";
          return (
            <EditableField
              key={f.key}
              contactId={contact.id}
              label={f.label}
              field={f.key}
              shown={value}
              initial={value}
              input={textInput(f.type)}
              toPatch={(v) => ({ [f.key]: String(v).trim() || null })}
            />
          );
        })}
      </dl>
      <label className="row">
        <input type="checkbox" checked={contact.do_not_contact} onChange={toggleDnc} disabled={update.isPending} />
        Do not contact (no SMS, email or calls)
      </label>
      <FormError message={formErrors(update.error).form} />
    </Panel>
  );
}

function customInput(definition: FieldDefinition) {
  return function CustomInput(value: Draft, set: (v: Draft) => void, id: string, invalid: boolean) {
    const common = {
      id,
      "aria-invalid": invalid || undefined,
      "aria-describedby": invalid ? `${id}-error` : undefined,
    };
    switch (definition.type) {
      case "boolean":
        return (
          <select {...common} value={String(value)} onChange={(e) => set(e.target.value)}>
            <option value="">—</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </select>
        );
      case "single_select":
        return (
          <select {...common} value={String(value)} onChange={(e) => set(e.target.value)}>
            <option value="">—</option>
            {definition.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        );
      case "multi_select":
        return (
          <select
            {...common}
            multiple
            value={Array.isArray(value) ? value : []}
            onChange={(e) => set([...e.target.selectedOptions].map((o) => o.value))}
          >
            {definition.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        );
      default: {
        const type = { number: "number", date: "date", url: "url", email: "email", phone: "tel" }[
          definition.type as string
        ];
        return (
          <input
            {...common}
            autoFocus
            type={type ?? "text"}
            value={String(value)}
            onChange={(e) => set(e.target.value)}
          />
        );
      }
    }
  };
}

/** The value a custom field's input gives, as the API takes it (empty clears the field). */
export function customPatchValue(definition: FieldDefinition, value: Draft): unknown {
  if (Array.isArray(value)) return value.length ? value : null;
  const text = String(value).trim();
  if (text === "") return null;
  if (definition.type === "number") return Number(text);
  if (definition.type === "boolean") return text === "true";
  return text;
}

export function CustomFieldsPanel({ contact }: { contact: Contact }) {
  const fields = useContactFields();
  const definitions = fields.data?.items ?? [];
  if (fields.isPending || definitions.length === 0) return null;
  const values = contact.custom_fields as Record<string, unknown>;
  return (
    <Panel title="Custom fields">
      <dl className="fields">
        {definitions.map((d) => {
          const raw = values[d.key];
          const initial: Draft = Array.isArray(raw)
            ? raw.map(String)
            : raw === undefined || raw === null
              ? ""
              : String(raw);
          return (
            <EditableField
              key={d.key}
              contactId={contact.id}
              label={d.label}
              field={`custom_fields/${d.key}`}
              shown={customValue(raw)}
              initial={initial}
              input={customInput(d)}
              toPatch={(v) => ({ custom_fields: { [d.key]: customPatchValue(d, v) } }) as ContactPatch}
            />
          );
        })}
      </dl>
    </Panel>
  );
}

export function TagsPanel({ contact }: { contact: Contact }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const key = ["contacts", contact.id];
  const change = useMutation({
    mutationFn: (body: { add?: string[]; remove?: string[] }) =>
      unwrap(api.POST("/contacts/{contact_id}/tags", { params: { path: { contact_id: contact.id } }, body })),
    onMutate: async (body) => {
      await queryClient.cancelQueries({ queryKey: key, exact: true });
      const before = queryClient.getQueryData<Contact>(key);
      if (before) {
        const tags = [...before.tags.filter((t) => !body.remove?.includes(t)), ...(body.add ?? [])];
        queryClient.setQueryData<Contact>(key, { ...before, tags: [...new Set(tags)] });
      }
      return { before };
    },
    onError: (_error, _body, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before);
    },
    onSuccess: (contact) => queryClient.setQueryData(key, contact),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["tags"] });
      void queryClient.invalidateQueries({ queryKey: ["contacts", "search"] });
      void queryClient.invalidateQueries({ queryKey: ["timeline", contact.id] });
    },
  });
  const errors = formErrors(change.error, ["add", "remove"]);
  const add = (event: FormEvent) => {
    event.preventDefault();
    const tag = text.trim();
    if (!tag) return;
    change.mutate({ add: [tag] });
    setText("");
  };
  return (
    <Panel title="Tags">
      <ul className="tag-list" aria-label="Tags">
        {contact.tags.length === 0 ? <li className="muted">No tags yet.</li> : null}
        {contact.tags.map((tag) => (
          <li key={tag} className="badge accent">
            {tag}
            <button
              type="button"
              className="ghost small tag-remove"
              aria-label={`Remove tag ${tag}`}
              onClick={() => change.mutate({ remove: [tag] })}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={add}>
        <label htmlFor="add-tag" className="sr-only">
          Add tag
        </label>
        <input id="add-tag" value={text} onChange={(e) => setText(e.target.value)} placeholder="Add a tag" />
        <button type="submit" className="small">
          Add
        </button>
      </form>
      <FormError message={errors.fields.add ?? errors.fields.remove ?? errors.form} />
    </Panel>
  );
}
