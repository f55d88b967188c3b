// Server state of one conversation: the contact, its texts (newest page first, earlier pages on demand), its
// emails (from the contact's timeline), the saved SMS templates, and the sends and the read mark.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type SmsMessage = Schemas["SmsMessage"];
export type Contact = Schemas["Contact"];
export type SmsTemplate = Schemas["SmsTemplate"];

const PAGE = 30;
const SETTLING_MS = 2_000; // while a text is on its way its status changes within seconds: follow it closely
const PENDING = new Set(["queued", "sending", "scheduled"]);

export function useContact(contactId: string) {
  return useQuery({
    queryKey: ["contacts", contactId],
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}", { params: { path: { contact_id: contactId } } })),
  });
}

export function useThread(contactId: string) {
  const polling = usePolling();
  return useInfiniteQuery({
    queryKey: ["messages", contactId, "thread"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/conversations/{contact_id}/messages", {
          params: {
            path: { contact_id: contactId },
            query: { limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (query) => {
      const newest = query.state.data?.pages[0]?.items ?? [];
      return newest.some((m) => PENDING.has(m.status)) ? SETTLING_MS : polling;
    },
  });
}

/** An email on the contact's timeline, as the thread shows it. */
export interface EmailEntry {
  id: string;
  /** the email's own id (several entries can name one email: sent, then bounced or replied) */
  messageId: string | null;
  direction: "inbound" | "outbound";
  subject: string;
  body: string | null;
  status: string;
  at: string;
}

const EMAIL_TYPES = ["email.sent", "email.failed", "email.bounced", "email.replied"];

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Timeline entries of the email types, read field by field (the timeline's data differs per event type). */
export function emailEntries(items: unknown): EmailEntry[] {
  if (!Array.isArray(items)) return [];
  const out: EmailEntry[] = [];
  for (const raw of items as Record<string, unknown>[]) {
    const type = text(raw?.type);
    const data = (raw?.data ?? {}) as Record<string, unknown>;
    const at = text(raw?.occurred_at);
    if (!type || !EMAIL_TYPES.includes(type) || !at) continue;
    const replied = type === "email.replied";
    out.push({
      id: text(raw.id) ?? `${type}-${at}`,
      messageId: text(data.message_id),
      direction: replied ? "inbound" : "outbound",
      subject: (replied ? text(data.reply_subject) : null) ?? text(data.subject) ?? "(no subject)",
      body: replied ? text(data.body) : null,
      status: type === "email.sent" ? "sent" : replied ? "received" : type === "email.bounced" ? "bounced" : "failed",
      at,
    });
  }
  return out;
}

/** The contact's emails; `queued` names emails just sent, followed closely until the timeline has them. */
export function useEmails(contactId: string, enabled: boolean, queued: string[]) {
  const polling = usePolling();
  return useQuery({
    queryKey: ["timeline", contactId, "emails"],
    enabled,
    refetchInterval: (query) => {
      const known = new Set((query.state.data ?? []).map((e) => e.messageId));
      return queued.some((id) => !known.has(id)) ? SETTLING_MS : polling;
    },
    queryFn: async () => {
      const page = await unwrap(
        api.GET("/contacts/{contact_id}/timeline", {
          params: { path: { contact_id: contactId }, query: { types: EMAIL_TYPES.join(","), limit: 50 } },
        }),
      );
      return emailEntries((page as { items?: unknown }).items);
    },
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: ["templates", "sms"],
    queryFn: () => unwrap(api.GET("/sms-templates", { params: { query: { limit: 100 } } })),
    staleTime: 60_000,
  });
}

export function useMarkRead(contactId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(api.POST("/conversations/{contact_id}/read", { params: { path: { contact_id: contactId } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["conversations"] });
      void queryClient.invalidateQueries({ queryKey: ["home"] });
    },
  });
}

export function useSendSms(contactId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: string) => unwrap(api.POST("/sms", { body: { contact_id: contactId, body } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["messages", contactId] });
      void queryClient.invalidateQueries({ queryKey: ["conversations"] });
      void queryClient.invalidateQueries({ queryKey: ["usage"] });
    },
  });
}

export function useSendEmail(contactId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (email: { subject: string; body: string }) =>
      unwrap(api.POST("/emails", { body: { contact_id: contactId, ...email } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["timeline", contactId] });
      void queryClient.invalidateQueries({ queryKey: ["usage"] });
    },
  });
}
