// Sequences: the list, and one sequence's editor with its per-step stats and its enrolments.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Page, Panel, QueryState, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { SequenceEditor } from "./SequenceEditor";
import {
  useContactName,
  useContactSearch,
  useEnrol,
  useEnrolments,
  useExit,
  useSequence,
  useSequenceStats,
  useSequences,
  type Sequence,
} from "./api";
import "./sequences.css";

function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "–" : `${Math.round(rate * 1000) / 10}%`;
}

function SequenceList() {
  const sequences = useSequences();
  const navigate = useNavigate();
  return (
    <Page
      title="Sequences"
      actions={
        <button type="button" className="primary" onClick={() => navigate("/sequences/new")}>
          New sequence
        </button>
      }
    >
      <Panel>
        <QueryState
          query={sequences}
          isEmpty={(d) => d.items.length === 0}
          empty={<>No sequences yet. A sequence sends a few emails days apart and stops when the contact replies.</>}
        >
          {(data) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Days</th>
                  <th scope="col">Send window</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/sequences/${s.id}`}>{s.name}</Link>
                    </td>
                    <td>{s.steps.length}</td>
                    <td>{s.steps.map((step) => step.day).join(", ")}</td>
                    <td>
                      {s.send_window ? (
                        `${s.send_window.from_hour}:00–${s.send_window.to_hour}:00`
                      ) : (
                        <span className="muted">any time</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </Panel>
    </Page>
  );
}

function StepStats({ sequence }: { sequence: Sequence }) {
  const stats = useSequenceStats(sequence.id);
  return (
    <Panel title="Stats per step">
      <QueryState query={stats}>
        {(data) => (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Stats per step">
            <p className="muted">{data.enrolled} enrolled so far</p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Opened</th>
                  <th scope="col">Clicked</th>
                  <th scope="col">Replied</th>
                  <th scope="col">Unsubscribed</th>
                  <th scope="col">Bounced</th>
                </tr>
              </thead>
              <tbody>
                {data.steps.map((row) => (
                  <tr key={row.step}>
                    <th scope="row">
                      {row.step} <span className="muted">(day {sequence.steps[row.step - 1]?.day ?? "?"})</span>
                    </th>
                    <td>{sequence.steps[row.step - 1]?.subject}</td>
                    <td>{row.sent}</td>
                    <td>{row.delivered}</td>
                    <td>
                      {row.opens} <span className="muted">{percent(row.opens_rate)}</span>
                    </td>
                    <td>
                      {row.clicks} <span className="muted">{percent(row.clicks_rate)}</span>
                    </td>
                    <td>
                      {row.replies} <span className="muted">{percent(row.replies_rate)}</span>
                    </td>
                    <td>{row.unsubscribes}</td>
                    <td>{row.bounces}</td>
                  </tr>
                ))}
                <tr className="totals">
                  <th scope="row">All</th>
                  <td />
                  <td>{data.totals.sent}</td>
                  <td>{data.totals.delivered}</td>
                  <td>
                    {data.totals.opens} <span className="muted">{percent(data.totals.opens_rate)}</span>
                  </td>
                  <td>
                    {data.totals.clicks} <span className="muted">{percent(data.totals.clicks_rate)}</span>
                  </td>
                  <td>
                    {data.totals.replies} <span className="muted">{percent(data.totals.replies_rate)}</span>
                  </td>
                  <td>{data.totals.unsubscribes}</td>
                  <td>{data.totals.bounces}</td>
                </tr>
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </Panel>
  );
}

function ContactCell({ contactId }: { contactId: string }) {
  const name = useContactName(contactId);
  return <Link to={`/contacts/${contactId}`}>{name.data ?? "…"}</Link>;
}

/** Where a run is, in the sequence's terms: sending step n, or waiting before step n. */
function where(node: string | null | undefined): string {
  const match = /^(send|wait|window)(\d+)$/.exec(node ?? "");
  if (!match) return node === "last" ? "waiting for a reply" : node && node !== "start" ? node : "starting";
  return match[1] === "send" ? `step ${match[2]}` : `before step ${match[2]}`;
}

const RESULT_TEXT: Record<string, string> = {
  enrolled: "enrolled",
  already_enrolled: "is already in this sequence",
  no_email: "has no email address",
  not_found: "was not found",
};

function Enrolments({ sequence }: { sequence: Sequence }) {
  const runs = useEnrolments(sequence.flow_id);
  const enrol = useEnrol(sequence.id);
  const exit = useExit(sequence.id);
  const [q, setQ] = useState("");
  const found = useContactSearch(q);
  const [lastResult, setLastResult] = useState<string | null>(null);
  const errors = formErrors(enrol.error ?? exit.error, []);

  return (
    <Panel title="Enrolments">
      <div className="stack">
        <TextField
          label="Enrol a contact"
          type="search"
          value={q}
          placeholder="Search by name or email"
          onChange={(e) => setQ(e.target.value)}
        />
        {q.trim().length >= 2 ? (
          <QueryState query={found} isEmpty={(d) => d.items.length === 0} empty="No contact matches.">
            {(data) => (
              <ul className="plain-list" aria-label="Matching contacts">
                {data.items.map((c) => {
                  const name = [c.first_name, c.last_name].filter(Boolean).join(" ") || c.email || c.id;
                  return (
                    <li key={c.id} className="row">
                      <span>
                        {name} <span className="muted">{c.email ?? "no email"}</span>
                      </span>
                      <button
                        type="button"
                        className="small"
                        disabled={enrol.isPending}
                        onClick={() =>
                          enrol.mutate([c.id], {
                            onSuccess: (answer) => {
                              const status = answer.items[0]?.status ?? "enrolled";
                              setLastResult(`${name} ${RESULT_TEXT[status] ?? status}.`);
                              setQ("");
                            },
                          })
                        }
                      >
                        Enrol {name}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </QueryState>
        ) : null}
        {lastResult ? <p role="status">{lastResult}</p> : null}
        {errors.form ? <p className="form-error">{errors.form}</p> : null}
        <QueryState query={runs} isEmpty={(d) => d.items.length === 0} empty="Nobody is enrolled yet.">
          {(data) => (
            <table>
              <thead>
                <tr>
                  <th scope="col">Contact</th>
                  <th scope="col">Status</th>
                  <th scope="col">Where</th>
                  <th scope="col">Started</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((run) => (
                  <tr key={run.id}>
                    <td>
                      <ContactCell contactId={run.contact_id} />
                    </td>
                    <td>
                      <span className={`badge ${run.status === "running" ? "accent" : ""}`}>{run.status}</span>
                    </td>
                    <td>{where(run.current_node)}</td>
                    <td>{new Date(run.started_at).toLocaleString()}</td>
                    <td>
                      {run.status === "running" || run.status === "paused" ? (
                        <button
                          type="button"
                          className="small"
                          disabled={exit.isPending}
                          onClick={() => exit.mutate(run.contact_id)}
                        >
                          Take out
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </div>
    </Panel>
  );
}

function SequenceScreen({ sequenceId }: { sequenceId: string }) {
  const isNew = sequenceId === "new";
  const sequence = useSequence(isNew ? null : sequenceId);
  const back = (
    <Link to="/sequences" className="button ghost">
      ← All sequences
    </Link>
  );
  if (isNew) {
    return (
      <Page title="New sequence" actions={back}>
        <SequenceEditor sequence={null} />
      </Page>
    );
  }
  return (
    <Page title={sequence.data?.name ?? "Sequence"} actions={back}>
      <QueryState query={sequence}>
        {(data) => (
          <div className="stack">
            <SequenceEditor key={data.id} sequence={data} />
            <StepStats sequence={data} />
            <Enrolments sequence={data} />
          </div>
        )}
      </QueryState>
    </Page>
  );
}

export default function SequencesPage() {
  const { sequenceId } = useParams();
  return sequenceId ? <SequenceScreen sequenceId={sequenceId} /> : <SequenceList />;
}
