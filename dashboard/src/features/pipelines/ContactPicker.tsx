// Choosing a deal's contact: search the workspace's contacts by name, email or phone, or add one by name.
import { useDeferredValue, useId, useState } from "react";
import { contactName, useContact, useContactSearch, useCreateContact } from "./api";
import { messageOf } from "@/lib/api/errors";

export function ContactPicker({
  value,
  onChange,
  error,
}: {
  value: string | null;
  onChange: (contactId: string) => void;
  error?: string | undefined;
}) {
  const id = useId();
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState(value === null);
  const query = useDeferredValue(q);
  const found = useContactSearch(query);
  const current = useContact(value);
  const create = useCreateContact();

  if (!editing && value) {
    return (
      <div className="field">
        <span className="label-text" id={`${id}-label`}>
          Contact
        </span>
        <div className="row" aria-labelledby={`${id}-label`} role="group">
          <span>{current.data ? contactName(current.data) : "…"}</span>
          <button type="button" className="small" onClick={() => setEditing(true)}>
            Change contact
          </button>
        </div>
      </div>
    );
  }
  const pick = (contactId: string) => {
    onChange(contactId);
    setEditing(false);
    setQ("");
  };
  const addNew = () => {
    const [first, ...rest] = q.trim().split(/\s+/);
    create.mutate(
      { first_name: first ?? q.trim(), ...(rest.length ? { last_name: rest.join(" ") } : {}) },
      { onSuccess: (contact) => pick(contact.id) },
    );
  };
  return (
    <div className="field contact-picker">
      <label htmlFor={id}>Contact</label>
      <input
        id={id}
        type="search"
        value={q}
        placeholder="Search by name, email or phone"
        onChange={(e) => setQ(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        autoComplete="off"
      />
      {query.trim() ? (
        <ul className="picker-results" aria-label="Matching contacts">
          {(found.data?.items ?? []).map((c) => (
            <li key={c.id}>
              <button type="button" className="ghost small" onClick={() => pick(c.id)}>
                {contactName(c)}
                {c.email ? <span className="muted"> · {c.email}</span> : null}
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="ghost small" onClick={addNew} disabled={create.isPending}>
              + New contact “{q.trim()}”
            </button>
          </li>
        </ul>
      ) : null}
      {create.error ? <span className="field-error">{messageOf(create.error)}</span> : null}
      {error ? (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
