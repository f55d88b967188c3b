// The kanban board: one droppable column per stage, one draggable card per deal. A mouse drags the whole
// card; the keyboard picks it up from its handle (Space), jumps between columns with the arrow keys and drops
// with Space (Escape cancels). Cards are memoised and the dragged card is drawn in an overlay, so a drag
// re-renders only the thin draggable wrappers, not the card contents, even with hundreds of deals.
import {
  memo,
  useCallback,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEventHandler,
  type PointerEventHandler,
} from "react";
import {
  closestCenter,
  DndContext,
  DragOverlay,
  KeyboardCode,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
} from "@dnd-kit/core";
import { formatMoney, type Board, type Column, type Deal, type Move } from "./board";

/** Arrow keys move the lifted card to the centre of the next column left or right. */
export const columnJump: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
  const { collisionRect, droppableRects, over } = context;
  if (!collisionRect) return undefined;
  const step = event.code === KeyboardCode.Right ? 1 : event.code === KeyboardCode.Left ? -1 : 0;
  if (step === 0)
    return event.code === KeyboardCode.Up || event.code === KeyboardCode.Down ? currentCoordinates : undefined;
  const columns = [...droppableRects.entries()].sort(([, a], [, b]) => a.left - b.left);
  const here = over ? columns.findIndex(([id]) => id === over.id) : -1;
  const next = columns[here === -1 ? (step > 0 ? 0 : columns.length - 1) : here + step];
  if (!next) return currentCoordinates;
  const [, rect] = next;
  return { x: rect.left + (rect.width - collisionRect.width) / 2, y: rect.top + 56 };
};

// The pointer decides where a mouse drop lands; the keyboard has no pointer, so the nearest column does.
const collision: CollisionDetection = (args) => {
  const within = pointerWithin(args);
  return within.length ? within : closestCenter(args);
};

// Module constants: new option objects on each render would re-create the sensors and re-render every card.
// A click (no movement) still opens the deal; 6 px of movement starts a drag.
const POINTER = { activationConstraint: { distance: 6 } };
const KEYBOARD = { coordinateGetter: columnJump };

const DealCardBody = memo(function DealCardBody({ deal }: { deal: Deal }) {
  return (
    <>
      <div className="deal-value">{formatMoney({ [deal.currency]: deal.value })}</div>
      <div className="muted deal-meta">
        {deal.probability}% · {deal.days_in_stage}d in stage
        {deal.expected_close_date ? ` · closes ${deal.expected_close_date}` : ""}
      </div>
    </>
  );
});

const DraggableDeal = memo(function DraggableDeal({ deal, onOpen }: { deal: Deal; onOpen: (dealId: string) => void }) {
  const { setNodeRef, setActivatorNodeRef, listeners, attributes, isDragging } = useDraggable({ id: deal.id });
  // The mouse drags the whole card; the keyboard lifts it from its handle (so Enter on the title still opens it).
  const onPointerDown = listeners?.onPointerDown as PointerEventHandler | undefined;
  const onKeyDown = listeners?.onKeyDown as KeyboardEventHandler | undefined;
  return (
    <li
      ref={setNodeRef}
      className={`deal-card${isDragging ? " dragging" : ""}`}
      data-deal-id={deal.id}
      onPointerDown={onPointerDown}
    >
      <div className="deal-head">
        <button type="button" className="deal-open" onClick={() => onOpen(deal.id)}>
          {deal.name}
        </button>
        <button
          type="button"
          ref={setActivatorNodeRef}
          className="ghost small drag-handle"
          {...attributes}
          aria-label={`Move ${deal.name}`}
          onKeyDown={onKeyDown}
        >
          <span aria-hidden="true">⠿</span>
        </button>
      </div>
      <DealCardBody deal={deal} />
    </li>
  );
});

const StageColumn = memo(function StageColumn({
  column,
  onOpen,
  onLoadMore,
  loadingMore,
}: {
  column: Column;
  onOpen: (dealId: string) => void;
  onLoadMore?: (stageId: string) => void;
  loadingMore: boolean;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: column.id });
  const hidden = column.count - column.deals.length;
  return (
    <section
      ref={setNodeRef}
      className={`stage-column kind-${column.kind}${isOver ? " over" : ""}`}
      aria-label={`${column.name} stage`}
      data-stage-id={column.id}
    >
      <header className="stage-head">
        <h3>
          {column.name} <span className="badge">{column.count}</span>
        </h3>
        <div className="muted stage-sums">
          <span title="Total value">{formatMoney(column.value)}</span>
          {column.kind === "open" ? (
            <span title={`Weighted at ${column.probability}%`}> · weighted {formatMoney(column.weighted_value)}</span>
          ) : null}
        </div>
      </header>
      <ul className="stage-deals" aria-label={`Deals in ${column.name}`}>
        {column.deals.map((deal) => (
          <DraggableDeal key={deal.id} deal={deal} onOpen={onOpen} />
        ))}
      </ul>
      {column.deals.length === 0 ? <p className="muted stage-empty">Drop deals here</p> : null}
      {hidden > 0 ? (
        <div className="stage-more">
          <p className="muted stage-empty">{hidden} more not shown</p>
          {onLoadMore && column.next_cursor ? (
            <button
              type="button"
              className="ghost small"
              disabled={loadingMore}
              onClick={() => onLoadMore(column.id)}
              aria-label={`Load more deals in ${column.name}`}
            >
              {loadingMore ? "Loading…" : "Load more"}
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
});

export function BoardView({
  board,
  onOpen,
  onMove,
  onLoadMore,
  loadingMore = [],
}: {
  board: Board;
  onOpen: (dealId: string) => void;
  onMove: (move: Move) => void;
  /** a stage's "Load more" (its next page of deals); absent, a full stage only says how many are not shown */
  onLoadMore?: (stageId: string) => void;
  loadingMore?: readonly string[];
}) {
  const sensors = useSensors(useSensor(PointerSensor, POINTER), useSensor(KeyboardSensor, KEYBOARD));
  const [active, setActive] = useState<Deal | null>(null);
  // While a deal is held, the board stays as it was when it was picked up: a refresh arriving mid-drag (live or
  // polled) would otherwise re-render the columns under the pointer or the keyboard and drop the drag. What
  // arrived meanwhile shows as soon as the deal is dropped.
  const [frozen, setFrozen] = useState<Board | null>(null);
  const shown = frozen ?? board;
  const boardRef = useRef(board);
  useLayoutEffect(() => {
    boardRef.current = board;
  }, [board]);
  const where = useMemo(() => {
    const map = new Map<string, { deal: Deal; column: Column; index: number }>();
    for (const column of shown.stages) column.deals.forEach((deal, index) => map.set(deal.id, { deal, column, index }));
    return map;
  }, [shown]);
  const whereRef = useRef(where);
  useLayoutEffect(() => {
    whereRef.current = where;
  }, [where]);
  const stageName = useCallback(
    (id: unknown) => shown.stages.find((c) => c.id === id)?.name ?? "no stage",
    [shown.stages],
  );

  const onDragStart = useCallback((event: DragStartEvent) => {
    setFrozen(boardRef.current);
    setActive(whereRef.current.get(String(event.active.id))?.deal ?? null);
  }, []);
  const onDragEnd = useCallback(
    ({ active: dragged, over }: DragEndEvent) => {
      setActive(null);
      setFrozen(null);
      const from = whereRef.current.get(String(dragged.id));
      if (!from || !over || over.id === from.column.id) return;
      onMove({ deal: from.deal, fromStageId: from.column.id, toStageId: String(over.id), fromIndex: from.index });
    },
    [onMove],
  );

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart: ({ active: a }) => `Picked up ${where.get(String(a.id))?.deal.name ?? "deal"}.`,
      onDragOver: ({ active: a, over }) =>
        `${where.get(String(a.id))?.deal.name ?? "Deal"} is over ${over ? stageName(over.id) : "no stage"}.`,
      onDragEnd: ({ active: a, over }) =>
        over
          ? `${where.get(String(a.id))?.deal.name ?? "Deal"} dropped in ${stageName(over.id)}.`
          : "Dropped outside the board; nothing moved.",
      onDragCancel: () => "Move cancelled.",
    }),
    [where, stageName],
  );

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collision}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => {
        setActive(null);
        setFrozen(null);
      }}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            "To move a deal, press Space on its handle, use the left and right arrow keys to choose a stage, " +
            "then press Space to drop it or Escape to cancel.",
        },
      }}
    >
      <div className="board" aria-label={`${shown.pipeline.name} board`} role="region">
        {shown.stages.map((column) => (
          <StageColumn
            key={column.id}
            column={column}
            onOpen={onOpen}
            onLoadMore={onLoadMore}
            loadingMore={loadingMore.includes(column.id)}
          />
        ))}
      </div>
      <DragOverlay dropAnimation={null}>
        {active ? (
          <div className="deal-card overlay">
            <div className="deal-head">
              <span className="deal-open">{active.name}</span>
            </div>
            <DealCardBody deal={active} />
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}
