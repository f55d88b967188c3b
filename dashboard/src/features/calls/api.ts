// Server state of the call screens: calls (list, one with its transcript), the numbers and their voice
// configuration, an outbound AI call and the sandbox's test call. Keys start with "calls" or "phone-numbers".
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";
import type { Call } from "./model";

export type VoiceSettings = Schemas["VoiceSettings"];
export type VoiceSettingsUpdate = Schemas["VoiceSettingsUpdate"];
export type SimCallResult = Schemas["SimCallResult"];

export const callKeys = {
  all: ["calls"] as const,
  list: (contactId: string | null) => ["calls", "list", contactId ?? "all"] as const,
  one: (id: string) => ["calls", "one", id] as const,
  numbers: ["phone-numbers"] as const,
  voice: (numberId: string) => ["phone-numbers", numberId, "voice"] as const,
};

const LIVE = new Set<Call["status"]>(["queued", "ringing", "in_progress"]);

/** The calls, newest first, 100 a page ("Load more" fetches the next); refreshed by call.* live events, and
 * every 2 s while one on the first page is under way. */
export function useCalls(contactId: string | null) {
  const polling = usePolling();
  return useInfiniteQuery({
    queryKey: callKeys.list(contactId),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/calls", {
          params: {
            query: {
              limit: 100,
              ...(contactId ? { contact_id: contactId } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (query) => (query.state.data?.pages[0]?.items.some((c) => LIVE.has(c.status)) ? 2000 : polling),
  });
}

/** One call with its transcript; polled while the call or its analysis is still under way. */
export function useCall(id: string | null) {
  const polling = usePolling();
  return useQuery({
    queryKey: callKeys.one(id ?? ""),
    enabled: id !== null,
    queryFn: () => unwrap(api.GET("/calls/{call_id}", { params: { path: { call_id: id ?? "" } } })),
    refetchInterval: (query) => {
      const call = query.state.data;
      return call && (LIVE.has(call.status) || call.analysis?.status === "pending") ? 1500 : polling;
    },
  });
}

export const usePhoneNumbers = () =>
  useQuery({
    queryKey: callKeys.numbers,
    queryFn: () => unwrap(api.GET("/phone-numbers", { params: { query: { limit: 100 } } })),
  });

export const useVoiceSettings = (numberId: string) =>
  useQuery({
    queryKey: callKeys.voice(numberId),
    queryFn: () => unwrap(api.GET("/phone-numbers/{number_id}/voice", { params: { path: { number_id: numberId } } })),
  });

/** The calendar's event types, for the one the agent books into (the calendar screens share this cache). */
export const useEventTypes = () =>
  useQuery({
    queryKey: ["calendar", "event-types"],
    queryFn: () => unwrap(api.GET("/event-types", { params: { query: { limit: 200 } } })),
  });

export function useSaveVoiceSettings(numberId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: VoiceSettingsUpdate) =>
      unwrap(api.PUT("/phone-numbers/{number_id}/voice", { params: { path: { number_id: numberId } }, body })),
    onSuccess: (saved) => queryClient.setQueryData(callKeys.voice(numberId), saved),
  });
}

export function usePlaceCall() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CallCreate"]) => unwrap(api.POST("/calls", { body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: callKeys.all }),
  });
}

export function useStartTestCall() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (numberId: string) => unwrap(api.POST("/dev/voice/calls", { body: { number_id: numberId } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: callKeys.all }),
  });
}

export function useHangUp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (callId: string) =>
      unwrap(api.POST("/dev/voice/calls/{call_id}/hangup", { params: { path: { call_id: callId } } })),
    onSuccess: (call) => queryClient.setQueryData(callKeys.one(call.id), call),
    onSettled: () => queryClient.invalidateQueries({ queryKey: callKeys.all }),
  });
}
