// Entering a sub-account and coming back. Opening a sub-account answers a token pair like a login, so the app
// switches into it the way signing in does: the new pair becomes the session. The agency's own pair is kept
// aside (not used while inside) so "Back to the agency" restores it without asking for the password again;
// signing out anywhere forgets it and revokes it too.
import { useMemo, useSyncExternalStore } from "react";
import { config } from "@/lib/config";
import { onSessionChange, readSession, sessionFrom, writeSession, type Session } from "@/lib/auth/session";
import type { Schemas } from "@/lib/api/client";

const KEY = "leadpilot.agency-return";

export interface ReturnPoint {
  /** the agency's session, restored on the way back */
  session: Session;
  agencyName: string;
  subAccountId: string;
  subAccountName: string;
}

export function readReturnPoint(): ReturnPoint | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<ReturnPoint>;
    const session = parsed.session;
    if (!session || typeof session.accessToken !== "string" || typeof session.refreshToken !== "string") return null;
    return {
      session,
      agencyName: String(parsed.agencyName ?? ""),
      subAccountId: String(parsed.subAccountId ?? ""),
      subAccountName: String(parsed.subAccountName ?? ""),
    };
  } catch {
    return null;
  }
}

/** Switch into a sub-account's session, keeping the agency's to come back to. */
export function enterSubAccount(answer: Schemas["SubAccountSession"], agencyName: string): void {
  const current = readSession();
  if (!current) return;
  const back = readReturnPoint(); // already inside one: coming back still leads to the agency
  const point: ReturnPoint = {
    session: back?.session ?? current,
    agencyName: back?.agencyName ?? agencyName,
    subAccountId: answer.workspace.id,
    subAccountName: answer.workspace.name,
  };
  localStorage.setItem(KEY, JSON.stringify(point));
  writeSession(sessionFrom(answer, current.user));
}

/** Leave the sub-account: end its session and restore the agency's. */
export async function leaveSubAccount(): Promise<void> {
  const point = readReturnPoint();
  if (!point) return;
  const inside = readSession();
  localStorage.removeItem(KEY);
  if (inside && inside.accessToken !== point.session.accessToken) void revoke(inside.accessToken);
  writeSession(point.session);
}

async function revoke(accessToken: string): Promise<void> {
  try {
    await fetch(`${config().apiUrl}/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}` },
    });
  } catch {
    // the session expires by itself; nothing else to do
  }
}

// Signing out inside a sub-account signs out of the agency too: nobody should find its session left behind.
onSessionChange((session) => {
  if (session !== null) return;
  const point = readReturnPoint();
  if (!point) return;
  localStorage.removeItem(KEY);
  void revoke(point.session.accessToken);
});

function subscribe(callback: () => void): () => void {
  return onSessionChange(() => callback());
}

/** The way back to the agency while inside one of its sub-accounts, or null in any other workspace. */
export function useReturnPoint(): ReturnPoint | null {
  const raw = useSyncExternalStore(subscribe, () => localStorage.getItem(KEY));
  return useMemo(() => (raw ? readReturnPoint() : null), [raw]);
}
