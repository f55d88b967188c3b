// A suspended workspace: every request of its users answers 403 workspace_suspended with details.reason. The app
// notes the first such answer here and shows one full-page message instead of screens that cannot load.
import { useSyncExternalStore } from "react";
import { ApiError } from "./errors";

export interface Suspension {
  reason: string;
}

/** The suspension an error reports, or null when it is any other error. */
export function suspensionOf(error: unknown): Suspension | null {
  if (!(error instanceof ApiError) || error.status !== 403 || error.code !== "workspace_suspended") return null;
  const reason = error.details.reason;
  return { reason: typeof reason === "string" && reason.trim() ? reason : "No reason was given." };
}

let current: Suspension | null = null;
const listeners = new Set<() => void>();

function publish(next: Suspension | null): void {
  current = next;
  for (const listener of listeners) listener();
}

/** Called for every failed query and mutation: remembers a suspension, ignores anything else. */
export function noteError(error: unknown): void {
  const suspension = suspensionOf(error);
  if (suspension && suspension.reason !== current?.reason) publish(suspension);
}

/** Forget the suspension (signing out, or trying again after a reactivation). */
export function clearSuspension(): void {
  if (current) publish(null);
}

export function currentSuspension(): Suspension | null {
  return current;
}

export function useSuspension(): Suspension | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
