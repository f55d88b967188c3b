// Tasks: mine / team / overdue, complete with one tick, reschedule in the user's zone, create and edit with a
// repeat rule, and the calendar-feed link. Rows wrap on a phone.
import { memo, useState, type FormEvent } from "react";
import { EmptyState, ErrorState, Loading, Page } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useToast } from "@/components/toast";
import { TASKS_SHOWN, useCompleteTask, useReschedule, useTasks, type Task, type TaskView } from "./api";
import { CalendarFeed } from "./CalendarFeed";
import { TaskForm } from "./TaskForm";
import { describe, fromRule } from "./recurrence";
import { formatDue, isOverdue, localInputValue, userZone } from "./time";
import "./tasks.css";

const VIEWS: { view: TaskView; label: string }[] = [
  { view: "mine", label: "Mine" },
  { view: "team", label: "Team" },
  { view: "overdue", label: "Overdue" },
];

export default function TasksPage() {
  const [view, setView] = useState<TaskView>("mine");
  const [editing, setEditing] = useState<Task | "new" | null>(null);
  return (
    <Page
      title="Tasks"
      actions={
        <button type="button" className="primary" onClick={() => setEditing("new")}>
          New task
        </button>
      }
    >
      <div className="tasks-layout">
        <div className="stack">
          <div role="tablist" aria-label="Task views" className="row tabs">
            {VIEWS.map((v) => (
              <button
                key={v.view}
                type="button"
                role="tab"
                id={`tab-${v.view}`}
                aria-selected={view === v.view}
                aria-controls="task-list"
                className={view === v.view ? "tab active" : "tab"}
                onClick={() => setView(v.view)}
              >
                {v.label}
              </button>
            ))}
          </div>
          <div id="task-list" role="tabpanel" aria-labelledby={`tab-${view}`} className="panel">
            <TaskList view={view} onEdit={setEditing} />
          </div>
        </div>
        <CalendarFeed />
      </div>
      {editing ? <TaskForm task={editing === "new" ? null : editing} onClose={() => setEditing(null)} /> : null}
    </Page>
  );
}

function TaskList({ view, onEdit }: { view: TaskView; onEdit: (task: Task) => void }) {
  const tasks = useTasks(view);
  const complete = useCompleteTask();
  const toast = useToast();
  const zone = userZone();
  if (tasks.isPending) return <Loading label="Loading tasks" />;
  if (tasks.isError) return <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} />;
  const items = tasks.data.items;
  if (items.length === 0) {
    return (
      <EmptyState>
        {view === "overdue" ? "Nothing overdue. Well done." : "No open tasks here. Add one with “New task”."}
      </EmptyState>
    );
  }
  const onComplete = (task: Task) =>
    complete.mutate(task, {
      onSuccess: (done) =>
        toast(
          done.next_occurrence_id
            ? `Completed “${task.title}”; the next one is scheduled`
            : `Completed “${task.title}”`,
        ),
      onError: (error) => toast(`“${task.title}” was not completed: ${error.message}`, "error"),
    });
  return (
    <>
      <ul className="task-list" aria-label="Tasks">
        {items.map((task) => (
          <TaskRow key={task.id} task={task} zone={zone} onComplete={onComplete} onEdit={onEdit} />
        ))}
      </ul>
      {tasks.data.next_cursor ? <p className="muted">Showing the first {TASKS_SHOWN} tasks.</p> : null}
    </>
  );
}

const TaskRow = memo(function TaskRow({
  task,
  zone,
  onComplete,
  onEdit,
}: {
  task: Task;
  zone: string;
  onComplete: (task: Task) => void;
  onEdit: (task: Task) => void;
}) {
  const [rescheduling, setRescheduling] = useState(false);
  const overdue = isOverdue(task.due_at);
  const rule = task.recurrence ? fromRule(task.recurrence) : null;
  return (
    <li className="task-row">
      <input
        type="checkbox"
        className="task-check"
        aria-label={`Complete ${task.title}`}
        onChange={() => onComplete(task)}
      />
      <div className="task-main">
        <button type="button" className="task-title" onClick={() => onEdit(task)}>
          {task.title}
        </button>
        <div className="row task-meta">
          {task.due_at && overdue ? <span className="badge danger">Overdue</span> : null}
          <span className="muted">{task.due_at ? formatDue(task.due_at, zone) : "No due date"}</span>
          {task.priority !== "normal" ? (
            <span className={`badge ${task.priority === "urgent" || task.priority === "high" ? "warning" : ""}`}>
              {task.priority}
            </span>
          ) : null}
          {task.recurrence ? (
            <span className="badge accent" title={task.recurrence}>
              ↻ {rule ? describe(rule) : "Repeats"}
            </span>
          ) : null}
        </div>
        {rescheduling ? <Reschedule task={task} zone={zone} onDone={() => setRescheduling(false)} /> : null}
      </div>
      {!rescheduling ? (
        <button
          type="button"
          className="small"
          onClick={() => setRescheduling(true)}
          aria-label={`Reschedule ${task.title}`}
        >
          Reschedule
        </button>
      ) : null}
    </li>
  );
});

function Reschedule({ task, zone, onDone }: { task: Task; zone: string; onDone: () => void }) {
  const [due, setDue] = useState(localInputValue(task.due_at, zone));
  const reschedule = useReschedule();
  const errors = formErrors(reschedule.error, ["due_at", "timezone"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reschedule.mutate({ task, dueAt: due, timezone: zone }, { onSuccess: onDone });
  };
  return (
    <form className="row reschedule" onSubmit={submit} noValidate>
      <label className="field">
        <span className="label-text">New due time</span>
        <input
          type="datetime-local"
          value={due}
          onChange={(e) => setDue(e.target.value)}
          aria-invalid={errors.fields.due_at ? true : undefined}
        />
        {errors.fields.due_at || errors.form ? (
          <span className="field-error" role="alert">
            {errors.fields.due_at ?? errors.form}
          </span>
        ) : null}
      </label>
      <button type="submit" className="small primary" disabled={reschedule.isPending || !due}>
        Save
      </button>
      <button type="button" className="small" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}
