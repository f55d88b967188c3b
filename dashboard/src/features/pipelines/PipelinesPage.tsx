// Pipelines: a picker, the kanban board with its weighted sums, the deal drawer, the stage editor and the
// forecast by month.
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import {
  EmptyState,
  ErrorState,
  FormError,
  Loading,
  Modal,
  Page,
  Panel,
  SelectField,
  TextField,
} from "@/components/ui";
import { formErrors } from "@/lib/forms";
import {
  useBoard,
  useCreateDeal,
  useCreatePipeline,
  useForecast,
  useMoreDeals,
  useMoveDeal,
  usePipelines,
} from "./api";
import { BoardView } from "./Board";
import { ContactPicker } from "./ContactPicker";
import { DealDrawer } from "./DealDrawer";
import { ForecastChart } from "./ForecastChart";
import { StageEditor } from "./StageEditor";
import { formatMoney, openTotals, withMore, type Board, type Column, type Deal, type Move } from "./board";
import "./pipelines.css";

export default function PipelinesPage() {
  const { pipelineId } = useParams();
  const navigate = useNavigate();
  const pipelines = usePipelines();
  const list = pipelines.data?.items ?? [];
  const current = list.find((p) => p.id === pipelineId) ?? list[0];

  let body;
  if (pipelines.isPending) body = <Loading label="Loading pipelines" />;
  else if (pipelines.isError) body = <ErrorState error={pipelines.error} onRetry={() => void pipelines.refetch()} />;
  else if (!current) body = <NewPipeline onCreated={(id) => navigate(`/pipelines/${id}`)} />;
  else body = <PipelineBoard key={current.id} pipelineId={current.id} />;

  return (
    <Page
      title="Pipelines"
      actions={
        list.length > 0 ? (
          <SelectField
            label="Pipeline"
            value={current?.id ?? ""}
            onChange={(e) => navigate(`/pipelines/${e.target.value}`)}
          >
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
        ) : null
      }
    >
      {body}
    </Page>
  );
}

function NewPipeline({ onCreated }: { onCreated: (id: string) => void }) {
  const [name, setName] = useState("Sales");
  const create = useCreatePipeline();
  const errors = formErrors(create.error, ["name"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name }, { onSuccess: (p) => onCreated(p.id) });
  };
  return (
    <EmptyState>
      <form className="stack" onSubmit={submit} noValidate style={{ maxWidth: 360, margin: "0 auto" }}>
        <p>No pipeline yet. Create one with the usual stages (you can edit them after).</p>
        <TextField
          label="Pipeline name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <FormError message={errors.form} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create pipeline
        </button>
      </form>
    </EmptyState>
  );
}

function PipelineBoard({ pipelineId }: { pipelineId: string }) {
  const board = useBoard(pipelineId);
  const move = useMoveDeal(pipelineId);
  // Pages of deals past the first 100 of a stage, per stage, as "Load more" asks for them.
  const [pages, setPages] = useState<Record<string, number>>({});
  const { more, loading } = useMoreDeals(pipelineId, board.data, pages);
  const shown = useMemo(() => (board.data ? withMore(board.data, more) : undefined), [board.data, more]);
  const onLoadMore = useCallback(
    (stageId: string) => setPages((now) => ({ ...now, [stageId]: (now[stageId] ?? 0) + 1 })),
    [],
  );
  const [openDeal, setOpenDeal] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [creating, setCreating] = useState(false);
  const [losing, setLosing] = useState<Move | null>(null);
  const boardRef = useRef<Board | undefined>(shown);
  useLayoutEffect(() => {
    boardRef.current = shown;
  }, [shown]);
  const mutate = move.mutate;

  // Stable, so memoised columns and cards do not re-render when the page does.
  const onMove = useCallback(
    (next: Move) => {
      const target = boardRef.current?.stages.find((c) => c.id === next.toStageId);
      if (target?.kind === "lost") setLosing(next);
      else mutate(next);
    },
    [mutate],
  );
  const onMoveTo = useCallback(
    (deal: Deal, stageId: string, lostReason?: string) => {
      const stages = boardRef.current?.stages ?? [];
      const from = stages.find((c) => c.id === deal.stage_id);
      const fromIndex = from?.deals.findIndex((d) => d.id === deal.id) ?? 0;
      mutate({
        deal,
        fromStageId: deal.stage_id,
        toStageId: stageId,
        fromIndex,
        ...(lostReason ? { lostReason } : {}),
      });
    },
    [mutate],
  );

  if (board.isPending) return <Loading label="Loading the board" />;
  if (board.isError || !shown) return <ErrorState error={board.error} onRetry={() => void board.refetch()} />;
  const data = shown;
  const open = openTotals(data);
  const empty = data.stages.every((c) => c.count === 0);

  return (
    <div className="stack">
      <div className="row pipeline-bar">
        <dl className="pipeline-totals" aria-label="Pipeline totals">
          <div>
            <dt>Open deals</dt>
            <dd>{open.count}</dd>
          </div>
          <div>
            <dt>Open value</dt>
            <dd>{formatMoney(open.value)}</dd>
          </div>
          <div>
            <dt>Weighted</dt>
            <dd>{formatMoney(open.weighted_value)}</dd>
          </div>
          <div>
            <dt>Won</dt>
            <dd>{formatMoney(data.totals.won.value)}</dd>
          </div>
        </dl>
        <div className="row">
          <button type="button" onClick={() => setEditing(true)}>
            Edit stages
          </button>
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New deal
          </button>
        </div>
      </div>
      {empty ? <p className="muted">No deals yet: add one with “New deal”, then drag it between stages.</p> : null}
      <BoardView board={data} onOpen={setOpenDeal} onMove={onMove} onLoadMore={onLoadMore} loadingMore={loading} />
      <Panel title="Forecast by month">
        <Forecast pipelineId={pipelineId} />
      </Panel>
      {openDeal ? (
        <DealDrawer dealId={openDeal} stages={data.stages} onClose={() => setOpenDeal(null)} onMoveTo={onMoveTo} />
      ) : null}
      {editing ? <StageEditor pipelineId={pipelineId} stages={data.stages} onClose={() => setEditing(false)} /> : null}
      {creating ? <CreateDeal pipelineId={pipelineId} stages={data.stages} onClose={() => setCreating(false)} /> : null}
      {losing ? (
        <LostReason
          move={losing}
          onCancel={() => setLosing(null)}
          onConfirm={(reason) => {
            mutate({ ...losing, lostReason: reason });
            setLosing(null);
          }}
        />
      ) : null}
    </div>
  );
}

function Forecast({ pipelineId }: { pipelineId: string }) {
  const forecast = useForecast(pipelineId);
  if (forecast.isPending) return <Loading label="Loading the forecast" />;
  if (forecast.isError) return <ErrorState error={forecast.error} onRetry={() => void forecast.refetch()} />;
  return <ForecastChart forecast={forecast.data} />;
}

function LostReason({
  move,
  onCancel,
  onConfirm,
}: {
  move: Move;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) onConfirm(reason.trim());
  };
  return (
    <Modal title={`Why was “${move.deal.name}” lost?`} onClose={onCancel}>
      <form className="stack" onSubmit={submit}>
        <TextField label="Lost reason" value={reason} onChange={(e) => setReason(e.target.value)} required autoFocus />
        <div className="row">
          <button type="submit" className="danger" disabled={!reason.trim()}>
            Mark lost
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

function CreateDeal({ pipelineId, stages, onClose }: { pipelineId: string; stages: Column[]; onClose: () => void }) {
  const openStages = stages.filter((s) => s.kind === "open");
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [stageId, setStageId] = useState(openStages[0]?.id ?? "");
  const [closeDate, setCloseDate] = useState("");
  const [contactId, setContactId] = useState<string | null>(null);
  const create = useCreateDeal();
  const errors = formErrors(create.error, ["name", "value", "stage_id", "contact_id", "expected_close_date"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        name,
        pipeline_id: pipelineId,
        contact_id: contactId ?? "",
        ...(stageId ? { stage_id: stageId } : {}),
        ...(value.trim() ? { value: value.trim() } : {}),
        ...(closeDate ? { expected_close_date: closeDate } : {}),
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal title="New deal" onClose={onClose}>
      <form className="stack" onSubmit={submit} noValidate>
        <TextField label="Title" value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} />
        <TextField
          label="Amount"
          inputMode="decimal"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          error={errors.fields.value}
        />
        <SelectField
          label="Stage"
          value={stageId}
          onChange={(e) => setStageId(e.target.value)}
          error={errors.fields.stage_id}
        >
          {openStages.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Expected close date"
          type="date"
          value={closeDate}
          onChange={(e) => setCloseDate(e.target.value)}
          error={errors.fields.expected_close_date}
        />
        <ContactPicker value={contactId} onChange={setContactId} error={errors.fields.contact_id} />
        <FormError message={errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending}>
            Create deal
          </button>
        </div>
      </form>
    </Modal>
  );
}
