// A support session ("Log in as"): the administrator's own session is put aside and the app runs on the
// impersonation's access token (no refresh token: it ends at its deadline); ending it revokes the token and puts
// the administrator's session back. Kept in localStorage so a reload stays in (or out of) the session.
import { useSyncExternalStore } from "react";
import { api } from "@/lib/api/client";
import { onSessionChange, readSession, writeSession, type Session } from "@/lib/auth/session";
import type { Impersonation } from "./api";

const KEY = "leadpilot.support";

export interface SupportSession {
  id: string;
  workspaceId: string;
  user: { id: string; email: string };
  reason: string;
  expiresAt: string;
  /** the administrator's own session, restored when the support session ends */
  admin: Session;
}

export function readSupport(): SupportSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as SupportSession) : null;
  } catch {
    return null;
  }
}

/** The app's session while acting as the user: the impersonation's token, valid until its deadline. */
export function impersonationSession(started: Impersonation, now = Date.now()): Session {
  return {
    accessToken: started.access_token,
    refreshToken: "",
    expiresAt: now + started.expires_in * 1000,
    user: { email: started.user.email, name: started.user.email },
  };
}

/** Switch the app to the user's workspace as that user; the caller clears cached data. */
export function beginSupport(started: Impersonation): void {
  const admin = readSession();
  if (!admin) return;
  const support: SupportSession = {
    id: started.id,
    workspaceId: started.workspace_id,
    user: started.user,
    reason: started.reason,
    expiresAt: started.expires_at,
    admin,
  };
  localStorage.setItem(KEY, JSON.stringify(support));
  writeSession(impersonationSession(started));
}

/** Put the administrator's session back, then revoke the impersonation (that takes the admin's token). */
export async function endSupport(): Promise<void> {
  const support = readSupport();
  if (!support) return;
  localStorage.removeItem(KEY);
  writeSession(support.admin);
  await api.DELETE("/platform/impersonations/{impersonation_id}", {
    params: { path: { impersonation_id: support.id } },
  });
}

// Signing out during a support session forgets it too (the admin signs in again from scratch).
onSessionChange((session) => {
  if (session === null) localStorage.removeItem(KEY);
});

export function useSupport(): SupportSession | null {
  return useSyncExternalStore(
    (listener) => onSessionChange(() => listener()),
    () => localStorage.getItem(KEY),
  )
    ? readSupport()
    : null;
}
