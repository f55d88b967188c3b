// The flow list: status, published version and run metrics per flow; create a blank flow or describe one in
// words (the API drafts it), then open it in the builder.
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { FormError, Modal, Page, Panel, QueryState, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useToast } from "@/components/toast";
import { useCreateFlow, useFlowMetrics, useFlows, useGenerateFlow, type Flow } from "./api";
import { blankFlow } from "./model/blank";
import "./flows.css";

export default function FlowsPage() {
  const flows = useFlows();
  const [creating, setCreating] = useState(false);
  return (
    <Page
      title="Automations"
      actions={
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New flow
        </button>
      }
    >
      <Panel aria-label="Flows">
        <QueryState
          query={flows}
          isEmpty={(data) => data.items.length === 0}
          empty={
            <>
              <p>No flows yet. A flow reacts to what your contacts do: a tag added, a reply, a booking.</p>
              <button type="button" className="primary" onClick={() => setCreating(true)}>
                Create your first flow
              </button>
            </>
          }
        >
          {(data) => (
            <table className="flows-table">
              <thead>
                <tr>
                  <th scope="col">Flow</th>
                  <th scope="col">Status</th>
                  <th scope="col">Version</th>
                  <th scope="col">Enrolled</th>
                  <th scope="col">Active</th>
                  <th scope="col">Completed</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((flow) => (
                  <FlowRow key={flow.id} flow={flow} />
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </Panel>
      {creating ? <CreateFlow onClose={() => setCreating(false)} /> : null}
    </Page>
  );
}

function FlowRow({ flow }: { flow: Flow }) {
  const metrics = useFlowMetrics(flow.id, flow.published_version !== null);
  const m = metrics.data;
  const cell = (value: number | undefined) => (flow.published_version === null ? "—" : (value ?? "…"));
  return (
    <tr>
      <td>
        <Link to={`/automations/${flow.id}`}>{flow.name}</Link>
      </td>
      <td>
        <span className={`badge ${flow.status === "published" ? "success" : ""}`}>{flow.status}</span>
      </td>
      <td>{flow.published_version ? `v${flow.published_version}` : "draft"}</td>
      <td>{cell(m?.enrolled)}</td>
      <td>{cell(m?.active)}</td>
      <td>{cell(m?.completed)}</td>
      <td>{cell(m?.failed)}</td>
      <td>
        <time dateTime={flow.updated_at}>{new Date(flow.updated_at).toLocaleString()}</time>
      </td>
      <td className="row">
        <Link className="button small" to={`/automations/${flow.id}`} aria-label={`Open ${flow.name}`}>
          Open
        </Link>
        {flow.published_version ? (
          <Link className="button small ghost" to={`/automations/${flow.id}/runs`} aria-label={`Runs of ${flow.name}`}>
            Runs
          </Link>
        ) : null}
      </td>
    </tr>
  );
}

function CreateFlow({ onClose }: { onClose: () => void }) {
  const [mode, setMode] = useState<"describe" | "blank">("describe");
  const [name, setName] = useState("");
  const [prompt, setPrompt] = useState("");
  const create = useCreateFlow();
  const generate = useGenerateFlow();
  const navigate = useNavigate();
  const toast = useToast();
  const pending = create.isPending || generate.isPending;
  const error = mode === "blank" ? create.error : generate.error;
  const errors = formErrors(error, ["name", "prompt"]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      if (mode === "blank") {
        const flow = await create.mutateAsync(blankFlow(name.trim() || "Untitled flow"));
        navigate(`/automations/${flow.id}`);
      } else {
        const made = await generate.mutateAsync({ prompt, ...(name.trim() ? { name: name.trim() } : {}) });
        if (made.notice) toast(made.notice);
        navigate(`/automations/${made.flow.id}`);
      }
    } catch {
      // shown by the form
    }
  };

  return (
    <Modal title="New flow" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <div className="row" role="radiogroup" aria-label="Start from">
          <label className="row">
            <input type="radio" name="mode" checked={mode === "describe"} onChange={() => setMode("describe")} />
            Describe your flow
          </label>
          <label className="row">
            <input type="radio" name="mode" checked={mode === "blank"} onChange={() => setMode("blank")} />
            Blank flow
          </label>
        </div>
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} />
        {mode === "describe" ? (
          <TextArea
            label="Describe your flow"
            hint="For example: when a contact is tagged lead, text them, wait 2 days for a reply, follow up 3 times"
            rows={4}
            required
            value={prompt}
            error={errors.fields.prompt}
            onChange={(e) => setPrompt(e.target.value)}
          />
        ) : null}
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={pending}>
            {pending ? "Creating…" : mode === "blank" ? "Create flow" : "Draft it"}
          </button>
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
