// Pure helpers of the call screens: durations, money (integer micro-dollars), transcript grouping, refusals.
import type { Schemas } from "@/lib/api/client";

export type Call = Schemas["Call"];
export type Turn = NonNullable<Call["transcript"]>[number];

/** 0:07, 2:05, 1:02:03; a dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || seconds < 0) return "—";
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Micro-dollars as dollars: cents for ordinary amounts, more digits under a cent so a tiny cost is not "$0.00". */
export function formatMoney(micros: number): string {
  const dollars = micros / 1_000_000;
  if (micros !== 0 && Math.abs(micros) < 10_000) return `$${dollars.toFixed(4)}`;
  return `$${dollars.toFixed(2)}`;
}

/** Seconds between the call's start and a turn (0 when the turn came before the recorded start). */
export function offsetOf(at: string, start: string | null): number {
  if (!start) return 0;
  return Math.max(0, (Date.parse(at) - Date.parse(start)) / 1000);
}

export interface TurnGroup {
  role: Turn["role"];
  /** seconds from the call's start to the group's first turn */
  offset: number;
  at: string;
  turns: Turn[];
}

/** Consecutive turns of one speaker in one block (the agent's actions stay their own lines). */
export function groupTranscript(turns: readonly Turn[], start: string | null): TurnGroup[] {
  const begin = start ?? turns[0]?.at ?? null;
  const groups: TurnGroup[] = [];
  for (const turn of turns) {
    const last = groups[groups.length - 1];
    if (last && last.role === turn.role && turn.role !== "action") last.turns.push(turn);
    else groups.push({ role: turn.role, offset: offsetOf(turn.at, begin), at: turn.at, turns: [turn] });
  }
  return groups;
}

const REFUSALS: Record<string, string> = {
  no_phone: "This contact has no phone number.",
  do_not_contact: "This contact is marked do not contact.",
  no_consent: "There is no record that this contact agreed to be called.",
  outside_calling_hours: "It is outside the calling hours in the contact's time zone.",
  usage_limit_reached: "The workspace has used all of its voice minutes for this period.",
};

/** Why a call was refused, in words (with when to retry for calling hours); null for other errors. */
export function refusalMessage(code: string, details: Record<string, unknown>, locale?: string): string | null {
  const reason = code === "usage_limit_reached" ? code : String(details.reason ?? "");
  if (code !== "call_refused" && code !== "usage_limit_reached") return null;
  const text = REFUSALS[reason] ?? "The call was refused.";
  const retry = typeof details.retry_at === "string" ? Date.parse(details.retry_at) : NaN;
  if (reason === "outside_calling_hours" && !Number.isNaN(retry)) {
    const when = new Date(retry).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
    return `${text} You can call from ${when}.`;
  }
  return text;
}

/** The greeting Twilio would speak first, from the TwiML answer (welcomeGreeting of <ConversationRelay>). */
export function greetingOf(twiml: string): string | null {
  const found = /welcomeGreeting=(?:"([^"]*)"|'([^']*)')/.exec(twiml);
  const raw = found?.[1] ?? found?.[2];
  if (!raw) return null;
  const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'" };
  return raw.replace(/&(amp|lt|gt|quot|apos);/g, (m) => entities[m] ?? m);
}

export const STATUS_TONE: Record<Call["status"], string> = {
  queued: "",
  ringing: "accent",
  in_progress: "accent",
  completed: "success",
  missed: "danger",
  voicemail: "warning",
  failed: "danger",
};

export function label(value: string): string {
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
