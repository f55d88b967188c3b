// The inbox's server state: conversations by latest text, newest first, a page at a time, kept fresh by live
// events (polling while the socket is down); and the contact search behind "New message".
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type ConversationSummary = Schemas["Conversation"];

export function useConversations() {
  const polling = usePolling();
  return useInfiniteQuery({
    queryKey: ["conversations", "list"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/conversations", { params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: polling,
  });
}

export function useContactSearch(q: string) {
  return useQuery({
    queryKey: ["contacts", "search", { q, limit: 8 }],
    enabled: q.trim().length >= 2,
    queryFn: () => unwrap(api.GET("/contacts/search", { params: { query: { q: q.trim(), limit: 8 } } })),
    staleTime: 30_000,
  });
}

export function contactName(contact: Schemas["Contact"] | undefined): string {
  if (!contact) return "";
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ").trim();
  return name || contact.phone || contact.email || "Unnamed contact";
}
