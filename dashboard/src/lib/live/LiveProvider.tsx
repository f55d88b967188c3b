// Live updates: one WebSocket per tab to the API's live endpoint (the token travels as a query parameter,
// browsers cannot set headers on a WebSocket). Each event marks the resources it touches stale, so the screens
// showing them refetch within a second. While the socket is down, screens poll instead (usePolling).
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { config } from "../config";
import { readSession, onSessionChange } from "../auth/session";
import { refreshSession } from "../api/client";
import { resourcesFor } from "../keys";

const LiveContext = createContext(false);
const POLL_MS = 10_000;
const PING_MS = 60_000; // API Gateway closes a socket idle for 10 minutes; a missing pong means a dead socket
const PONG_WAIT_MS = 10_000;
const SEEN_IDS = 500; // delivery is at-least-once: a repeated event id is dropped

export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retryTimer: number | undefined;
    let pingTimer: number | undefined;
    let pongTimer: number | undefined;
    const seen = new Set<string>();

    const schedule = () => {
      if (stopped) return;
      const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      retryTimer = window.setTimeout(connect, delay);
    };

    const connect = async () => {
      let session = readSession();
      if (!session || stopped || !config().liveUrl) return; // no live endpoint configured: screens poll
      if (session.expiresAt - Date.now() < 60_000) session = await refreshSession();
      if (!session || stopped) return;
      try {
        socket = new WebSocket(`${config().liveUrl}?token=${encodeURIComponent(session.accessToken)}`);
      } catch {
        schedule();
        return;
      }
      const opened = socket;
      opened.onopen = () => {
        setConnected(true);
        // Events are not replayed: whatever happened while the socket was down is refetched once.
        void queryClient.invalidateQueries();
        pingTimer = window.setInterval(() => {
          opened.send(JSON.stringify({ action: "ping" }));
          pongTimer = window.setTimeout(() => opened.close(), PONG_WAIT_MS);
        }, PING_MS);
      };
      opened.onmessage = (message) => {
        let parsed: { type?: unknown; id?: unknown };
        try {
          parsed = JSON.parse(String(message.data)) as { type?: unknown; id?: unknown };
        } catch {
          return;
        }
        if (parsed.type === "pong") {
          attempt = 0;
          window.clearTimeout(pongTimer);
          return;
        }
        if (typeof parsed.id !== "string" || typeof parsed.type !== "string" || seen.has(parsed.id)) return;
        seen.add(parsed.id);
        if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value as string);
        attempt = 0;
        for (const resource of resourcesFor(parsed.type)) void queryClient.invalidateQueries({ queryKey: [resource] });
      };
      opened.onclose = () => {
        setConnected(false);
        window.clearInterval(pingTimer);
        window.clearTimeout(pongTimer);
        socket = null;
        schedule();
      };
    };

    void connect();
    const unsubscribe = onSessionChange((session) => {
      if (!session) socket?.close();
    });
    return () => {
      stopped = true;
      unsubscribe();
      window.clearTimeout(retryTimer);
      window.clearInterval(pingTimer);
      window.clearTimeout(pongTimer);
      socket?.close();
    };
  }, [queryClient]);

  return <LiveContext.Provider value={connected}>{children}</LiveContext.Provider>;
}

export function useLiveConnected(): boolean {
  return useContext(LiveContext);
}

/** refetchInterval for queries that live events keep fresh: none while connected, polling while not. */
export function usePolling(): number | false {
  return useLiveConnected() ? false : POLL_MS;
}
