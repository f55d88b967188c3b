// The conversation list: virtualised (an inbox of thousands stays smooth), each row naming the contact, the
// latest text, when, and how many are unread.
import { useEffect, useRef } from "react";
import { NavLink } from "react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useContact } from "@/components/conversation/api";
import { formatTime } from "@/components/conversation/Thread";
import { contactName, type ConversationSummary } from "./api";

const ROW_HEIGHT = 76;

function Row({ conversation }: { conversation: ConversationSummary }) {
  const contact = useContact(conversation.contact_id);
  const name = contactName(contact.data) || (contact.isError ? "Deleted contact" : "…");
  const unread = conversation.unread;
  return (
    <NavLink to={`/inbox/${conversation.contact_id}`} className={`convo-row ${unread ? "unread" : ""}`}>
      <span className="convo-top">
        <span className="convo-name">{name}</span>
        {conversation.last_message_at ? (
          <time className="muted convo-time" dateTime={conversation.last_message_at}>
            {formatTime(conversation.last_message_at)}
          </time>
        ) : null}
      </span>
      <span className="convo-bottom">
        <span className="convo-preview muted">
          {conversation.last_direction === "outbound" ? "You: " : ""}
          {conversation.last_body}
        </span>
        {conversation.opted_out ? <span className="badge danger">opted out</span> : null}
        {unread ? (
          <span className="count">
            {unread}
            <span className="sr-only"> unread</span>
          </span>
        ) : null}
      </span>
    </NavLink>
  );
}

export function ConversationList({
  items,
  hasMore,
  loadingMore,
  onLoadMore,
}: {
  items: ConversationSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  const rows = virtual.getVirtualItems();
  const last = rows[rows.length - 1]?.index ?? -1;

  // The next page loads when the reader scrolls near the end of what is loaded.
  useEffect(() => {
    if (hasMore && !loadingMore && last >= items.length - 5) onLoadMore();
  }, [last, items.length, hasMore, loadingMore, onLoadMore]);

  return (
    <div className="convo-scroll" ref={scroller}>
      <ul className="convo-list" style={{ height: virtual.getTotalSize() }} aria-label="Conversations">
        {rows.map((row) => {
          const conversation = items[row.index];
          if (!conversation) return null;
          return (
            <li
              key={conversation.contact_id}
              className="convo-item"
              style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT }}
            >
              <Row conversation={conversation} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}
