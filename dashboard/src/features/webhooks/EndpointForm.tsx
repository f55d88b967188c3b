// Create or edit an endpoint: URL, description, the event types it receives (picked from the catalogue),
// custom headers and a rate limit. API errors show next to the fields they name.
import { useId, useState, type FormEvent } from "react";
import { FormError, QueryState, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useEventTypes, type Endpoint, type EndpointBody, type EventType } from "./api";
import { formatHeaders, groupEventTypes, parseHeaders } from "./model";

const FIELDS = ["url", "description", "event_types", "headers", "rate_limit_per_minute"] as const;

export function EndpointForm({
  initial,
  submitLabel,
  busy,
  error,
  onSubmit,
}: {
  initial?: Endpoint;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (body: EndpointBody) => void;
}) {
  const catalogue = useEventTypes();
  const [url, setUrl] = useState(initial?.url ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [types, setTypes] = useState<string[]>(initial?.event_types ?? []);
  const [headersText, setHeadersText] = useState(formatHeaders(initial?.headers ?? {}));
  const [rate, setRate] = useState(initial?.rate_limit_per_minute?.toString() ?? "");
  const [localError, setLocalError] = useState<string | null>(null);
  const errors = formErrors(error, FIELDS);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseHeaders(headersText);
    if (parsed.error) return setLocalError(parsed.error);
    setLocalError(null);
    onSubmit({
      url: url.trim(),
      description,
      event_types: types,
      headers: parsed.headers,
      rate_limit_per_minute: rate.trim() ? Number(rate) : null,
    });
  };
  return (
    <form className="stack webhooks-form" onSubmit={submit} noValidate>
      <TextField
        label="Endpoint URL"
        type="url"
        value={url}
        placeholder="https://example.com/webhooks/leadpilot"
        onChange={(e) => setUrl(e.target.value)}
        error={errors.fields.url}
        required
      />
      <TextField
        label="Description"
        value={description}
        maxLength={500}
        onChange={(e) => setDescription(e.target.value)}
        error={errors.fields.description}
      />
      <QueryState query={catalogue}>
        {(page) => (
          <EventTypePicker types={page.items} selected={types} onChange={setTypes} error={errors.fields.event_types} />
        )}
      </QueryState>
      <TextArea
        label="Custom headers"
        rows={3}
        value={headersText}
        placeholder="X-Team: sales"
        hint='One "Name: value" per line, sent with every delivery.'
        onChange={(e) => setHeadersText(e.target.value)}
        error={localError ?? errors.fields.headers}
      />
      <TextField
        label="Rate limit (attempts per minute)"
        type="number"
        min={1}
        max={100000}
        value={rate}
        placeholder="Platform default"
        onChange={(e) => setRate(e.target.value)}
        error={errors.fields.rate_limit_per_minute}
      />
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !url.trim() || types.length === 0}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}

function EventTypePicker({
  types,
  selected,
  onChange,
  error,
}: {
  types: EventType[];
  selected: string[];
  onChange: (types: string[]) => void;
  error: string | undefined;
}) {
  const [filter, setFilter] = useState("");
  const errorId = useId();
  const chosen = new Set(selected);
  const toggle = (type: string, on: boolean) =>
    onChange(on ? [...selected, type].sort() : selected.filter((t) => t !== type));
  return (
    <fieldset className="webhooks-picker" aria-describedby={error ? errorId : undefined}>
      <legend>Event types ({selected.length} selected)</legend>
      <TextField label="Filter event types" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="webhooks-groups">
        {groupEventTypes(types, filter).map((group) => (
          <div key={group.noun} className="webhooks-group" role="group" aria-label={`${group.noun} events`}>
            <strong>{group.noun}</strong>
            {group.types.map((type) => (
              <label key={type.type} className="webhooks-check" title={type.description}>
                <input
                  type="checkbox"
                  checked={chosen.has(type.type)}
                  onChange={(e) => toggle(type.type, e.target.checked)}
                />
                <code>{type.type}</code>
              </label>
            ))}
          </div>
        ))}
      </div>
      {error ? (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </fieldset>
  );
}
