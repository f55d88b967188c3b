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
const PING_MS = 5 * 60_000; // API Gateway closes a socket idle for 10 minutes

export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let retryTimer: number | undefined;
    let pingTimer: number | undefined;

    const schedule = () => {
      if (stopped) return;
      const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      retryTimer = window.setTimeout(connect, delay);
    };

    const connect = async () => {
      let session = readSession();
      if (!session || stopped) return;
      if (session.expiresAt - Date.now() < 60_000) session = await refreshSession();
      if (!session || stopped) return;
      try {
        socket = new WebSocket(`${config().liveUrl}?token=${encodeURIComponent(session.accessToken)}`);
      } catch {
        schedule();
        return;
      }
      socket.onopen = () => {
        attempt = 0;
        setConnected(true);
        // Whatever happened while the socket was down is refetched once.
        void queryClient.invalidateQueries();
        pingTimer = window.setInterval(() => socket?.send(JSON.stringify({ action: "ping" })), PING_MS);
      };
      socket.onmessage = (message) => {
        let type = "";
        try {
          type = String((JSON.parse(String(message.data)) as { type?: unknown }).type ?? "");
        } catch {
          return;
        }
        for (const resource of resourcesFor(type)) void queryClient.invalidateQueries({ queryKey: [resource] });
      };
      socket.onclose = () => {
        setConnected(false);
        window.clearInterval(pingTimer);
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
