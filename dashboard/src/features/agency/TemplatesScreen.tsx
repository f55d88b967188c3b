// Templates ("snapshots"): capture the agency's or a sub-account's setup (custom fields, pipelines, SMS templates,
// sequences, flows) and apply it to a sub-account, with the report of what was copied, skipped and refused.
import { useState, type FormEvent } from "react";
import { FormError, Modal, Panel, QueryState, SelectField, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { formErrors } from "@/lib/forms";
import type { Schemas } from "@/lib/api/client";
import { useCaptureTemplate, useSubAccounts, useTemplates, type AgencyTemplate } from "./api";
import { ApplyTemplate } from "./ApplyTemplate";
import { KIND_LABELS, KINDS } from "./report";

export function TemplatesScreen({ agency }: { agency: Schemas["Agency"] }) {
  const subs = useSubAccounts();
  const [applying, setApplying] = useState<AgencyTemplate | null>(null);
  const subAccounts = subs.data?.pages.flatMap((page) => page.items) ?? [];
  const workspaces = [{ id: agency.id, name: `${agency.name} (this agency)` }, ...subAccounts];
  const nameOf = (id: string) => workspaces.find((w) => w.id === id)?.name ?? "a former sub-account";
  return (
    <div className="agency-columns">
      <CaptureTemplate workspaces={workspaces} />
      <Panel title="Templates">
        <TemplateList nameOf={nameOf} onApply={setApplying} />
      </Panel>
      {applying ? (
        <Modal title={`Apply “${applying.name}”`} onClose={() => setApplying(null)}>
          <ApplyTemplate template={applying} subAccounts={subAccounts} />
        </Modal>
      ) : null}
    </div>
  );
}

function CaptureTemplate({ workspaces }: { workspaces: { id: string; name: string }[] }) {
  const capture = useCaptureTemplate();
  const toast = useToast();
  const [name, setName] = useState("");
  const [source, setSource] = useState("");
  const chosen = source || workspaces[0]?.id || "";
  const errors = formErrors(capture.error, ["name", "source_workspace_id"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    capture.mutate(
      { name, source_workspace_id: chosen },
      {
        onSuccess: (template) => {
          toast(`Template “${template.name}” captured`);
          setName("");
        },
      },
    );
  };
  return (
    <Panel title="Capture a template">
      <form className="stack" onSubmit={submit} noValidate>
        <p className="muted">
          Copies the workspace’s custom fields, pipelines, SMS templates, sequences and flows as they are now.
        </p>
        <TextField
          label="Template name"
          value={name}
          maxLength={120}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
          required
        />
        <SelectField
          label="Capture from"
          value={chosen}
          onChange={(e) => setSource(e.target.value)}
          error={errors.fields.source_workspace_id}
        >
          {workspaces.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </SelectField>
        <FormError message={errors.form} />
        <div>
          <button type="submit" className="primary" disabled={capture.isPending}>
            {capture.isPending ? "Capturing…" : "Capture template"}
          </button>
        </div>
      </form>
    </Panel>
  );
}

/** "3 custom fields · 1 pipeline · …", leaving out what the template has none of. */
export function contentsOf(counts: AgencyTemplate["counts"]): string {
  const parts = KINDS.filter((kind) => counts[kind] > 0).map(
    (kind) => `${counts[kind]} ${counts[kind] === 1 ? KIND_LABELS[kind].one : KIND_LABELS[kind].many}`,
  );
  return parts.length > 0 ? parts.join(" · ") : "Nothing yet";
}

function TemplateList({
  nameOf,
  onApply,
}: {
  nameOf: (id: string) => string;
  onApply: (template: AgencyTemplate) => void;
}) {
  const templates = useTemplates();
  return (
    <QueryState
      query={templates}
      isEmpty={(data) => data.pages.every((page) => page.items.length === 0)}
      empty="No templates yet: capture one from a workspace set up the way you like."
    >
      {(data) => (
        <div className="stack">
          <div className="table-scroll">
            <table aria-label="Templates">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Captured from</th>
                  <th scope="col">Contents</th>
                  <th scope="col">Captured</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.pages.flatMap((page) =>
                  page.items.map((template) => (
                    <tr key={template.id}>
                      <th scope="row" className="agency-name">
                        {template.name}
                      </th>
                      <td>{nameOf(template.source_workspace_id)}</td>
                      <td>{contentsOf(template.counts)}</td>
                      <td>{new Date(template.created_at).toLocaleDateString()}</td>
                      <td>
                        <button
                          type="button"
                          className="small primary"
                          onClick={() => onApply(template)}
                          aria-label={`Apply ${template.name}`}
                        >
                          Apply…
                        </button>
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
          {templates.hasNextPage ? (
            <button
              type="button"
              onClick={() => void templates.fetchNextPage()}
              disabled={templates.isFetchingNextPage}
            >
              {templates.isFetchingNextPage ? "Loading…" : "Show more"}
            </button>
          ) : null}
        </div>
      )}
    </QueryState>
  );
}
