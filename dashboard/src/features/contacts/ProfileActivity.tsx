// The contact's timeline (filtered by kind of event) and its notes, written with @mentions of members.
import { useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { formErrors } from "@/lib/forms";
import { usePolling } from "@/lib/live/LiveProvider";
import { EmptyState, ErrorState, FormError, Loading, Panel } from "@/components/ui";
import { useMembers } from "./api";
import { insertMention, mentionQuery, parseMentions, suggestMembers, toMarkup, type Mentionable } from "./mentions";

export const TIMELINE_KINDS: { label: string; types: string[] }[] = [
  {
    label: "Contact",
    types: [
      "contact.created",
      "contact.updated",
      "contact.tag_added",
      "contact.tag_removed",
      "contact.merged",
      "contact.deleted",
    ],
  },
  { label: "Notes", types: ["note.created", "note.updated", "note.deleted"] },
  { label: "SMS", types: ["sms.sent", "sms.received", "sms.delivered", "sms.failed", "sms.keyword_received"] },
  {
    label: "Email",
    types: [
      "email.sent",
      "email.opened",
      "email.clicked",
      "email.replied",
      "email.bounced",
      "email.failed",
      "email.unsubscribed",
    ],
  },
  {
    label: "Deals",
    types: ["deal.created", "deal.updated", "deal.won", "deal.lost", "deal.deleted", "pipeline.stage_changed"],
  },
  {
    label: "Tasks",
    types: ["task.created", "task.updated", "task.completed", "task.deleted", "task.due", "task.overdue"],
  },
  { label: "Automations", types: ["automation.run_ended", "webhook.received"] },
];

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** A short sentence for a timeline entry. */
function describe(entry: { type: string; data: Record<string, unknown>; changes?: Record<string, unknown> | null }) {
  const changed = entry.changes ? Object.keys(entry.changes).join(", ") : "";
  const data = entry.data;
  switch (entry.type) {
    case "contact.updated":
      return changed ? `Updated ${changed.replaceAll("_", " ")}` : "Updated";
    case "contact.tag_added":
    case "contact.tag_removed":
      return `${entry.type.endsWith("added") ? "Tagged" : "Untagged"} ${String(data.tag ?? "")}`;
    case "note.created":
    case "note.updated":
      return `Note: ${String(data.text ?? data.body ?? "").slice(0, 140)}`;
    case "sms.sent":
    case "sms.received":
      return `${entry.type === "sms.sent" ? "SMS sent" : "SMS received"}: ${String(data.body ?? "").slice(0, 140)}`;
    case "email.sent":
      return `Email sent: ${String(data.subject ?? "")}`;
    case "pipeline.stage_changed":
      return `Deal moved to ${String((data.to_stage as { name?: string } | undefined)?.name ?? data.to_stage_id ?? "a stage")}`;
    case "task.created":
    case "task.completed":
      return `${entry.type === "task.created" ? "Task created" : "Task completed"}: ${String(data.title ?? "")}`;
    default:
      return entry.type.replace(".", " ").replaceAll("_", " ");
  }
}

export function TimelinePanel({ contactId }: { contactId: string }) {
  const [kinds, setKinds] = useState<string[]>([]);
  const refetchInterval = usePolling();
  const types = TIMELINE_KINDS.filter((k) => kinds.includes(k.label)).flatMap((k) => k.types);
  const timeline = useInfiniteQuery({
    queryKey: ["timeline", contactId, types],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/contacts/{contact_id}/timeline", {
          params: {
            path: { contact_id: contactId },
            query: {
              limit: 25,
              ...(types.length ? { types: types.join(",") } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval,
  });
  const entries = timeline.data?.pages.flatMap((p) => p.items) ?? [];
  const toggle = (label: string) =>
    setKinds(kinds.includes(label) ? kinds.filter((k) => k !== label) : [...kinds, label]);
  return (
    <Panel title="Timeline" className="timeline-panel">
      <div className="row" role="group" aria-label="Show only">
        {TIMELINE_KINDS.map((k) => (
          <button
            key={k.label}
            type="button"
            className={`small${kinds.includes(k.label) ? " primary" : ""}`}
            aria-pressed={kinds.includes(k.label)}
            onClick={() => toggle(k.label)}
          >
            {k.label}
          </button>
        ))}
      </div>
      {timeline.isPending ? (
        <Loading label="Loading the timeline" />
      ) : timeline.isError ? (
        <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState>Nothing here yet.</EmptyState>
      ) : (
        <ol className="timeline">
          {entries.map((e) => (
            <li key={e.id}>
              <span className="badge">{e.type}</span> {describe(e as Parameters<typeof describe>[0])}
              <div className="muted small-text">
                <time dateTime={e.occurred_at}>{when(e.occurred_at)}</time>
              </div>
            </li>
          ))}
        </ol>
      )}
      {timeline.hasNextPage ? (
        <button
          type="button"
          className="small"
          onClick={() => void timeline.fetchNextPage()}
          disabled={timeline.isFetchingNextPage}
        >
          Show older
        </button>
      ) : null}
    </Panel>
  );
}

function NoteBody({ body }: { body: string }) {
  return (
    <p className="note-body">
      {parseMentions(body).map((part, i) =>
        "text" in part ? (
          <span key={i}>{part.text}</span>
        ) : (
          <span key={i} className="mention">
            @{part.mention.name}
          </span>
        ),
      )}
    </p>
  );
}

export function NotesPanel({ contactId }: { contactId: string }) {
  const queryClient = useQueryClient();
  const refetchInterval = usePolling();
  const notes = useInfiniteQuery({
    queryKey: ["notes", contactId],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/notes", {
          params: { query: { contact_id: contactId, limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval,
  });
  const create = useMutation({
    mutationFn: (body: string) => unwrap(api.POST("/notes", { body: { contact_id: contactId, body } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["notes", contactId] });
      void queryClient.invalidateQueries({ queryKey: ["timeline", contactId] });
    },
  });
  const items = notes.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Panel title="Notes">
      <NoteComposer
        onSave={(body, done) => create.mutate(body, { onSuccess: done })}
        saving={create.isPending}
        error={create.error}
      />
      {notes.isPending ? (
        <Loading label="Loading notes" />
      ) : notes.isError ? (
        <ErrorState error={notes.error} onRetry={() => void notes.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>No notes yet.</EmptyState>
      ) : (
        <ul className="notes">
          {items.map((n) => (
            <li key={n.id}>
              <NoteBody body={n.body} />
              <span className="muted small-text">{when(n.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
      {notes.hasNextPage ? (
        <button type="button" className="small" onClick={() => void notes.fetchNextPage()}>
          Show older notes
        </button>
      ) : null}
    </Panel>
  );
}

/** A textarea that suggests workspace members after "@" (arrows + Enter/Tab, or click) and saves mention markup. */
function NoteComposer({
  onSave,
  saving,
  error,
}: {
  onSave: (body: string, done: () => void) => void;
  saving: boolean;
  error: unknown;
}) {
  const members = useMembers();
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [chosen, setChosen] = useState<Mentionable[]>([]);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const errors = formErrors(error, ["body"]);
  const typed = mentionQuery(text, caret);
  const suggestions = useMemo(
    () => (typed && !dismissed ? suggestMembers(members.data?.items ?? [], typed.query) : []),
    [typed, dismissed, members.data],
  );
  const open = suggestions.length > 0;

  const pick = (member: Mentionable) => {
    const next = insertMention(text, caret, member);
    if (!next) return;
    setText(next.text);
    setChosen([...chosen, member]);
    setActive(0);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(next.caret, next.caret);
      setCaret(next.caret);
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((active + step + suggestions.length) % suggestions.length);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      const member = suggestions[active];
      if (member) pick(member);
    } else if (event.key === "Escape") {
      event.stopPropagation();
      setDismissed(true);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    onSave(toMarkup(text, chosen), () => {
      setText("");
      setChosen([]);
    });
  };
  return (
    <form className="stack note-composer" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${listId}-input`}>New note</label>
        <textarea
          id={`${listId}-input`}
          ref={area}
          rows={3}
          value={text}
          placeholder="Type @ to mention a teammate"
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-invalid={errors.fields.body ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setDismissed(false);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
        />
        {open ? (
          <ul id={listId} role="listbox" aria-label="Mention a teammate" className="mention-list panel">
            {suggestions.map((m, i) => (
              <li
                key={m.user_id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? "active" : ""}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(m);
                }}
              >
                {m.name} <span className="muted">{m.email}</span>
              </li>
            ))}
          </ul>
        ) : null}
        {errors.fields.body ? (
          <span className="field-error" role="alert">
            {errors.fields.body}
          </span>
        ) : null}
      </div>
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary small" disabled={saving || !text.trim()}>
          Add note
        </button>
      </div>
    </form>
  );
}
