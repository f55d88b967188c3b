// One email to a selection of contacts through POST /emails/bulk: the ids in requests of at most 100, all with the
// send's id as their idempotency key (the API makes each contact's message id from the key and the contact), so
// that a request sent again after a dropped connection, or the same send again after it stopped, emails nobody
// twice, even when a contact lands in another request the second time; and the per-contact answers summed up in a
// sentence.
import { isApiError } from "@/lib/api/errors";
import type { Schemas } from "@/lib/api/client";

export const EMAILS_PER_REQUEST = 100;

export type BulkEmailResult = Schemas["EmailBulkResult"];
export type EmailOutcome = BulkEmailResult["items"][number];

export interface EmailChunk {
  index: number;
  contactIds: string[];
  idempotencyKey: string;
}

/** The ids (each once, in order) in requests of `size`, each keyed by the send. */
export function emailChunks(contactIds: readonly string[], sendId: string, size = EMAILS_PER_REQUEST): EmailChunk[] {
  const unique = [...new Set(contactIds)];
  const chunks: EmailChunk[] = [];
  for (let start = 0; start < unique.length; start += size) {
    const index = chunks.length;
    chunks.push({ index, contactIds: unique.slice(start, start + size), idempotencyKey: sendId });
  }
  return chunks;
}

/** A random id for one send (getRandomValues works on plain-http origins too, where randomUUID is missing). */
export function newSendId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface SendAttempt {
  /** what was sent: the subject, the body and the contacts */
  fingerprint: string;
  sendId: string;
  /** stopped early, or some contacts could not be queued: sending the same again resumes it */
  unfinished: boolean;
}

/** The id of a send: the previous one's when the same email goes to the same contacts after it did not finish
 * (its requests answer what they already sent instead of sending it again), else a new one. */
export function sendIdFor(previous: SendAttempt | null, fingerprint: string, fresh: () => string = newSendId): string {
  return previous?.unfinished && previous.fingerprint === fingerprint ? previous.sendId : fresh();
}

/** An error that no retry of the same request mends (422, 429, 403...), as opposed to a dropped connection or a
 * server error, after which the same request (same key) is sent again. */
export function isFinalError(error: unknown): boolean {
  return !isApiError(error) || (error.status !== 0 && error.status < 500);
}

export interface ChunkRun {
  outcomes: EmailOutcome[];
  /** the error that stopped the send, null when every request was answered */
  error: unknown;
}

/** Send the requests one after another, each again (same key) up to `retries` times after a transient failure;
 * stop at the first error that is not. `onAnswer` sees the outcomes so far after every answered request. */
export async function sendChunks(
  chunks: readonly EmailChunk[],
  send: (chunk: EmailChunk) => Promise<BulkEmailResult>,
  onAnswer: (outcomes: EmailOutcome[]) => void,
  { retries = 2, wait = (ms: number) => new Promise<void>((done) => setTimeout(done, ms)) } = {},
): Promise<ChunkRun> {
  const outcomes: EmailOutcome[] = [];
  for (const chunk of chunks) {
    for (let attempt = 0; ; attempt++) {
      try {
        outcomes.push(...(await send(chunk)).items);
        onAnswer([...outcomes]);
        break;
      } catch (error) {
        if (isFinalError(error) || attempt >= retries) return { outcomes, error };
        await wait(1000 * 2 ** attempt);
      }
    }
  }
  return { outcomes, error: null };
}

// Why a contact got no email, as "<count> <label>", in the order listed; codes not listed come last, in words.
const REFUSALS: Record<string, { one: string; many: string }> = {
  no_email: { one: "has no email address", many: "have no email address" },
  invalid_email: {
    one: "has an email address that cannot be sent to",
    many: "have email addresses that cannot be sent to",
  },
  do_not_contact: { one: "asked not to be contacted", many: "asked not to be contacted" },
  suppressed: {
    one: "has an address that bounced, complained or unsubscribed",
    many: "have addresses that bounced, complained or unsubscribed",
  },
  not_found: { one: "no longer exists", many: "no longer exist" },
  validation_error: {
    one: "would get a subject or body that is empty or too long once filled in",
    many: "would get a subject or body that is empty or too long once filled in",
  },
  conflict: { one: "could not be queued (send again to retry)", many: "could not be queued (send again to retry)" },
};

export interface EmailTally {
  /** contacts answered so far */
  answered: number;
  emailed: number;
  /** refused contacts by refusal code */
  refused: Map<string, number>;
}

/** Count the outcomes: a contact with a message was emailed (now or by an earlier request with the same key). */
export function tally(outcomes: readonly EmailOutcome[]): EmailTally {
  const refused = new Map<string, number>();
  let emailed = 0;
  for (const outcome of outcomes) {
    if (outcome.message_id) emailed += 1;
    else {
      const code = outcome.error?.code ?? outcome.status;
      refused.set(code, (refused.get(code) ?? 0) + 1);
    }
  }
  return { answered: outcomes.length, emailed, refused };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** "Emailed 18 of 20 contacts; 2 refused: 1 has no email address, 1 asked not to be contacted". */
export function emailSummary(tallied: EmailTally, total: number, stopped = false): string {
  const head = `Emailed ${tallied.emailed} of ${plural(total, "contact")}${stopped ? " before it stopped" : ""}`;
  const refusedCount = [...tallied.refused.values()].reduce((sum, n) => sum + n, 0);
  if (refusedCount === 0) return head;
  const known = Object.keys(REFUSALS).filter((code) => tallied.refused.has(code));
  const others = [...tallied.refused.keys()].filter((code) => !(code in REFUSALS)).sort();
  const reasons = [...known, ...others].map((code) => {
    const count = tallied.refused.get(code) ?? 0;
    const label = REFUSALS[code];
    return `${count} ${label ? (count === 1 ? label.one : label.many) : code.replaceAll("_", " ")}`;
  });
  return `${head}; ${refusedCount} refused: ${reasons.join(", ")}`;
}
