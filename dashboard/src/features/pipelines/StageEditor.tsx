// The stage editor: rename a stage and change its win probability, reorder, delete (moving its deals to
// another stage), and add stages. Each change is saved on its own, so a refusal names the stage at fault.
import { useState, type FormEvent } from "react";
import { FormError, Modal, SelectField, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import { useStageEdits } from "./api";
import type { Column } from "./board";

type Edits = ReturnType<typeof useStageEdits>;

export function StageEditor({
  pipelineId,
  stages,
  onClose,
}: {
  pipelineId: string;
  stages: Column[];
  onClose: () => void;
}) {
  const edits = useStageEdits(pipelineId);
  const order = stages.map((s) => s.id);
  const shift = (index: number, by: -1 | 1) => {
    const next = [...order];
    const [moved] = next.splice(index, 1);
    if (moved === undefined) return;
    next.splice(index + by, 0, moved);
    edits.reorder.mutate(next);
  };
  return (
    <Modal title="Edit stages" onClose={onClose}>
      <div className="stack">
        <FormError message={formErrors(edits.reorder.error).form} />
        <ol className="stage-editor">
          {stages.map((stage, index) => (
            <StageRow
              key={`${stage.id}-${stage.name}-${stage.probability}`}
              stage={stage}
              others={stages.filter((s) => s.id !== stage.id)}
              edits={edits}
              first={index === 0}
              last={index === stages.length - 1}
              onShift={(by) => shift(index, by)}
            />
          ))}
        </ol>
        <AddStage edits={edits} />
      </div>
    </Modal>
  );
}

function StageRow({
  stage,
  others,
  edits,
  first,
  last,
  onShift,
}: {
  stage: Column;
  others: Column[];
  edits: Edits;
  first: boolean;
  last: boolean;
  onShift: (by: -1 | 1) => void;
}) {
  const [name, setName] = useState(stage.name);
  const [probability, setProbability] = useState(String(stage.probability));
  const [moveTo, setMoveTo] = useState("");
  const [confirming, setConfirming] = useState(false);
  const update = edits.update;
  const remove = edits.remove;
  const mine = update.variables?.stageId === stage.id;
  const errors = formErrors(mine ? update.error : null, ["name", "probability"]);
  const removeErrors = formErrors(remove.variables?.stageId === stage.id ? remove.error : null, ["move_to_stage_id"]);
  const changed = name !== stage.name || probability !== String(stage.probability);
  const save = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ stageId: stage.id, body: { name, probability: Number(probability) } });
  };
  return (
    <li className="panel stack stage-row">
      <form className="row" onSubmit={save} noValidate aria-label={`Stage ${stage.name}`}>
        <TextField
          label="Stage name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <TextField
          label="Probability %"
          type="number"
          min={0}
          max={100}
          value={probability}
          onChange={(e) => setProbability(e.target.value)}
          error={errors.fields.probability}
        />
        <span className="badge">{stage.kind}</span>
        <button type="submit" className="small primary" disabled={!changed || update.isPending}>
          Save
        </button>
        <button
          type="button"
          className="small"
          disabled={first}
          onClick={() => onShift(-1)}
          aria-label={`Move ${stage.name} up`}
        >
          ↑
        </button>
        <button
          type="button"
          className="small"
          disabled={last}
          onClick={() => onShift(1)}
          aria-label={`Move ${stage.name} down`}
        >
          ↓
        </button>
        <button
          type="button"
          className="small ghost"
          onClick={() => setConfirming(!confirming)}
          aria-expanded={confirming}
        >
          Delete…
        </button>
      </form>
      <FormError message={errors.form} />
      {confirming ? (
        <div className="row">
          {stage.count > 0 ? (
            <SelectField
              label={`Move its ${stage.count} deal${stage.count === 1 ? "" : "s"} to`}
              value={moveTo}
              onChange={(e) => setMoveTo(e.target.value)}
              error={removeErrors.fields.move_to_stage_id}
            >
              <option value="">Choose a stage</option>
              {others.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </SelectField>
          ) : null}
          <button
            type="button"
            className="danger small"
            disabled={stage.count > 0 && !moveTo}
            onClick={() => remove.mutate({ stageId: stage.id, ...(moveTo ? { moveTo } : {}) })}
          >
            Delete {stage.name}
          </button>
          <FormError message={removeErrors.form} />
        </div>
      ) : null}
    </li>
  );
}

function AddStage({ edits }: { edits: Edits }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"open" | "won" | "lost">("open");
  const [probability, setProbability] = useState("50");
  const add = edits.add;
  const errors = formErrors(add.error, ["name", "probability", "kind"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ name, kind, probability: Number(probability) }, { onSuccess: () => setName("") });
  };
  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Add a stage">
      <h3>Add a stage</h3>
      <div className="row">
        <TextField
          label="New stage name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <SelectField label="Kind" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          <option value="open">Open</option>
          <option value="won">Won</option>
          <option value="lost">Lost</option>
        </SelectField>
        <TextField
          label="Win probability %"
          type="number"
          min={0}
          max={100}
          value={probability}
          onChange={(e) => setProbability(e.target.value)}
          error={errors.fields.probability}
        />
      </div>
      <FormError message={errors.form} />
      <div className="row">
        <button type="submit" className="primary" disabled={add.isPending}>
          Add stage
        </button>
      </div>
    </form>
  );
}
