// The platform's provider credentials (only whether each is set and its last 4 characters ever come back; a new
// value replaces it, Remove falls back to the deployment's). The default plans have their own section (Plans.tsx).
import { useState, type FormEvent } from "react";
import { FormError, Panel, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import { usePlatformSettings, useSavePlatformSettings, type PlatformSettings as State } from "./api";

type Kind = "twilio" | "openai" | "email";

const CREDENTIALS: { kind: Kind; label: string; fields: { name: string; label: string; secret?: boolean }[] }[] = [
  {
    kind: "twilio",
    label: "Twilio",
    fields: [
      { name: "account_sid", label: "Account SID" },
      { name: "auth_token", label: "Auth token", secret: true },
      { name: "messaging_service_sid", label: "Messaging service SID (optional)" },
    ],
  },
  { kind: "openai", label: "OpenAI", fields: [{ name: "api_key", label: "API key", secret: true }] },
  {
    kind: "email",
    label: "Email sender",
    fields: [
      { name: "from_email", label: "From address" },
      { name: "from_name", label: "From name (optional)" },
    ],
  },
];

export function PlatformSettings() {
  const settings = usePlatformSettings();
  return (
    <QueryState query={settings}>
      {(data) => (
        <div className="stack">
          {CREDENTIALS.map((credential) => (
            <CredentialPanel key={credential.kind} credential={credential} state={data.credentials[credential.kind]} />
          ))}
        </div>
      )}
    </QueryState>
  );
}

function CredentialPanel({
  credential,
  state,
}: {
  credential: (typeof CREDENTIALS)[number];
  state: State["credentials"][Kind];
}) {
  const save = useSavePlatformSettings();
  const toast = useToast();
  const [values, setValues] = useState<Record<string, string>>({});
  const shown = credential.fields.map((f) => `credentials/${credential.kind}/${f.name}`);
  const errors = formErrors(save.error, shown);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ""));
    save.mutate({ credentials: { [credential.kind]: fields } } as never, {
      onSuccess: () => {
        setValues({});
        toast(`${credential.label} credentials saved`);
      },
    });
  };
  return (
    <Panel
      title={credential.label}
      actions={
        <span className={`badge ${state.set ? "success" : "warning"}`}>
          {state.set ? `Set ····${state.last4 ?? ""}` : "Not set"}
        </span>
      }
    >
      <form className="stack" onSubmit={submit} aria-label={`${credential.label} credentials`}>
        {state.updated_at ? (
          <p className="muted">Last changed {new Date(state.updated_at).toLocaleString()}.</p>
        ) : (
          <p className="muted">The deployment&apos;s own configuration is used until one is set here.</p>
        )}
        <div className="row">
          {credential.fields.map((field) => (
            <TextField
              key={field.name}
              label={`${credential.label} ${field.label}`}
              type={field.secret ? "password" : "text"}
              autoComplete="off"
              value={values[field.name] ?? ""}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
              error={errors.fields[`credentials/${credential.kind}/${field.name}`]}
            />
          ))}
        </div>
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending || Object.keys(values).length === 0}>
            {state.set ? "Replace" : "Save"}
          </button>
          {state.set ? (
            <button
              type="button"
              className="ghost"
              disabled={save.isPending}
              onClick={() =>
                save.mutate({ credentials: { [credential.kind]: null } } as never, {
                  onSuccess: () => toast(`${credential.label} credentials removed`),
                })
              }
            >
              Remove
            </button>
          ) : null}
        </div>
      </form>
    </Panel>
  );
}
