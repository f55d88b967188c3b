import { describe, expect, it } from "vitest";
import { blockedReason, mergeThread } from "./Conversation";
import { emailEntries, type Contact, type SmsMessage } from "./api";

function text(overrides: Partial<SmsMessage>): SmsMessage {
  return {
    id: "01A",
    contact_id: "C1",
    direction: "inbound",
    to: "+14155550100",
    from: "+14155550101",
    body: "Hello",
    status: "received",
    provider_status: null,
    provider_sid: null,
    error_code: null,
    error_message: null,
    segments: 1,
    encoding: null,
    source: "inbound",
    purpose: "message",
    send_at: null,
    deferred: false,
    keyword: null,
    created_at: "2030-01-01T10:00:00.000Z",
    updated_at: "2030-01-01T10:00:00.000Z",
    sent_at: null,
    delivered_at: null,
    ...overrides,
  };
}

const contact = { id: "C1", do_not_contact: false } as Contact;

describe("blockedReason", () => {
  it("lets a contact who may be contacted be written to", () => {
    expect(blockedReason(contact, [text({ keyword: "opt_out" })])).toBeNull();
  });

  it("names the STOP text when the contact opted out by SMS", () => {
    // Given a do-not-contact contact whose latest keyword was STOP
    const stop = text({ id: "02", body: "STOP", keyword: "opt_out", created_at: "2030-01-02T10:00:00.000Z" });
    // Then the reason quotes it
    expect(blockedReason({ ...contact, do_not_contact: true }, [stop])).toMatch(
      /^Opted out of SMS: they texted “STOP”/,
    );
  });

  it("says do-not-contact when no STOP explains it (set by hand, or a START came after)", () => {
    const stop = text({ id: "02", keyword: "opt_out", created_at: "2030-01-02T10:00:00.000Z" });
    const start = text({ id: "03", keyword: "opt_in", created_at: "2030-01-03T10:00:00.000Z" });
    const blocked = { ...contact, do_not_contact: true };
    expect(blockedReason(blocked, [])).toBe("The contact is marked do-not-contact.");
    expect(blockedReason(blocked, [start, stop])).toBe("The contact is marked do-not-contact.");
  });
});

describe("emailEntries and mergeThread", () => {
  it("reads emails from timeline entries and puts texts and emails in time order", () => {
    // Given timeline entries of several types, one malformed
    const emails = emailEntries([
      {
        id: "A1",
        type: "email.sent",
        occurred_at: "2030-01-01T11:00:00.000Z",
        data: { subject: "Quote", message_id: "M1" },
      },
      { id: "A2", type: "note.created", occurred_at: "2030-01-01T11:30:00.000Z", data: {} },
      {
        id: "A3",
        type: "email.replied",
        occurred_at: "2030-01-01T12:00:00.000Z",
        data: { subject: "Quote", reply_subject: "Re: Quote", body: "Looks good", message_id: "M1" },
      },
      { type: "email.sent" },
    ]);
    // Then only the emails are kept, the reply as inbound with its body
    expect(emails.map((e) => [e.direction, e.subject, e.status, e.messageId])).toEqual([
      ["outbound", "Quote", "sent", "M1"],
      ["inbound", "Re: Quote", "received", "M1"],
    ]);
    // When merged with texts (which come newest first) / Then everything is oldest first
    const merged = mergeThread(
      [
        text({ id: "T2", created_at: "2030-01-01T11:45:00.000Z" }),
        text({ id: "T1", created_at: "2030-01-01T09:00:00.000Z" }),
      ],
      emails,
    );
    expect(merged.map((i) => i.id)).toEqual(["T1", "A1", "T2", "A3"]);
  });

  it("reads nothing from an answer that is not a list", () => {
    expect(emailEntries(undefined)).toEqual([]);
  });
});
