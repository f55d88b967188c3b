// Integrations: every integration the workspace can use, with its status, connect/disconnect for Google and
// Microsoft (through their consent screens), and write-only forms for the workspace's own Twilio and OpenAI.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router";
import { FormError, Modal, Page, QueryState, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import {
  useDisconnect,
  useIntegrations,
  useRemoveOpenAi,
  useRemoveTwilio,
  useSaveOpenAi,
  useSaveTwilio,
  useStartConnect,
  type Integration,
  type Provider,
} from "./api";
import { STATUS_LABELS, badgeClass, sourceLine, when } from "./status";
import "./integrations.css";

export default function IntegrationsPage() {
  const integrations = useIntegrations();
  return (
    <Page title="Integrations">
      <p className="muted integrations-intro">
        Connect the tools LeadPilot works with. Secrets you save here are encrypted and never shown again.
      </p>
      <QueryState
        query={integrations}
        empty="No integrations are available on this deployment."
        isEmpty={(data) => data.integrations.length === 0}
      >
        {(data) => (
          <div className="grid integrations-grid">
            {data.integrations.map((entry) => (
              <IntegrationCard key={entry.key} entry={entry} />
            ))}
          </div>
        )}
      </QueryState>
    </Page>
  );
}

function IntegrationCard({ entry }: { entry: Integration }) {
  const headingId = `integration-${entry.key}`;
  return (
    <section className="panel integration-card" aria-labelledby={headingId}>
      <div className="panel-title">
        <h2 id={headingId}>{entry.name}</h2>
        <span className={badgeClass(entry.status)}>{STATUS_LABELS[entry.status]}</span>
      </div>
      <div className="stack">
        <p className="muted">{entry.description}</p>
        {entry.reason ? (
          <p className="integration-reason" role="note">
            {entry.reason}
          </p>
        ) : null}
        {entry.last_error ? (
          <p className="muted">
            Last error: <code>{entry.last_error}</code> {when(entry.last_error_at)}
          </p>
        ) : null}
        <CardActions entry={entry} />
      </div>
    </section>
  );
}

function CardActions({ entry }: { entry: Integration }): ReactNode {
  switch (entry.auth) {
    case "oauth":
      return <OAuthActions entry={entry} />;
    case "credentials":
      return <CredentialActions entry={entry} />;
    case "settings":
      return entry.details.manage ? <Link to={entry.details.manage}>Set up in Settings</Link> : null;
    default:
      return <p className="muted">Set up from its own screen; its status shows here.</p>;
  }
}

function OAuthActions({ entry }: { entry: Integration }) {
  const start = useStartConnect();
  const disconnect = useDisconnect();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const connection = entry.details.connection;
  if (!entry.details.available) return <p className="muted">Not set up on this LeadPilot deployment.</p>;
  const connect = () =>
    start.mutate(entry.key as Provider, {
      onSuccess: (answer) => window.location.assign(answer.authorization_url),
    });
  return (
    <div className="stack">
      {connection ? <p className="muted">Connected since {when(connection.connected_at)}</p> : null}
      <div className="row">
        {entry.status !== "connected" ? (
          <button type="button" className="primary" onClick={connect} disabled={start.isPending}>
            {connection ? `Reconnect ${entry.name}` : `Connect ${entry.name}`}
          </button>
        ) : null}
        {connection ? (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Disconnect {entry.name}
          </button>
        ) : null}
      </div>
      <FormError message={formErrors(start.error ?? disconnect.error).form} />
      {confirming && connection ? (
        <Modal title={`Disconnect ${entry.name}?`} onClose={() => setConfirming(false)}>
          <div className="stack">
            <p>LeadPilot revokes its access and forgets the tokens. Calendar sync stops until you connect again.</p>
            <div className="row">
              <button
                type="button"
                className="danger"
                disabled={disconnect.isPending}
                onClick={() =>
                  disconnect.mutate(connection.id, {
                    onSuccess: () => {
                      setConfirming(false);
                      toast(`${entry.name} disconnected`);
                    },
                  })
                }
              >
                Disconnect
              </button>
              <button type="button" className="ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}

function CredentialActions({ entry }: { entry: Integration }) {
  return (
    <div className="stack">
      <p className="integration-source">{sourceLine(entry)}</p>
      {entry.key === "twilio" ? <TwilioForm entry={entry} /> : <OpenAiForm entry={entry} />}
    </div>
  );
}

function TwilioForm({ entry }: { entry: Integration }) {
  const save = useSaveTwilio();
  const remove = useRemoveTwilio();
  const toast = useToast();
  const [sid, setSid] = useState("");
  const [token, setToken] = useState("");
  const errors = formErrors(save.error ?? remove.error, ["account_sid", "auth_token"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      { account_sid: sid.trim(), auth_token: token.trim() },
      {
        onSuccess: () => {
          setSid("");
          setToken("");
          toast("Twilio account saved");
        },
      },
    );
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Your Twilio account">
      <TextField
        label="Twilio account SID"
        value={sid}
        onChange={(e) => setSid(e.target.value)}
        placeholder="AC…"
        autoComplete="off"
        spellCheck={false}
        required
        error={errors.fields.account_sid}
      />
      <TextField
        label="Twilio auth token"
        type="password"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        autoComplete="new-password"
        required
        error={errors.fields.auth_token}
        hint="Write-only: once saved, only its last 4 characters are shown."
      />
      <FormError message={errors.form} />
      <SaveRemove set={Boolean(entry.details.credential?.set)} busy={save.isPending} name="Twilio account">
        {() => remove.mutate(undefined, { onSuccess: () => toast("Twilio account removed") })}
      </SaveRemove>
    </form>
  );
}

function OpenAiForm({ entry }: { entry: Integration }) {
  const save = useSaveOpenAi();
  const remove = useRemoveOpenAi();
  const toast = useToast();
  const [key, setKey] = useState("");
  const errors = formErrors(save.error ?? remove.error, ["api_key"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      { api_key: key.trim() },
      {
        onSuccess: () => {
          setKey("");
          toast("OpenAI key saved");
        },
      },
    );
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Your OpenAI key">
      <TextField
        label="OpenAI API key"
        type="password"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        placeholder="sk-…"
        autoComplete="new-password"
        required
        error={errors.fields.api_key}
        hint="Write-only: once saved, only its last 4 characters are shown."
      />
      <FormError message={errors.form} />
      <SaveRemove set={Boolean(entry.details.credential?.set)} busy={save.isPending} name="OpenAI key">
        {() => remove.mutate(undefined, { onSuccess: () => toast("OpenAI key removed") })}
      </SaveRemove>
    </form>
  );
}

function SaveRemove({
  set,
  busy,
  name,
  children: onRemove,
}: {
  set: boolean;
  busy: boolean;
  name: string;
  children: () => void;
}) {
  return (
    <div className="row">
      <button type="submit" className="primary" disabled={busy}>
        {set ? `Replace ${name}` : `Save ${name}`}
      </button>
      {set ? (
        <button type="button" className="ghost" onClick={onRemove}>
          Remove {name}
        </button>
      ) : null}
    </div>
  );
}
