// One contact's conversation (SMS and email) with a composer; used by the inbox and the contact profile.
// Texts come from the conversation API a page at a time (newest first, earlier pages on demand), emails from the
// contact's timeline; opening the conversation marks it read.
import { useEffect, useMemo, useRef, useState } from "react";
import { ErrorState, Loading } from "@/components/ui";
import { useContact, useEmails, useMarkRead, useThread, type Contact, type EmailEntry, type SmsMessage } from "./api";
import { Composer } from "./Composer";
import { Thread, formatTime, type ThreadItem } from "./Thread";
import "./conversation.css";

/** Why nothing may be sent to the contact (do-not-contact, or a STOP they texted), else null. */
export function blockedReason(contact: Contact, messages: SmsMessage[]): string | null {
  if (!contact.do_not_contact) return null;
  const stop = messages.find((m) => m.direction === "inbound" && m.keyword === "opt_out");
  const start = messages.find((m) => m.direction === "inbound" && m.keyword === "opt_in");
  if (stop && (!start || start.created_at < stop.created_at)) {
    return `Opted out of SMS: they texted “${stop.body.trim()}” on ${formatTime(stop.created_at)}. They can text START to opt back in.`;
  }
  return "The contact is marked do-not-contact.";
}

/** Texts and emails in one timeline, oldest first. */
export function mergeThread(messages: SmsMessage[], emails: EmailEntry[]): ThreadItem[] {
  const items: ThreadItem[] = [
    ...messages.map((message) => ({ kind: "sms" as const, id: message.id, at: message.created_at, message })),
    ...emails.map((email) => ({ kind: "email" as const, id: email.id, at: email.at, email })),
  ];
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

export function Conversation({ contactId }: { contactId: string }) {
  const contact = useContact(contactId);
  const thread = useThread(contactId);
  const [queuedEmails, setQueuedEmails] = useState<EmailEntry[]>([]);
  const emails = useEmails(
    contactId,
    Boolean(contact.data?.email),
    queuedEmails.map((e) => e.messageId ?? ""),
  );
  const markRead = useMarkRead(contactId);
  const marked = useRef("");

  const messages = useMemo(() => thread.data?.pages.flatMap((p) => p.items) ?? [], [thread.data]);
  const firstPage = thread.data?.pages[0];
  const unread = firstPage?.unread ?? 0;
  const newestId = firstPage?.items[0]?.id ?? "";

  // Once per newest text: the conversation is read when it is on screen with something unread.
  useEffect(() => {
    const key = `${contactId}:${newestId}`;
    if (unread > 0 && marked.current !== key) {
      marked.current = key;
      markRead.mutate();
    }
  }, [contactId, newestId, unread, markRead]);

  // A queued email shows at once; its timeline entry replaces it when the email is sent.
  const sentIds = useMemo(() => new Set((emails.data ?? []).map((e) => e.messageId)), [emails.data]);

  const items = useMemo(
    () => mergeThread(messages, [...(emails.data ?? []), ...queuedEmails.filter((e) => !sentIds.has(e.messageId))]),
    [messages, emails.data, queuedEmails, sentIds],
  );

  if (contact.isPending || thread.isPending) return <Loading label="Loading the conversation" />;
  if (contact.isError) return <ErrorState error={contact.error} onRetry={() => void contact.refetch()} />;
  if (thread.isError) return <ErrorState error={thread.error} onRetry={() => void thread.refetch()} />;

  const person = contact.data;
  const blocked = blockedReason(person, messages);
  return (
    <div className="conversation" data-contact-id={contactId}>
      {person.do_not_contact ? (
        <p className="opt-out-banner" role="note">
          <span className="badge danger">
            {blocked?.startsWith("Opted out") ? "Opted out of SMS" : "Do not contact"}
          </span>
        </p>
      ) : null}
      <Thread
        items={items}
        hasEarlier={Boolean(thread.hasNextPage)}
        loadingEarlier={thread.isFetchingNextPage}
        onLoadEarlier={() => void thread.fetchNextPage()}
      />
      {emails.isError ? <p className="field-error">Emails could not be loaded: {String(emails.error)}</p> : null}
      <Composer
        key={contactId}
        contact={person}
        blocked={blocked}
        onEmailQueued={({ id, subject }) =>
          setQueuedEmails((list) => [
            ...list,
            {
              id: `queued-${id}`,
              messageId: id,
              subject,
              body: null,
              direction: "outbound",
              status: "queued",
              at: new Date().toISOString(),
            },
          ])
        }
      />
    </div>
  );
}
