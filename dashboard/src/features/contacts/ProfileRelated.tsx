// What else belongs to the contact: its lead score and why, tasks, deals, automation runs (with their controls)
// and email sequences.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { formErrors } from "@/lib/forms";
import { usePolling } from "@/lib/live/LiveProvider";
import { FormError, Panel, QueryState, TextField } from "@/components/ui";

function date(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleDateString() : "";
}

export function ScorePanel({ contactId }: { contactId: string }) {
  const score = useQuery({
    queryKey: ["contacts", contactId, "score"],
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}/score", { params: { path: { contact_id: contactId } } })),
  });
  return (
    <Panel title="Lead score">
      <QueryState query={score}>
        {(data) => (
          <div className="stack">
            <div className="score-big" aria-label={`Lead score ${data.score}`}>
              {data.score}
            </div>
            {data.contributions.length === 0 ? (
              <p className="muted">No scoring rule or engagement signal applies yet.</p>
            ) : (
              <ul className="score-parts" aria-label="What the score is made of">
                {data.contributions.map((c, i) => (
                  <li key={i}>
                    <span>
                      {c.kind === "rule" ? c.name : `${c.name.replaceAll("_", " ")}${c.count ? ` × ${c.count}` : ""}`}
                      {c.stage ? ` (${c.stage})` : ""}
                    </span>
                    <strong className={c.points < 0 ? "negative" : "positive"}>
                      {c.points > 0 ? "+" : ""}
                      {c.points}
                    </strong>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </QueryState>
    </Panel>
  );
}

export function TasksPanel({ contactId }: { contactId: string }) {
  const queryClient = useQueryClient();
  const refetchInterval = usePolling();
  const [title, setTitle] = useState("");
  const [due, setDue] = useState("");
  const tasks = useQuery({
    queryKey: ["tasks", "contact", contactId],
    queryFn: () => unwrap(api.GET("/tasks", { params: { query: { contact_id: contactId, limit: 50 } } })),
    refetchInterval,
  });
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/tasks", {
          body: { title, related_to: { type: "contact", id: contactId }, ...(due ? { due_at: `${due}T09:00` } : {}) },
        }),
      ),
    onSuccess: (task) => {
      setTitle("");
      setDue("");
      // The by-contact index is eventually consistent: show the new task now, then refetch.
      queryClient.setQueryData(["tasks", "contact", contactId], (old: typeof tasks.data) =>
        old ? { ...old, items: [task, ...old.items.filter((t) => t.id !== task.id)] } : old,
      );
      void queryClient.invalidateQueries({ queryKey: ["timeline", contactId] });
    },
  });
  const errors = formErrors(create.error, ["title", "due_at"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Panel title="Tasks">
      <QueryState query={tasks} isEmpty={(d) => d.items.length === 0} empty="No tasks for this contact.">
        {(data) => (
          <ul className="plain-list">
            {data.items.map((t: Schemas["Task"]) => (
              <li key={t.id} className="row">
                <span className={t.status === "done" ? "done" : ""}>{t.title}</span>
                {t.due_at ? <span className="muted">due {date(t.due_at)}</span> : null}
                <span className={`badge ${t.status === "done" ? "success" : ""}`}>{t.status.replace("_", " ")}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <form className="row task-form" onSubmit={submit}>
        <TextField
          label="New task"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          error={errors.fields.title}
        />
        <TextField
          label="Due"
          type="date"
          value={due}
          onChange={(e) => setDue(e.target.value)}
          error={errors.fields.due_at}
        />
        <button type="submit" className="small" disabled={!title.trim() || create.isPending}>
          Add task
        </button>
      </form>
      <FormError message={errors.form} />
    </Panel>
  );
}

export function DealsPanel({ contactId }: { contactId: string }) {
  const refetchInterval = usePolling();
  const deals = useQuery({
    queryKey: ["deals", "contact", contactId],
    queryFn: () => unwrap(api.GET("/deals", { params: { query: { contact_id: contactId, limit: 50 } } })),
    refetchInterval,
  });
  return (
    <Panel title="Deals">
      <QueryState query={deals} isEmpty={(d) => d.items.length === 0} empty="No deals for this contact.">
        {(data) => (
          <ul className="plain-list">
            {data.items.map((d) => (
              <li key={d.id} className="row">
                <Link to={`/pipelines/${d.pipeline_id}`}>{d.name}</Link>
                <span>
                  {d.value} {d.currency}
                </span>
                <span className={`badge ${d.status === "won" ? "success" : d.status === "lost" ? "danger" : ""}`}>
                  {d.status}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}

type RunVerb = "pause" | "resume" | "cancel";

export function RunsPanel({ contactId }: { contactId: string }) {
  const queryClient = useQueryClient();
  const refetchInterval = usePolling();
  const runs = useQuery({
    queryKey: ["runs", "contact", contactId],
    queryFn: () => unwrap(api.GET("/runs", { params: { query: { contact_id: contactId, limit: 50 } } })),
    refetchInterval,
  });
  const flows = useQuery({
    queryKey: ["flows", "names"],
    queryFn: () => unwrap(api.GET("/flows", { params: { query: { limit: 200 } } })),
    staleTime: 5 * 60_000,
    enabled: (runs.data?.items.length ?? 0) > 0,
  });
  const control = useMutation({
    mutationFn: ({ runId, verb }: { runId: string; verb: RunVerb }) =>
      unwrap(api.POST(`/runs/{run_id}/${verb}`, { params: { path: { run_id: runId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["runs"] }),
  });
  const names = new Map(flows.data?.items.map((f) => [f.id, f.name]));
  return (
    <Panel title="Automations">
      <QueryState query={runs} isEmpty={(d) => d.items.length === 0} empty="Not in any automation.">
        {(data) => (
          <ul className="plain-list">
            {data.items.map((r) => (
              <li key={r.id} className="row">
                <Link to={`/automations/${r.flow_id}`}>{names.get(r.flow_id) ?? "Flow"}</Link>
                <span className={`badge ${r.status === "running" ? "accent" : r.status === "failed" ? "danger" : ""}`}>
                  {r.status}
                </span>
                {r.current_node ? <span className="muted">at {r.current_node}</span> : null}
                {r.status === "running" ? (
                  <button
                    type="button"
                    className="small"
                    onClick={() => control.mutate({ runId: r.id, verb: "pause" })}
                  >
                    Pause
                  </button>
                ) : null}
                {r.status === "paused" ? (
                  <button
                    type="button"
                    className="small"
                    onClick={() => control.mutate({ runId: r.id, verb: "resume" })}
                  >
                    Resume
                  </button>
                ) : null}
                {r.status === "running" || r.status === "paused" ? (
                  <button
                    type="button"
                    className="small ghost"
                    onClick={() => control.mutate({ runId: r.id, verb: "cancel" })}
                  >
                    Cancel run
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <FormError message={formErrors(control.error).form} />
    </Panel>
  );
}

export function SequencesPanel({ contactId }: { contactId: string }) {
  const sequences = useQuery({
    queryKey: ["sequences", "contact", contactId],
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}/sequences", { params: { path: { contact_id: contactId } } })),
  });
  return (
    <Panel title="Sequences">
      <QueryState query={sequences} isEmpty={(d) => d.items.length === 0} empty="Not in any sequence.">
        {(data) => (
          <ul className="plain-list">
            {data.items.map((s) => (
              <li key={s.sequence_id} className="row">
                <Link to={`/sequences/${s.sequence_id}`}>{s.name}</Link>
                <span className="badge">{s.status}</span>
                {s.last_step ? <span className="muted">step {s.last_step}</span> : null}
                {s.exit_reason ? <span className="muted">({s.exit_reason.replaceAll("_", " ")})</span> : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Panel>
  );
}
