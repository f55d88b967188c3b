// How a catalogue entry reads: its status badge, what it connects with, and the callback's query string.
import type { CallbackBody, Integration } from "./api";

export const STATUS_LABELS: Record<Integration["status"], string> = {
  connected: "Connected",
  needs_attention: "Needs attention",
  not_connected: "Not connected",
};

const BADGES: Record<Integration["status"], string> = {
  connected: "badge success",
  needs_attention: "badge warning",
  not_connected: "badge",
};

export const badgeClass = (status: Integration["status"]) => BADGES[status];

/** One line about where the credentials come from ("Your own account, key ending 1234"). */
export function sourceLine(entry: Integration): string | null {
  const credential = entry.details.credential;
  if (entry.auth !== "credentials") return null;
  if (credential?.set) return `Your own ${entry.key === "openai" ? "key" : "account"}, ending ${credential.last4}`;
  return "Using LeadPilot's shared account";
}

/** When something happened, in the reader's locale ("" for never). */
export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** What the provider sent the browser back with, as the callback route takes it; null without a state. */
export function callbackBody(search: string): CallbackBody | null {
  const params = new URLSearchParams(search);
  const state = params.get("state");
  if (!state) return null;
  const body: CallbackBody = { state };
  for (const key of ["code", "error", "error_description"] as const) {
    const value = params.get(key);
    if (value) body[key] = value;
  }
  return body;
}
