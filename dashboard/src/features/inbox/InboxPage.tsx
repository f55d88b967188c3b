// The inbox: conversations with unread counts beside the selected thread (one at a time on a phone), live.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Page, Panel, QueryState, TextField } from "@/components/ui";
import { Conversation } from "@/components/conversation/Conversation";
import { useContact } from "@/components/conversation/api";
import { ConversationList } from "./ConversationList";
import { contactName, useContactSearch, useConversations } from "./api";
import "./inbox.css";

function NewMessage({ onClose }: { onClose: () => void }) {
  const [q, setQ] = useState("");
  const found = useContactSearch(q);
  const navigate = useNavigate();
  return (
    <div className="stack new-message">
      <TextField
        label="Find a contact"
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Name, phone or email"
        autoFocus
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
        }}
      />
      {q.trim().length >= 2 ? (
        <QueryState query={found} isEmpty={(d) => d.items.length === 0} empty="No contact matches.">
          {(data) => (
            <ul className="plain-list" aria-label="Matching contacts">
              {data.items.map((c) => (
                <li key={c.id}>
                  <button
                    type="button"
                    className="ghost"
                    onClick={() => {
                      onClose();
                      navigate(`/inbox/${c.id}`);
                    }}
                  >
                    {contactName(c)} <span className="muted">{c.phone ?? c.email ?? ""}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      ) : null}
    </div>
  );
}

function ThreadHeading({ contactId }: { contactId: string }) {
  const contact = useContact(contactId);
  const name = contactName(contact.data);
  return (
    <div className="row thread-head">
      <Link to="/inbox" className="back-link">
        ← All conversations
      </Link>
      <h2>{name || "Conversation"}</h2>
      {contact.data?.phone ? <span className="muted">{contact.data.phone}</span> : null}
      <Link to={`/contacts/${contactId}`} className="muted" style={{ marginLeft: "auto" }}>
        Profile
      </Link>
    </div>
  );
}

export default function InboxPage() {
  const { contactId } = useParams();
  const conversations = useConversations();
  const [composing, setComposing] = useState(false);
  const unreadTotal = conversations.data?.pages[0]?.unread_total ?? 0;
  const items = conversations.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page
      title="Inbox"
      actions={
        <>
          {unreadTotal ? <span className="badge accent">{unreadTotal} unread</span> : null}
          <button type="button" className="primary" onClick={() => setComposing((v) => !v)} aria-expanded={composing}>
            New message
          </button>
        </>
      }
    >
      <div className={`inbox ${contactId ? "has-thread" : "no-thread"}`}>
        <Panel className="inbox-list" aria-label="Conversation list">
          {composing ? <NewMessage onClose={() => setComposing(false)} /> : null}
          <QueryState
            query={conversations}
            isEmpty={() => items.length === 0}
            empty={<>No conversations yet. Texts you send and receive show up here.</>}
          >
            {() => (
              <ConversationList
                items={items}
                hasMore={Boolean(conversations.hasNextPage)}
                loadingMore={conversations.isFetchingNextPage}
                onLoadMore={() => void conversations.fetchNextPage()}
              />
            )}
          </QueryState>
        </Panel>
        <Panel className="inbox-thread" aria-label="Conversation">
          {contactId ? (
            <>
              <ThreadHeading contactId={contactId} />
              <Conversation contactId={contactId} />
            </>
          ) : (
            <p className="state">Choose a conversation, or start one with “New message”.</p>
          )}
        </Panel>
      </div>
    </Page>
  );
}
