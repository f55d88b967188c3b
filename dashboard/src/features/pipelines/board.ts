// The board's arithmetic, kept pure so it is tested without a browser: money sums per currency, weighted
// values, and the optimistic move of a deal between stages (and its exact undo when the server refuses).
import type { Schemas } from "@/lib/api/client";

export type Board = Schemas["Board"];
export type Column = Board["stages"][number];
export type Deal = Schemas["Deal"];
export type Money = Record<string, string>;

/** A decimal amount as the API writes it ("1500.5"), to 2 places at most and without trailing zeros. */
export function moneyText(amount: number): string {
  const rounded = Math.round(amount * 100) / 100;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(2).replace(/0$/, "");
}

/** value × probability / 100, as the API computes a deal's weighted value. */
export function weighted(value: string, probability: number): string {
  return moneyText((Number(value) * probability) / 100);
}

/** a + sign × b for each currency; currencies that fall to zero stay (the server drops them on refetch). */
export function addMoney(a: Money, b: Money, sign: 1 | -1 = 1): Money {
  const out: Money = { ...a };
  for (const [currency, amount] of Object.entries(b)) {
    out[currency] = moneyText(Number(out[currency] ?? 0) + sign * Number(amount));
  }
  return out;
}

/** The sums of a list of deals: count, value and weighted value per currency. */
export function totalsOf(deals: readonly Pick<Deal, "value" | "currency" | "probability">[]): {
  count: number;
  value: Money;
  weighted_value: Money;
} {
  let value: Money = {};
  let weightedValue: Money = {};
  for (const deal of deals) {
    value = addMoney(value, { [deal.currency]: deal.value });
    weightedValue = addMoney(weightedValue, { [deal.currency]: weighted(deal.value, deal.probability) });
  }
  return { count: deals.length, value, weighted_value: weightedValue };
}

/** The sums of all open stages of a board (what the pipeline is worth if nothing else moves). */
export function openTotals(board: Board): { count: number; value: Money; weighted_value: Money } {
  let out = { count: 0, value: {} as Money, weighted_value: {} as Money };
  for (const column of board.stages) {
    if (column.kind !== "open") continue;
    out = {
      count: out.count + column.count,
      value: addMoney(out.value, column.value),
      weighted_value: addMoney(out.weighted_value, column.weighted_value),
    };
  }
  return out;
}

/** Format a money map for people: "$1,500 + €200"; "—" when empty. */
export function formatMoney(money: Money | undefined, locale?: string): string {
  const parts = Object.entries(money ?? {})
    .filter(([, amount]) => Number(amount) !== 0)
    .map(([currency, amount]) => {
      try {
        return new Intl.NumberFormat(locale, { style: "currency", currency, maximumFractionDigits: 0 }).format(
          Number(amount),
        );
      } catch {
        return `${amount} ${currency}`;
      }
    });
  return parts.length ? parts.join(" + ") : "—";
}

/** A move as the screen remembers it: enough to apply it and to undo it exactly. */
export interface Move {
  deal: Deal;
  fromStageId: string;
  toStageId: string;
  /** where the card sat in its column, so an undo puts it back in the same place */
  fromIndex: number;
}

function withDeal(column: Column, deal: Deal, index?: number): Column {
  const deals = [...column.deals];
  if (index === undefined) {
    // Cards are ordered by id (the server's sort key), so the optimistic card lands where the refetch puts it.
    const at = deals.findIndex((d) => d.id > deal.id);
    deals.splice(at === -1 ? deals.length : at, 0, deal);
  } else deals.splice(Math.min(index, deals.length), 0, deal);
  return {
    ...column,
    deals,
    count: column.count + 1,
    value: addMoney(column.value, { [deal.currency]: deal.value }),
    weighted_value: addMoney(column.weighted_value, { [deal.currency]: deal.weighted_value }),
  };
}

function withoutDeal(column: Column, deal: Deal): Column {
  return {
    ...column,
    deals: column.deals.filter((d) => d.id !== deal.id),
    count: Math.max(0, column.count - 1),
    value: addMoney(column.value, { [deal.currency]: deal.value }, -1),
    weighted_value: addMoney(column.weighted_value, { [deal.currency]: deal.weighted_value }, -1),
  };
}

function moveTotals(board: Board, before: Deal, after: Deal): Board["totals"] {
  const totals = { ...board.totals };
  const shift = (deal: Deal, sign: 1 | -1) => {
    const status = deal.status;
    const current = totals[status];
    totals[status] = {
      ...current,
      count: current.count + sign,
      value: addMoney(current.value, { [deal.currency]: deal.value }, sign),
      ...(current.weighted_value
        ? { weighted_value: addMoney(current.weighted_value, { [deal.currency]: deal.weighted_value }, sign) }
        : {}),
    };
  };
  shift(before, -1);
  shift(after, 1);
  return totals;
}

/** The deal as it will be in `column`: the stage's status and default probability, as the server applies. */
export function dealIn(deal: Deal, column: Column): Deal {
  const probability = column.probability;
  return {
    ...deal,
    stage_id: column.id,
    status: column.kind,
    probability,
    weighted_value: weighted(deal.value, probability),
    days_in_stage: 0,
  };
}

/** The board after a move (optimistic); unchanged when the deal or a stage is not on it. */
export function applyMove(board: Board, move: Move): Board {
  const target = board.stages.find((c) => c.id === move.toStageId);
  const source = board.stages.find((c) => c.id === move.fromStageId);
  if (!target || !source || move.fromStageId === move.toStageId) return board;
  const current = source.deals.find((d) => d.id === move.deal.id);
  if (!current) return board;
  const after = dealIn(current, target);
  return {
    ...board,
    stages: board.stages.map((c) =>
      c.id === source.id ? withoutDeal(c, current) : c.id === target.id ? withDeal(c, after) : c,
    ),
    totals: moveTotals(board, current, after),
  };
}

/** The board with a refused move undone: the deal back in its stage, at its place, as it was. */
export function undoMove(board: Board, move: Move): Board {
  const moved = board.stages.find((c) => c.id === move.toStageId)?.deals.find((d) => d.id === move.deal.id);
  const home = board.stages.find((c) => c.id === move.fromStageId);
  if (!moved || !home) return board;
  return {
    ...board,
    stages: board.stages.map((c) =>
      c.id === move.toStageId ? withoutDeal(c, moved) : c.id === home.id ? withDeal(c, move.deal, move.fromIndex) : c,
    ),
    totals: moveTotals(board, moved, move.deal),
  };
}

/** The server's answer replaces the optimistic card (new version, exact values). */
export function confirmMove(board: Board, saved: Deal): Board {
  return {
    ...board,
    stages: board.stages.map((c) =>
      c.id === saved.stage_id ? { ...c, deals: c.deals.map((d) => (d.id === saved.id ? saved : d)) } : c,
    ),
  };
}

/** Deals of one stage past the board's first cards (pages of GET /deals the user asked for with "Load more"). */
export interface MoreDeals {
  stageId: string;
  deals: Deal[];
  /** where the next "Load more" goes on; null when the stage has nothing left */
  nextCursor: string | null;
}

/** The board with the extra pages of its stages appended: a deal the board already shows (it moved, or the
 * optimistic move put it there) or one that has left the stage since the page was read is not shown twice. */
export function withMore(board: Board, more: readonly MoreDeals[]): Board {
  if (more.length === 0) return board;
  const onBoard = new Set(board.stages.flatMap((c) => c.deals.map((d) => d.id)));
  const byStage = new Map(more.map((m) => [m.stageId, m]));
  return {
    ...board,
    stages: board.stages.map((column) => {
      const extra = byStage.get(column.id);
      if (!extra) return column;
      const added = extra.deals.filter((d) => d.stage_id === column.id && !onBoard.has(d.id));
      return {
        ...column,
        deals: [...column.deals, ...added],
        has_more: extra.nextCursor !== null,
        next_cursor: extra.nextCursor,
      };
    }),
  };
}
