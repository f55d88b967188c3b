// The signed-in session: a short-lived access token and a rotating refresh token, kept in localStorage so a
// reload or a second tab stays signed in. Every change is broadcast to subscribers (the router, the live socket).
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** epoch milliseconds when the access token expires */
  expiresAt: number;
  /** who signed in, as the login answer named them (kept across refreshes) */
  user?: { name?: string; email?: string } | undefined;
}

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

const KEY = "leadpilot.session";
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

export function readSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.accessToken !== "string" || typeof parsed.refreshToken !== "string") return null;
    return {
      accessToken: parsed.accessToken,
      refreshToken: parsed.refreshToken,
      expiresAt: Number(parsed.expiresAt) || 0,
      user: parsed.user,
    };
  } catch {
    return null;
  }
}

export function sessionFrom(answer: TokenAnswer, user?: Session["user"], now = Date.now()): Session {
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: now + answer.expires_in * 1000,
    user,
  };
}

export function writeSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signing in or out changes this one too.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) for (const listener of listeners) listener(readSession());
  });
}
