// CSV import: pick a file, check the column mapping on a preview of the first rows (HubSpot / GoHighLevel /
// other CRM headers detected as the server detects them), choose what happens to duplicates, start, watch the
// progress and read the rows that failed.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { FormError, Modal, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { splitList } from "./filters";
import {
  detectMapping,
  mappingProblem,
  previewCsv,
  rowToContact,
  TARGET_LABELS,
  TARGETS,
  type CsvPreview,
  type Target,
} from "./csv";
import { JobProgress } from "./JobProgress";
import { TableScroll } from "./TableScroll";

const DEDUPE = [
  { value: "skip", label: "Skip rows whose email or phone already exists" },
  { value: "update", label: "Update the existing contact with the row" },
  { value: "create", label: "Report them as errors (create new contacts only)" },
] as const;
type Dedupe = (typeof DEDUPE)[number]["value"];

interface Loaded {
  name: string;
  text: string;
  preview: CsvPreview;
}

export function ImportWizard({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<Loaded | null>(null);
  const [mapping, setMapping] = useState<Record<string, Target>>({});
  const [detected, setDetected] = useState<Record<string, Target>>({});
  const [dedupe, setDedupe] = useState<Dedupe>("skip");
  const [tags, setTags] = useState("");
  const [source, setSource] = useState("");
  const [readError, setReadError] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/imports", {
          body: {
            csv: file?.text ?? "",
            mapping,
            dedupe,
            ...(splitList(tags).length ? { tags: splitList(tags) } : {}),
            ...(source.trim() ? { source: source.trim() } : {}),
          },
        }),
      ),
  });
  const errors = formErrors(start.error, ["csv", "mapping", "tags", "source", "dedupe"]);

  const choose = async (picked: File | undefined) => {
    setReadError(null);
    start.reset();
    if (!picked) return;
    const text = await picked.text();
    const preview = previewCsv(text);
    if (preview.headers.length === 0 || preview.rows.length === 0) {
      setReadError("This file has no header row or no data rows.");
      setFile(null);
      return;
    }
    const found = detectMapping(preview.headers);
    setFile({ name: picked.name, text, preview });
    setDetected(found);
    setMapping(found);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };

  const problem = file ? mappingProblem(mapping) : null;
  const job = start.data;

  return (
    <Modal title="Import contacts from CSV" onClose={onClose}>
      {job ? (
        <div className="stack">
          <JobProgress
            jobId={job.id}
            label={`Import of ${file?.name ?? "the file"}`}
            onFinished={() => {
              void queryClient.invalidateQueries({ queryKey: ["contacts"] });
              void queryClient.invalidateQueries({ queryKey: ["tags"] });
            }}
          />
          <div className="row">
            <button type="button" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={submit}>
          <TextField
            label="CSV file"
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => void choose(e.target.files?.[0])}
            error={readError ?? errors.fields.csv}
          />
          {file ? (
            <>
              <p className="muted">
                {file.name}: about {file.preview.approximateRows} rows. The preview shows the first{" "}
                {file.preview.rows.length}.
              </p>
              <MappingTable
                preview={file.preview}
                mapping={mapping}
                detected={detected}
                onChange={setMapping}
                error={errors.fields.mapping}
              />
              <PreviewRows preview={file.preview} mapping={mapping} />
              <fieldset className="stack">
                <legend>When a row's email or phone already belongs to a contact</legend>
                {DEDUPE.map((d) => (
                  <label key={d.value} className="row">
                    <input
                      type="radio"
                      name="dedupe"
                      value={d.value}
                      checked={dedupe === d.value}
                      onChange={() => setDedupe(d.value)}
                    />
                    {d.label}
                  </label>
                ))}
              </fieldset>
              <div className="grid form-grid">
                <TextField
                  label="Tag every imported contact"
                  hint="Comma separated"
                  value={tags}
                  onChange={(e) => setTags(e.target.value)}
                  error={errors.fields.tags}
                />
                <TextField
                  label="Source for rows without one"
                  value={source}
                  onChange={(e) => setSource(e.target.value)}
                  error={errors.fields.source}
                />
              </div>
            </>
          ) : null}
          <FormError message={problem ?? errors.form} />
          <div className="row">
            <button type="submit" className="primary" disabled={!file || problem !== null || start.isPending}>
              {start.isPending ? "Starting…" : "Start import"}
            </button>
            <button type="button" className="ghost" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

function MappingTable({
  preview,
  mapping,
  detected,
  onChange,
  error,
}: {
  preview: CsvPreview;
  mapping: Record<string, Target>;
  detected: Record<string, Target>;
  onChange: (next: Record<string, Target>) => void;
  error: string | undefined;
}) {
  const set = (header: string, value: string) => {
    const next = { ...mapping };
    if (value === "") delete next[header];
    else next[header] = value as Target;
    onChange(next);
  };
  return (
    <div className="stack">
      <h3>Column mapping</h3>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
      <TableScroll label="Column mapping">
        <table aria-label="Column mapping">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Example</th>
              <th scope="col">Imports as</th>
            </tr>
          </thead>
          <tbody>
            {preview.headers.map((header) => (
              <tr key={header}>
                <td>
                  {header}
                  {detected[header] ? <span className="badge accent small-badge">detected</span> : null}
                </td>
                <td className="muted">{preview.rows[0]?.[header] ?? ""}</td>
                <td>
                  <select
                    aria-label={`Import column ${header} as`}
                    value={mapping[header] ?? ""}
                    onChange={(e) => set(header, e.target.value)}
                  >
                    <option value="">Do not import</option>
                    {TARGETS.map((t) => (
                      <option key={t} value={t}>
                        {TARGET_LABELS[t]}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}

function PreviewRows({ preview, mapping }: { preview: CsvPreview; mapping: Record<string, Target> }) {
  const shown = ["first_name", "last_name", "email", "phone", "company", "source", "tags"] as const;
  return (
    <div className="stack">
      <h3>Preview</h3>
      <TableScroll label="Import preview">
        <table aria-label="Import preview">
          <thead>
            <tr>
              <th scope="col">Row</th>
              {shown.map((f) => (
                <th key={f} scope="col">
                  {TARGET_LABELS[f]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, i) => {
              const contact = rowToContact(row, mapping);
              return (
                <tr key={i}>
                  <td>{i + 2}</td>
                  {shown.map((f) => (
                    <td key={f}>
                      {Array.isArray(contact[f]) ? (contact[f] as string[]).join(", ") : String(contact[f] ?? "")}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
