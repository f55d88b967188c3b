// A contact's calls: the filter's banner and the "Call" button that has the AI agent call them, with the reason
// when the call is refused (do not contact, no consent, calling hours and when to retry, usage limit).
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { FormError, Panel, SelectField, TextField } from "@/components/ui";
import { ApiError } from "@/lib/api/errors";
import { formErrors } from "@/lib/forms";
import { usePlaceCall } from "./api";
import { refusalMessage } from "./model";

const CONSENTS = [
  ["", "From the contact's record"],
  ["express_written", "Express written consent"],
  ["express", "Express consent"],
  ["existing_customer", "Existing customer"],
  ["inbound_request", "They asked us to call"],
] as const;

export function CallContact({ contactId, onClear }: { contactId: string; onClear: () => void }) {
  const place = usePlaceCall();
  const [purpose, setPurpose] = useState("");
  const [consent, setConsent] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    place.mutate({
      contact_id: contactId,
      ...(purpose.trim() ? { purpose: purpose.trim() } : {}),
      ...(consent ? { consent: consent as "express" } : {}),
    });
  };
  const error = place.error;
  const refusal = error instanceof ApiError ? refusalMessage(error.code, error.details) : null;
  const errors = refusal ? { fields: {}, form: null } : formErrors(error, ["purpose", "consent"]);
  return (
    <Panel
      title="This contact's calls"
      actions={
        <div className="row">
          <Link to={`/contacts/${contactId}`}>Open profile</Link>
          <button type="button" className="ghost small" onClick={onClear}>
            Show all calls
          </button>
        </div>
      }
    >
      <form className="row calls-place" onSubmit={submit}>
        <TextField
          label="What the agent calls about"
          value={purpose}
          onChange={(e) => setPurpose(e.target.value)}
          error={errors.fields.purpose}
          placeholder="Confirm tomorrow's appointment"
        />
        <SelectField
          label="Consent to be called"
          value={consent}
          onChange={(e) => setConsent(e.target.value)}
          error={errors.fields.consent}
        >
          {CONSENTS.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="primary" disabled={place.isPending}>
          {place.isPending ? "Calling…" : "Call with the AI agent"}
        </button>
      </form>
      {refusal ? (
        <div className="form-error" role="alert">
          <strong>Not called.</strong> {refusal}
        </div>
      ) : (
        <FormError message={errors.form} />
      )}
      {place.data ? (
        <p role="status">The call is placed ({place.data.status.replace("_", " ")}); it appears below.</p>
      ) : null}
    </Panel>
  );
}
