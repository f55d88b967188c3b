// One contact's conversation (SMS and email) with a composer; used by the inbox and the contact profile.
export function Conversation({ contactId }: { contactId: string }) {
  return (
    <p className="muted" data-contact-id={contactId}>
      The conversation is not built yet.
    </p>
  );
}
