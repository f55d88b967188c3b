// Create or edit a task: title, notes, due time in the user's zone, priority, assignee, reminder and repeat.
import { useState, type FormEvent } from "react";
import { FormError, Modal, SelectField, TextArea, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useMembers, useSaveTask, type Task } from "./api";
import { RecurrenceEditor } from "./RecurrenceEditor";
import { localInputValue, userZone } from "./time";

const FIELDS = ["title", "description", "due_at", "priority", "assignee_id", "recurrence", "reminders", "timezone"];
const REMINDERS = [
  { minutes: "", label: "No reminder" },
  { minutes: "15", label: "15 minutes before" },
  { minutes: "60", label: "1 hour before" },
  { minutes: "1440", label: "1 day before" },
];

export function TaskForm({ task, onClose }: { task: Task | null; onClose: () => void }) {
  const zone = userZone();
  const [title, setTitle] = useState(task?.title ?? "");
  const [description, setDescription] = useState(task?.description ?? "");
  const [due, setDue] = useState(localInputValue(task?.due_at, zone));
  const [priority, setPriority] = useState<Task["priority"]>(task?.priority ?? "normal");
  const [assignee, setAssignee] = useState(task?.assignee_id ?? "");
  const [reminder, setReminder] = useState(String(task?.reminders?.[0] ?? ""));
  const [recurrence, setRecurrence] = useState<string | null>(task?.recurrence ?? null);
  const members = useMembers();
  const save = useSaveTask(task?.id ?? null);
  const errors = formErrors(save.error, FIELDS);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(
      {
        title,
        description: description.trim() || null,
        due_at: due || null,
        timezone: zone,
        priority,
        assignee_id: assignee || null,
        reminders: reminder ? [Number(reminder)] : [],
        recurrence,
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal title={task ? "Edit task" : "New task"} onClose={onClose}>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField label="Title" value={title} onChange={(e) => setTitle(e.target.value)} error={errors.fields.title} />
        <TextArea
          label="Notes"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.fields.description}
        />
        <div className="row">
          <TextField
            label="Due"
            type="datetime-local"
            value={due}
            onChange={(e) => setDue(e.target.value)}
            error={errors.fields.due_at ?? errors.fields.timezone}
            hint={`Your time zone: ${zone}`}
          />
          <SelectField
            label="Priority"
            value={priority}
            onChange={(e) => setPriority(e.target.value as Task["priority"])}
            error={errors.fields.priority}
          >
            <option value="low">Low</option>
            <option value="normal">Normal</option>
            <option value="high">High</option>
            <option value="urgent">Urgent</option>
          </SelectField>
        </div>
        <div className="row">
          <SelectField
            label="Assignee"
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
            error={errors.fields.assignee_id}
          >
            <option value="">Unassigned</option>
            {(members.data?.items ?? []).map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.name || m.email}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Reminder"
            value={reminder}
            onChange={(e) => setReminder(e.target.value)}
            error={errors.fields.reminders}
          >
            {REMINDERS.map((r) => (
              <option key={r.minutes} value={r.minutes}>
                {r.label}
              </option>
            ))}
          </SelectField>
        </div>
        <RecurrenceEditor rule={recurrence} onChange={setRecurrence} error={errors.fields.recurrence} />
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {task ? "Save task" : "Create task"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
