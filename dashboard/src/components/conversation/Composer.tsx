// Writing to the contact: a text by default (with saved templates and a live segment counter), an email when the
// contact has an address. Sending is disabled, with the reason shown, when the contact may not be contacted;
// the server's refusals (quiet hours, limits, opt-outs) appear here, next to the field they name.
import { useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { FormError, SelectField, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useSendEmail, useSendSms, useTemplates, type Contact } from "./api";
import { MAX_SEGMENTS, segmentInfo, unitsLeft } from "./segments";

type Channel = "sms" | "email";

export function SegmentCounter({ text, id }: { text: string; id: string }) {
  const info = segmentInfo(text);
  const parts = [
    `${info.characters} character${info.characters === 1 ? "" : "s"}`,
    `${info.segments} segment${info.segments === 1 ? "" : "s"}`,
    info.encoding,
  ];
  return (
    <p id={id} className={`segment-counter ${info.withinLimit ? "" : "over"}`} aria-live="polite">
      <span data-testid="segment-summary">{parts.join(" · ")}</span>
      {info.segments > 0 && info.withinLimit ? <span className="muted"> · {unitsLeft(info)} left</span> : null}
      {info.encoding === "UCS-2" ? (
        <span className="muted"> · UCS-2 because of {info.nonGsmCharacters.slice(0, 5).join(" ")}</span>
      ) : null}
      {!info.withinLimit ? <span> · too long: at most {MAX_SEGMENTS} segments</span> : null}
    </p>
  );
}

export function Composer({
  contact,
  blocked,
  onEmailQueued,
}: {
  contact: Contact;
  blocked: string | null;
  onEmailQueued: (email: { id: string; subject: string }) => void;
}) {
  const [channel, setChannel] = useState<Channel>("sms");
  const [body, setBody] = useState("");
  const [subject, setSubject] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  const counterId = useId();
  const sms = useSendSms(contact.id);
  const email = useSendEmail(contact.id);
  const templates = useTemplates();
  const canEmail = Boolean(contact.email);
  const active = channel === "email" && canEmail ? "email" : "sms";
  const pending = active === "sms" ? sms : email;
  const errors = formErrors(pending.error, active === "sms" ? ["body"] : ["subject", "body"]);
  const noPhone = active === "sms" && !contact.phone ? "This contact has no phone number to text." : null;
  const reason = blocked ?? noPhone;
  const info = useMemo(() => segmentInfo(body), [body]);
  const empty = !body.trim() || (active === "email" && !subject.trim());
  const disabled = Boolean(reason) || empty || pending.isPending || (active === "sms" && !info.withinLimit);

  const insertTemplate = (templateId: string) => {
    const template = templates.data?.items.find((t) => t.id === templateId);
    if (!template) return;
    const el = area.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    setBody(body.slice(0, start) + template.body + body.slice(end));
    requestAnimationFrame(() => el?.focus());
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (disabled) return;
    if (active === "sms") {
      sms.mutate(body, { onSuccess: () => setBody("") });
    } else {
      email.mutate(
        { subject, body },
        {
          onSuccess: (queued) => {
            onEmailQueued({ id: queued.id, subject });
            setBody("");
            setSubject("");
          },
        },
      );
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit();
  };

  return (
    <form className="composer stack" onSubmit={submit} aria-label="Reply" noValidate>
      {reason ? (
        <div className="composer-blocked" role="status">
          <strong>Sending is disabled.</strong> {reason}
        </div>
      ) : null}
      {canEmail ? (
        <fieldset className="channel-choice row" disabled={Boolean(blocked)}>
          <legend className="sr-only">Channel</legend>
          {(["sms", "email"] as const).map((value) => (
            <label key={value} className={`chip ${active === value ? "on" : ""}`}>
              <input
                type="radio"
                name="channel"
                value={value}
                checked={active === value}
                onChange={() => setChannel(value)}
              />
              {value === "sms" ? "SMS" : "Email"}
            </label>
          ))}
        </fieldset>
      ) : null}
      {active === "email" ? (
        <TextField
          label="Subject"
          value={subject}
          onChange={(e) => setSubject(e.target.value)}
          error={errors.fields.subject}
          disabled={Boolean(reason)}
          maxLength={300}
        />
      ) : null}
      <TextArea
        label={active === "sms" ? "Message" : "Email body (markdown)"}
        value={body}
        rows={active === "sms" ? 3 : 6}
        onChange={(e) => setBody(e.target.value)}
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          area.current = e.currentTarget;
        }}
        error={errors.fields.body}
        disabled={Boolean(reason)}
        placeholder={active === "sms" ? "Write a text… ({{first_name|there}} fills in their name)" : ""}
      />
      <div className="row composer-foot">
        {active === "sms" ? <SegmentCounter text={body} id={counterId} /> : <span />}
        <div className="row" style={{ marginLeft: "auto" }}>
          {active === "sms" && (templates.data?.items.length ?? 0) > 0 ? (
            <div className="template-pick">
              <SelectField
                label="Insert template"
                value=""
                onChange={(e) => insertTemplate(e.target.value)}
                disabled={Boolean(reason)}
              >
                <option value="">Choose…</option>
                {templates.data?.items.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </SelectField>
            </div>
          ) : null}
          <button type="submit" className="primary" disabled={disabled}>
            {pending.isPending ? "Sending…" : active === "sms" ? "Send text" : "Send email"}
          </button>
        </div>
      </div>
      <FormError message={errors.form} />
    </form>
  );
}
