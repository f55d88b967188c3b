// The bell in the top bar: the unread count (live), the latest notifications, mark one or all read.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";
import { ErrorState, Loading } from "@/components/ui";

interface Notification {
  id: string;
  title?: string;
  body?: string;
  type?: string;
  read_at?: string | null;
  created_at?: string;
  link?: string | null;
}
interface NotificationPage {
  items: Notification[];
  next_cursor: string | null;
  unread_count: number;
}

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const queryClient = useQueryClient();
  const polling = usePolling();
  const count = useQuery({
    queryKey: ["notifications", "unread-count"],
    queryFn: async () =>
      ((await unwrap(api.GET("/notifications/unread-count"))) as { unread_count: number }).unread_count,
    refetchInterval: polling,
  });
  const list = useQuery({
    queryKey: ["notifications", "list"],
    queryFn: () => unwrap(api.GET("/notifications", { params: { query: { limit: 20 } } })) as Promise<NotificationPage>,
    enabled: open,
  });
  const done = () => queryClient.invalidateQueries({ queryKey: ["notifications"] });
  const readOne = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST("/notifications/{notification_id}/read", { params: { path: { notification_id: id } } })),
    onSuccess: done,
  });
  const readAll = useMutation({ mutationFn: () => unwrap(api.POST("/notifications/read-all")), onSuccess: done });
  const unread = count.data ?? 0;

  return (
    <div style={{ position: "relative" }}>
      <button
        type="button"
        className="ghost"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen(!open)}
        aria-label={`Notifications, ${unread} unread`}
      >
        <BellIcon /> {unread > 0 ? <span className="count">{unread > 99 ? "99+" : unread}</span> : null}
      </button>
      {open ? (
        <div
          className="panel"
          role="dialog"
          aria-label="Notifications"
          style={{
            position: "absolute",
            right: 0,
            top: "110%",
            width: 340,
            maxHeight: 420,
            overflow: "auto",
            zIndex: 10,
            background: "var(--panel-strong)",
          }}
        >
          <div className="panel-title">
            <h2>Notifications</h2>
            <button type="button" className="small" onClick={() => readAll.mutate()} disabled={unread === 0}>
              Mark all read
            </button>
          </div>
          {list.isPending ? (
            <Loading />
          ) : list.isError ? (
            <ErrorState error={list.error} onRetry={() => list.refetch()} />
          ) : list.data.items.length === 0 ? (
            <p className="muted">Nothing yet.</p>
          ) : (
            <ul className="stack" style={{ listStyle: "none", padding: 0, margin: 0 }}>
              {list.data.items.map((n) => (
                <li key={n.id} style={{ opacity: n.read_at ? 0.7 : 1 }}>
                  <strong>{n.title ?? n.type}</strong>
                  {n.body ? <div className="muted">{n.body}</div> : null}
                  {!n.read_at ? (
                    <button type="button" className="small" onClick={() => readOne.mutate(n.id)}>
                      Mark read
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}

/** An outline bell (no emoji: some systems have no emoji font). */
function BellIcon() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      aria-hidden="true"
    >
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" strokeLinejoin="round" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" strokeLinecap="round" />
    </svg>
  );
}
