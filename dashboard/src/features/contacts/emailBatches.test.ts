import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/errors";
import {
  emailChunks,
  emailSummary,
  isFinalError,
  newSendId,
  sendChunks,
  sendIdFor,
  tally,
  type BulkEmailResult,
  type EmailChunk,
  type EmailOutcome,
} from "./emailBatches";

const ids = (count: number) => Array.from({ length: count }, (_, n) => `c${n}`);
const queued = (contactId: string): EmailOutcome => ({
  contact_id: contactId,
  status: "queued",
  message_id: `m-${contactId}`,
});
const refused = (contactId: string, code: string): EmailOutcome => ({
  contact_id: contactId,
  status: "refused",
  error: { code, message: code },
});
const answer = (chunk: EmailChunk): BulkEmailResult => ({
  items: chunk.contactIds.map(queued),
  queued: chunk.contactIds.length,
  refused: 0,
});
const noWait = () => Promise.resolve();

describe("emailChunks", () => {
  it("splits 250 contacts into requests of 100, 100 and 50, each keyed by the send", () => {
    // Given 250 contacts / When chunked for one send
    const chunks = emailChunks(ids(250), "s1");
    // Then three requests, in order, under the send's key (each contact's message is named by key and contact, so
    // a contact found in another request when the send is resumed still gets one email)
    expect(chunks.map((c) => c.contactIds.length)).toEqual([100, 100, 50]);
    expect(chunks.map((c) => c.idempotencyKey)).toEqual(["s1", "s1", "s1"]);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(chunks[1]?.contactIds[0]).toBe("c100");
  });

  it("sends a repeated id once and nothing for no ids", () => {
    expect(emailChunks(["a", "b", "a", "c"], "s", 2).map((c) => c.contactIds)).toEqual([["a", "b"], ["c"]]);
    expect(emailChunks([], "s")).toEqual([]);
  });

  it("gives the same keys for the same send, so a request sent again is recognised", () => {
    expect(emailChunks(ids(150), "same")).toEqual(emailChunks(ids(150), "same"));
  });
});

describe("sendIdFor", () => {
  it("draws a new id for a first send and after one that finished", () => {
    expect(sendIdFor(null, "f", () => "new")).toBe("new");
    expect(sendIdFor({ fingerprint: "f", sendId: "old", unfinished: false }, "f", () => "new")).toBe("new");
  });

  it("resumes an unfinished send of the same email to the same contacts, and only that", () => {
    const stopped = { fingerprint: "f", sendId: "old", unfinished: true };
    expect(sendIdFor(stopped, "f", () => "new")).toBe("old");
    expect(sendIdFor(stopped, "edited", () => "new")).toBe("new");
  });

  it("draws ids that differ and fit an idempotency key", () => {
    const [a, b] = [newSendId(), newSendId()];
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe("sendChunks", () => {
  it("sends the requests one after another and reports the outcomes after each", async () => {
    // Given three requests
    const sent: string[] = [];
    const seen: number[] = [];
    // When they are sent
    const run = await sendChunks(
      emailChunks(ids(250), "s"),
      async (chunk) => {
        sent.push(`${chunk.idempotencyKey}:${chunk.index}`);
        return answer(chunk);
      },
      (outcomes) => seen.push(outcomes.length),
    );
    // Then in order, every contact answered, and the progress grew request by request
    expect(sent).toEqual(["s:0", "s:1", "s:2"]);
    expect(run.error).toBeNull();
    expect(run.outcomes).toHaveLength(250);
    expect(seen).toEqual([100, 200, 250]);
  });

  it("sends a request again with the same key after a dropped connection or a server error", async () => {
    // Given a first request that fails twice before it is answered
    const failures = [new ApiError(0, null), new ApiError(503, null)];
    const keys: string[] = [];
    const run = await sendChunks(
      emailChunks(ids(120), "s"),
      async (chunk) => {
        keys.push(`${chunk.idempotencyKey}:${chunk.index}`);
        const failure = failures.shift();
        if (failure) throw failure;
        return answer(chunk);
      },
      () => {},
      { wait: noWait },
    );
    // Then it went out three times under one key, and the send finished
    expect(keys).toEqual(["s:0", "s:0", "s:0", "s:1"]);
    expect(run.error).toBeNull();
    expect(run.outcomes).toHaveLength(120);
  });

  it("stops at a refusal of the whole request, keeping what the earlier requests sent", async () => {
    // Given a plan limit reached at the second request
    const limit = new ApiError(429, {
      error: { code: "limit_exceeded", message: "The plan's email limit is reached" },
    });
    const keys: string[] = [];
    const run = await sendChunks(
      emailChunks(ids(250), "s"),
      async (chunk) => {
        keys.push(`${chunk.idempotencyKey}:${chunk.index}`);
        if (chunk.index === 1) throw limit;
        return answer(chunk);
      },
      () => {},
      { wait: noWait },
    );
    // Then it is not sent again, the third is not sent, and the first's 100 stay emailed
    expect(keys).toEqual(["s:0", "s:1"]);
    expect(run.error).toBe(limit);
    expect(run.outcomes).toHaveLength(100);
  });

  it("gives up after the retries", async () => {
    const down = new ApiError(502, null);
    let calls = 0;
    const run = await sendChunks(
      emailChunks(ids(5), "s"),
      () => {
        calls += 1;
        return Promise.reject(down);
      },
      () => {},
      { retries: 2, wait: noWait },
    );
    expect(calls).toBe(3);
    expect(run.error).toBe(down);
  });

  it("tells transient failures from final ones", () => {
    expect(isFinalError(new ApiError(422, null))).toBe(true);
    expect(isFinalError(new ApiError(403, null))).toBe(true);
    expect(isFinalError(new Error("bug"))).toBe(true);
    expect(isFinalError(new ApiError(0, null))).toBe(false);
    expect(isFinalError(new ApiError(500, null))).toBe(false);
  });
});

describe("emailSummary", () => {
  it("says how many were emailed and why the others were not, by reason", () => {
    // Given 18 queued, one without an address and one do-not-contact
    const outcomes = [...ids(18).map(queued), refused("x", "do_not_contact"), refused("y", "no_email")];
    // Then the sentence counts them, the reasons in a fixed order
    expect(emailSummary(tally(outcomes), 20)).toBe(
      "Emailed 18 of 20 contacts; 2 refused: 1 has no email address, 1 asked not to be contacted",
    );
  });

  it("agrees the reason with its count, and names codes it does not know", () => {
    const outcomes = [refused("a", "no_email"), refused("b", "no_email"), refused("c", "rate_limited")];
    expect(emailSummary(tally(outcomes), 3)).toBe(
      "Emailed 0 of 3 contacts; 3 refused: 2 have no email address, 1 rate limited",
    );
  });

  it("counts a message an earlier request with the same key made as emailed", () => {
    const earlier: EmailOutcome = { contact_id: "a", status: "sent", message_id: "m1" };
    expect(emailSummary(tally([earlier]), 1)).toBe("Emailed 1 of 1 contact");
  });

  it("says when the send stopped before the end", () => {
    expect(emailSummary(tally(ids(100).map(queued)), 250, true)).toBe("Emailed 100 of 250 contacts before it stopped");
  });
});
