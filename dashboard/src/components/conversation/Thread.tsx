// The messages of a conversation, oldest at the top, newest at the bottom; earlier pages load on demand and the
// view follows new messages while the reader is at the bottom.
import { useEffect, useLayoutEffect, useRef } from "react";
import type { EmailEntry, SmsMessage } from "./api";

export type ThreadItem =
  | { kind: "sms"; id: string; at: string; message: SmsMessage }
  | { kind: "email"; id: string; at: string; email: EmailEntry };

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : when.format(date);
}

const STATUS_TONE: Record<string, string> = {
  delivered: "success",
  sent: "accent",
  failed: "danger",
  undelivered: "danger",
  blocked: "danger",
  bounced: "danger",
  cancelled: "warning",
  scheduled: "warning",
};

function Status({ status, detail }: { status: string; detail?: string | null | undefined }) {
  return (
    <span className={`badge ${STATUS_TONE[status] ?? ""}`} title={detail ?? undefined}>
      {status}
      {detail ? <span className="sr-only">: {detail}</span> : null}
    </span>
  );
}

function SmsBubble({ message }: { message: SmsMessage }) {
  const outbound = message.direction === "outbound";
  const failure = message.error_message ?? message.error_code;
  return (
    <>
      <div className="bubble-meta">
        <span className="channel-tag">SMS</span>
        {outbound ? "Sent " : "Received "}
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
        {outbound ? <Status status={message.status} detail={failure} /> : null}
        {message.deferred && message.status === "queued" ? <span className="badge warning">quiet hours</span> : null}
        {message.keyword === "opt_out" ? <span className="badge danger">opt-out</span> : null}
      </div>
      <p className="bubble-body">{message.body}</p>
      {outbound && failure && ["failed", "undelivered", "blocked"].includes(message.status) ? (
        <p className="field-error">{failure}</p>
      ) : null}
    </>
  );
}

function EmailBubble({ email }: { email: EmailEntry }) {
  return (
    <>
      <div className="bubble-meta">
        <span className="channel-tag">Email</span>
        {email.direction === "outbound" ? "Sent " : "Reply "}
        <time dateTime={email.at}>{formatTime(email.at)}</time>
        {email.direction === "outbound" ? <Status status={email.status} /> : null}
      </div>
      <p className="bubble-subject">{email.subject}</p>
      {email.body ? <p className="bubble-body">{email.body}</p> : null}
    </>
  );
}

export function Thread({
  items,
  hasEarlier,
  loadingEarlier,
  onLoadEarlier,
}: {
  items: ThreadItem[];
  hasEarlier: boolean;
  loadingEarlier: boolean;
  onLoadEarlier: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const newest = items[items.length - 1]?.id;

  // Follow the newest message when the reader was already at the bottom (not while reading older ones).
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [newest, items.length]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    el.addEventListener("scroll", onScroll);
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  return (
    <div className="conversation-thread" ref={box} tabIndex={0} role="region" aria-label="Messages">
      {hasEarlier ? (
        <div className="row" style={{ justifyContent: "center" }}>
          <button
            type="button"
            className="small"
            onClick={() => {
              atBottom.current = false;
              onLoadEarlier();
            }}
            disabled={loadingEarlier}
          >
            {loadingEarlier ? "Loading…" : "Load earlier messages"}
          </button>
        </div>
      ) : null}
      {items.length === 0 ? <p className="state">No messages yet. Say hello below.</p> : null}
      <ol className="bubbles">
        {items.map((item) => {
          const inbound =
            item.kind === "sms" ? item.message.direction === "inbound" : item.email.direction === "inbound";
          return (
            <li key={`${item.kind}-${item.id}`} className={`bubble ${inbound ? "in" : "out"} ${item.kind}`}>
              {item.kind === "sms" ? <SmsBubble message={item.message} /> : <EmailBubble email={item.email} />}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
