// The workspace's sending numbers: add one (the API checks it is a real number and gives it in E.164), remove one.
import { useState, type FormEvent } from "react";
import { FormError, Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { useAddPhoneNumber, useDeletePhoneNumber, usePhoneNumbers } from "./api";
import { ConfirmButton, formatDate } from "./parts";

export function PhoneNumbersSettings() {
  const numbers = usePhoneNumbers();
  const remove = useDeletePhoneNumber();
  const toast = useToast();
  return (
    <div className="stack">
      <Panel title="Add a phone number">
        <AddNumberForm />
      </Panel>
      <Panel title="Phone numbers">
        <QueryState
          query={numbers}
          empty="No numbers yet: add the number your texts are sent from."
          isEmpty={(page) => page.items.length === 0}
        >
          {(page) => (
            <ul className="settings-list">
              {page.items.map((number) => (
                <li key={number.id} className="row">
                  <strong>{number.number}</strong>
                  {number.label ? <span className="badge">{number.label}</span> : null}
                  <span className="muted">added {formatDate(number.created_at)}</span>
                  <ConfirmButton
                    label={`Remove ${number.number}`}
                    title={`Remove ${number.number}?`}
                    confirmLabel="Remove number"
                    busy={remove.isPending}
                    onConfirm={async () => {
                      await remove.mutateAsync(number.id);
                      toast(`${number.number} removed`);
                    }}
                  >
                    <p>Texts can no longer be sent from it, and replies to it no longer reach this workspace.</p>
                  </ConfirmButton>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </Panel>
    </div>
  );
}

function AddNumberForm() {
  const add = useAddPhoneNumber();
  const toast = useToast();
  const [form, setForm] = useState({ number: "", label: "" });
  const errors = formErrors(add.error, ["number", "label"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const label = form.label.trim();
    add.mutate(
      { number: form.number.trim(), ...(label ? { label } : {}) },
      {
        onSuccess: (number) => {
          setForm({ number: "", label: "" });
          toast(`${number.number} added`);
        },
      },
    );
  };
  return (
    <form className="stack settings-form" onSubmit={submit} noValidate>
      <div className="settings-inline">
        <TextField
          label="Phone number"
          type="tel"
          autoComplete="off"
          placeholder="+14155550123"
          hint="International format (E.164), or national in the workspace's default region."
          value={form.number}
          onChange={(e) => setForm({ ...form, number: e.target.value })}
          error={errors.fields.number}
        />
        <TextField
          label="Label (optional)"
          maxLength={100}
          placeholder="Main line"
          value={form.label}
          onChange={(e) => setForm({ ...form, label: e.target.value })}
          error={errors.fields.label}
        />
      </div>
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={add.isPending || !form.number.trim()}>
          {add.isPending ? "Adding…" : "Add number"}
        </button>
      </div>
    </form>
  );
}
