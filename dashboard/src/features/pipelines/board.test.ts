import { describe, expect, it } from "vitest";
import {
  addMoney,
  applyMove,
  confirmMove,
  openTotals,
  totalsOf,
  undoMove,
  weighted,
  withMore,
  type Board,
  type Deal,
} from "./board";

function deal(id: string, stageId: string, value: string, probability: number, currency = "USD"): Deal {
  return {
    id,
    pipeline_id: "P",
    stage_id: stageId,
    contact_id: "C",
    name: `Deal ${id}`,
    value,
    currency,
    probability,
    expected_close_date: null,
    owner_id: null,
    status: "open",
    lost_reason: null,
    stage_entered_at: "2026-01-01T00:00:00Z",
    closed_at: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    version: 3,
    weighted_value: weighted(value, probability),
    days_in_stage: 4,
  };
}

function board(): Board {
  const lead = [deal("01A", "S1", "1000", 10), deal("01C", "S1", "500", 10)];
  const proposal = [deal("01B", "S2", "2000", 50)];
  const column = (id: string, name: string, kind: "open" | "won" | "lost", probability: number, deals: Deal[]) => ({
    id,
    name,
    kind,
    probability,
    position: 0,
    deleting: false,
    ...totalsOf(deals),
    deals,
    has_more: false,
    next_cursor: null,
  });
  return {
    pipeline: { id: "P", name: "Sales", version: 1 },
    stages: [
      column("S1", "Lead in", "open", 10, lead),
      column("S2", "Proposal", "open", 50, proposal),
      column("S3", "Won", "won", 100, []),
    ],
    totals: {
      open: { count: 3, value: { USD: "3500" }, weighted_value: { USD: "1150" } },
      won: { count: 0, value: {}, weighted_value: {} },
      lost: { count: 0, value: {} },
    },
  };
}

describe("weighted totals", () => {
  it("weighs a value by its probability and sums per currency", () => {
    // Given deals in two currencies / When they are summed
    const sums = totalsOf([deal("1", "S", "1000", 25), deal("2", "S", "99.99", 50), deal("3", "S", "10", 10, "EUR")]);
    // Then each currency has its own value and weighted value
    expect(sums).toEqual({ count: 3, value: { USD: "1099.99", EUR: "10" }, weighted_value: { USD: "300", EUR: "1" } });
  });

  it("adds and subtracts money maps without float noise", () => {
    expect(addMoney({ USD: "0.1" }, { USD: "0.2" })).toEqual({ USD: "0.3" });
    expect(addMoney({ USD: "10" }, { USD: "2.5", EUR: "1" }, -1)).toEqual({ USD: "7.5", EUR: "-1" });
  });

  it("totals only the open stages of a board", () => {
    const totals = openTotals(board());
    expect(totals).toEqual({ count: 3, value: { USD: "3500" }, weighted_value: { USD: "1150" } });
  });
});

describe("optimistic move and rollback", () => {
  const move = { deal: deal("01A", "S1", "1000", 10), fromStageId: "S1", toStageId: "S2", fromIndex: 0 };

  it("moves the card, takes the stage's probability and shifts both columns' sums", () => {
    // Given a board / When a deal is dropped on another stage
    const after = applyMove(board(), move);
    const [lead, proposal] = after.stages;
    // Then it sits in the target column (in id order) weighted at the target's probability
    expect(lead?.deals.map((d) => d.id)).toEqual(["01C"]);
    expect(proposal?.deals.map((d) => d.id)).toEqual(["01A", "01B"]);
    expect(proposal?.deals[0]).toMatchObject({
      stage_id: "S2",
      probability: 50,
      weighted_value: "500",
      days_in_stage: 0,
    });
    expect(lead).toMatchObject({ count: 1, value: { USD: "500" }, weighted_value: { USD: "50" } });
    expect(proposal).toMatchObject({ count: 2, value: { USD: "3000" }, weighted_value: { USD: "1500" } });
  });

  it("keeps untouched columns identical so they skip rendering", () => {
    const before = board();
    const after = applyMove(before, move);
    expect(after.stages[2]).toBe(before.stages[2]);
  });

  it("moves into a won stage: the status follows and the pipeline totals move from open to won", () => {
    const after = applyMove(board(), { ...move, toStageId: "S3" });
    expect(after.stages[2]?.deals[0]).toMatchObject({ status: "won", probability: 100 });
    expect(after.totals.open).toMatchObject({ count: 2, value: { USD: "2500" } });
    expect(after.totals.won).toMatchObject({ count: 1, value: { USD: "1000" }, weighted_value: { USD: "1000" } });
  });

  it("undoes a refused move exactly: same place, same deal, same sums", () => {
    // Given a board after an optimistic move
    const before = board();
    const moved = applyMove(before, move);
    // When the server refuses it and the move is undone
    const undone = undoMove(moved, move);
    // Then the board is as it was
    expect(undone).toEqual(before);
  });

  it("undoes only the refused move when another one landed meanwhile", () => {
    const other = { deal: deal("01B", "S2", "2000", 50), fromStageId: "S2", toStageId: "S3", fromIndex: 0 };
    const both = applyMove(applyMove(board(), move), other);
    const undone = undoMove(both, move);
    expect(undone.stages.map((c) => c.deals.map((d) => d.id))).toEqual([["01A", "01C"], [], ["01B"]]);
  });

  it("ignores a move of a deal that is not on the board, and a drop on its own stage", () => {
    const before = board();
    expect(applyMove(before, { ...move, deal: deal("ZZ", "S1", "1", 1) })).toBe(before);
    expect(applyMove(before, { ...move, toStageId: "S1" })).toBe(before);
  });

  it("takes the server's answer for the moved card", () => {
    const moved = applyMove(board(), move);
    const saved = { ...deal("01A", "S2", "1000", 50), version: 4 };
    expect(confirmMove(moved, saved).stages[1]?.deals[0]?.version).toBe(4);
  });
});

describe("load more", () => {
  it("appends a stage's next pages once each, and says whether more is left", () => {
    // Given a board whose first stage shows two deals and a page read after them, which overlaps the board (01C)
    // and holds a deal that has since moved to another stage (01E)
    const moved = { ...deal("01E", "S2", "5", 50) };
    const more = [
      { stageId: "S1", deals: [deal("01C", "S1", "500", 10), deal("01D", "S1", "7", 10), moved], nextCursor: "c2" },
    ];
    // When they are merged
    const shown = withMore(board(), more);
    // Then the stage lists each of its deals once, in order, with the cursor of the next page
    const lead = shown.stages[0]!;
    expect(lead.deals.map((d) => d.id)).toEqual(["01A", "01C", "01D"]);
    expect([lead.has_more, lead.next_cursor]).toEqual([true, "c2"]);
    // And the other stages, and the board's counters, are untouched
    expect(shown.stages[1]).toEqual(board().stages[1]);
    expect(lead.count).toBe(board().stages[0]!.count);
    // And the last page ends "load more"
    const last = withMore(board(), [{ stageId: "S1", deals: [], nextCursor: null }]).stages[0]!;
    expect([last.has_more, last.next_cursor]).toEqual([false, null]);
  });
});
