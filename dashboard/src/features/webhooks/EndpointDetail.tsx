// One endpoint: its settings (edit, enable, rotate the secret, delete), a test event per event type, and the
// delivery log with each attempt's status, latency and answer, and replay.
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { FormError, Page, Panel, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import {
  useDeleteEndpoint,
  useDeliveries,
  useEndpoint,
  useReplay,
  useReplayFailed,
  useRotateSecret,
  useSendTest,
  useUpdateEndpoint,
  type Delivery,
  type Endpoint,
} from "./api";
import { EndpointForm } from "./EndpointForm";
import { SecretDialog } from "./SecretDialog";
import { EndpointStatus } from "./WebhooksPage";
import { formatTime, lastAttempt, statusBadge } from "./model";

export function EndpointDetail({ endpointId }: { endpointId: string }) {
  const endpoint = useEndpoint(endpointId);
  return (
    <QueryState query={endpoint}>
      {(data) => (
        <Page title={data.description || data.url} actions={<Link to="/webhooks">All endpoints</Link>}>
          <div className="stack">
            <Overview endpoint={data} />
            <div className="webhooks-columns">
              <TestEvent endpoint={data} />
              <ReplayFailed endpointId={data.id} />
            </div>
            <DeliveryLog endpointId={data.id} />
            <EditPanel endpoint={data} />
          </div>
        </Page>
      )}
    </QueryState>
  );
}

function Overview({ endpoint }: { endpoint: Endpoint }) {
  const update = useUpdateEndpoint(endpoint.id);
  const rotate = useRotateSecret(endpoint.id);
  const remove = useDeleteEndpoint();
  const navigate = useNavigate();
  const toast = useToast();
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Panel
      title="Endpoint"
      actions={
        <div className="row">
          <button
            type="button"
            onClick={() => update.mutate({ enabled: !endpoint.enabled })}
            disabled={update.isPending}
          >
            {endpoint.enabled ? "Disable" : "Enable"}
          </button>
          <button
            type="button"
            onClick={() => rotate.mutate(undefined, { onSuccess: (r) => setSecret(r.secret) })}
            disabled={rotate.isPending}
          >
            Rotate secret
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (!window.confirm("Delete this endpoint? Its deliveries stop at once.")) return;
              remove.mutate(endpoint.id, {
                onSuccess: () => {
                  toast("Endpoint deleted");
                  navigate("/webhooks");
                },
              });
            }}
          >
            Delete
          </button>
        </div>
      }
    >
      <dl className="webhooks-facts">
        <dt>URL</dt>
        <dd>
          <code>{endpoint.url}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <EndpointStatus endpoint={endpoint} />
          {endpoint.disabled_reason ? <span className="muted"> {endpoint.disabled_reason}</span> : null}
          {endpoint.failing_since ? (
            <span className="muted"> failing since {formatTime(endpoint.failing_since)}</span>
          ) : null}
        </dd>
        <dt>Events</dt>
        <dd>{endpoint.event_types.join(", ")}</dd>
      </dl>
      <FormError message={formErrors(update.error ?? rotate.error ?? remove.error).form} />
      {secret ? <SecretDialog secret={secret} rotated onClose={() => setSecret(null)} /> : null}
    </Panel>
  );
}

function TestEvent({ endpoint }: { endpoint: Endpoint }) {
  const send = useSendTest(endpoint.id);
  const toast = useToast();
  const [type, setType] = useState(endpoint.event_types[0] ?? "");
  const errors = formErrors(send.error, ["event_type"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.mutate(type, { onSuccess: () => toast(`Test ${type} event sent`) });
  };
  return (
    <Panel title="Send a test event">
      <form className="stack" onSubmit={submit}>
        <SelectField
          label="Test event type"
          value={type}
          onChange={(e) => setType(e.target.value)}
          error={errors.fields.event_type}
        >
          {endpoint.event_types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </SelectField>
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={send.isPending || !type}>
            Send test event
          </button>
        </div>
      </form>
    </Panel>
  );
}

function ReplayFailed({ endpointId }: { endpointId: string }) {
  const replay = useReplayFailed(endpointId);
  const toast = useToast();
  const [since, setSince] = useState(() => new Date(Date.now() - 86_400_000).toISOString().slice(0, 16));
  const errors = formErrors(replay.error, ["since"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    replay.mutate(new Date(since).toISOString(), {
      onSuccess: (r) => toast(`${r.replayed} failed ${r.replayed === 1 ? "delivery" : "deliveries"} sent again`),
    });
  };
  return (
    <Panel title="Replay failed deliveries">
      <form className="stack" onSubmit={submit}>
        <TextField
          label="Failed since"
          type="datetime-local"
          value={since}
          onChange={(e) => setSince(e.target.value)}
          error={errors.fields.since}
        />
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" disabled={replay.isPending || !since}>
            Replay failed
          </button>
        </div>
      </form>
    </Panel>
  );
}

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const deliveries = useDeliveries(endpointId);
  return (
    <Panel title="Delivery log">
      <QueryState
        query={deliveries}
        isEmpty={(page) => page.items.length === 0}
        empty={<>No deliveries yet. Send a test event to see one here.</>}
      >
        {(page) => (
          <div className="table-scroll">
            <table aria-label="Deliveries">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Code</th>
                  <th scope="col">Latency</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((delivery) => (
                  <DeliveryRow key={delivery.id} endpointId={endpointId} delivery={delivery} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </Panel>
  );
}

function DeliveryRow({ endpointId, delivery }: { endpointId: string; delivery: Delivery }) {
  const replay = useReplay(endpointId);
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const last = lastAttempt(delivery);
  const badge = statusBadge(delivery.status);
  const finished = delivery.status === "succeeded" || delivery.status === "failed";
  return (
    <>
      <tr>
        <td>
          <code>{delivery.event_type}</code> {delivery.test ? <span className="badge">test</span> : null}
          <div className="muted webhooks-id">{delivery.id}</div>
        </td>
        <td>
          <span className={badge.className}>{badge.label}</span>
          {delivery.next_attempt_at && !finished ? (
            <div className="muted">next {formatTime(delivery.next_attempt_at)}</div>
          ) : null}
        </td>
        <td>{delivery.attempts}</td>
        <td>{formatTime(last?.at)}</td>
        <td>{last?.status_code ?? (last?.error ? "error" : "–")}</td>
        <td>{last ? `${last.latency_ms} ms` : "–"}</td>
        <td>
          <div className="row">
            <button
              type="button"
              className="small ghost"
              aria-expanded={open}
              onClick={() => setOpen(!open)}
              aria-label={`${open ? "Hide attempts" : "Attempts"} of ${delivery.event_type} ${delivery.id}`}
            >
              {open ? "Hide" : "Attempts"}
            </button>
            <button
              type="button"
              className="small"
              disabled={!finished || replay.isPending}
              aria-label={`Replay ${delivery.event_type} ${delivery.id}`}
              onClick={() => replay.mutate(delivery.id, { onSuccess: () => toast("Delivery sent again") })}
            >
              Replay
            </button>
          </div>
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={7}>
            <ol className="webhooks-attempts">
              {delivery.log.map((attempt) => (
                <li key={attempt.attempt}>
                  <strong>#{attempt.attempt}</strong> {formatTime(attempt.at)} · {attempt.status_code ?? "no answer"} ·{" "}
                  {attempt.latency_ms} ms
                  {attempt.error ? <span className="field-error"> {attempt.error}</span> : null}
                  {attempt.response ? <pre>{attempt.response}</pre> : null}
                </li>
              ))}
            </ol>
          </td>
        </tr>
      ) : null}
    </>
  );
}

function EditPanel({ endpoint }: { endpoint: Endpoint }) {
  const update = useUpdateEndpoint(endpoint.id);
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  return (
    <Panel
      title="Settings"
      actions={
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? "Close" : "Edit settings"}
        </button>
      }
    >
      {editing ? (
        <EndpointForm
          key={endpoint.updated_at}
          initial={endpoint}
          submitLabel="Save changes"
          busy={update.isPending}
          error={update.error}
          onSubmit={(body) =>
            update.mutate(body, {
              onSuccess: () => {
                toast("Endpoint saved");
                setEditing(false);
              },
            })
          }
        />
      ) : (
        <p className="muted">
          {Object.keys(endpoint.headers).length} custom headers · rate limit{" "}
          {endpoint.rate_limit_per_minute ? `${endpoint.rate_limit_per_minute}/min` : "platform default"}
        </p>
      )}
    </Panel>
  );
}
