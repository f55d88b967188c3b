// Outgoing webhooks: the endpoint list, creating one (its secret shown once), and one endpoint's page with its
// settings, a test event, and the delivery log with replay.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Page, Panel, QueryState } from "@/components/ui";
import { useToast } from "@/components/toast";
import { useCreateEndpoint, useEndpoints, type Endpoint } from "./api";
import { EndpointForm } from "./EndpointForm";
import { EndpointDetail } from "./EndpointDetail";
import { SecretDialog } from "./SecretDialog";
import "./webhooks.css";

export default function WebhooksPage() {
  const { endpointId } = useParams();
  if (endpointId === "new") return <NewEndpoint />;
  if (endpointId) return <EndpointDetail endpointId={endpointId} />;
  return <EndpointList />;
}

function EndpointList() {
  const endpoints = useEndpoints();
  const navigate = useNavigate();
  return (
    <Page
      title="Webhooks"
      actions={
        <button type="button" className="primary" onClick={() => navigate("/webhooks/new")}>
          Add endpoint
        </button>
      }
    >
      <Panel>
        <QueryState
          query={endpoints}
          isEmpty={(page) => page.items.length === 0}
          empty={
            <>No endpoints yet. An endpoint receives the events you choose, signed, with retries and a delivery log.</>
          }
        >
          {(page) => (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Events</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((endpoint) => (
                    <EndpointRow key={endpoint.id} endpoint={endpoint} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      </Panel>
    </Page>
  );
}

function EndpointRow({ endpoint }: { endpoint: Endpoint }) {
  return (
    <tr>
      <td>
        <Link to={`/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
        {endpoint.description ? <div className="muted">{endpoint.description}</div> : null}
        {endpoint.source === "rest_hook" ? <span className="badge">REST hook</span> : null}
      </td>
      <td>
        {endpoint.event_types.slice(0, 3).join(", ")}
        {endpoint.event_types.length > 3 ? ` +${endpoint.event_types.length - 3}` : ""}
      </td>
      <td>
        <EndpointStatus endpoint={endpoint} />
      </td>
    </tr>
  );
}

export function EndpointStatus({ endpoint }: { endpoint: Endpoint }) {
  if (!endpoint.enabled)
    return (
      <span className="badge danger" title={endpoint.disabled_reason ?? undefined}>
        {endpoint.disabled_reason ? "Disabled by LeadPilot" : "Disabled"}
      </span>
    );
  if (endpoint.failing_since) return <span className="badge warning">Failing</span>;
  return <span className="badge success">Enabled</span>;
}

function NewEndpoint() {
  const create = useCreateEndpoint();
  const navigate = useNavigate();
  const toast = useToast();
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  return (
    <Page title="Add a webhook endpoint" actions={<Link to="/webhooks">All endpoints</Link>}>
      <Panel>
        <EndpointForm
          submitLabel="Add endpoint"
          busy={create.isPending}
          error={create.error}
          onSubmit={(body) =>
            create.mutate(body, {
              onSuccess: (endpoint) => {
                toast("Endpoint added");
                setCreated({ id: endpoint.id, secret: endpoint.secret });
              },
            })
          }
        />
      </Panel>
      {created ? (
        <SecretDialog secret={created.secret} rotated={false} onClose={() => navigate(`/webhooks/${created.id}`)} />
      ) : null}
    </Page>
  );
}
