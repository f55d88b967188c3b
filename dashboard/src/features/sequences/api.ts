// Sequences' server state: the list, one sequence, its per-step stats, its enrolments (the runs of the flow it
// compiles to) and the changes: create, save, enrol, take out.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type Sequence = Schemas["Sequence"];
export type SequenceInput = Schemas["SequenceCreate"];
export type Step = SequenceInput["steps"][number];
export type SendWindow = NonNullable<SequenceInput["send_window"]>;

export function useSequences() {
  return useQuery({
    queryKey: ["sequences", "list"],
    queryFn: () => unwrap(api.GET("/sequences", { params: { query: { limit: 100 } } })),
  });
}

export function useSequence(sequenceId: string | null) {
  return useQuery({
    queryKey: ["sequences", sequenceId],
    enabled: sequenceId !== null,
    queryFn: () => unwrap(api.GET("/sequences/{sequence_id}", { params: { path: { sequence_id: sequenceId ?? "" } } })),
  });
}

export function useSequenceStats(sequenceId: string) {
  const polling = usePolling();
  return useQuery({
    queryKey: ["sequences", sequenceId, "stats"],
    refetchInterval: polling,
    queryFn: () => unwrap(api.GET("/sequences/{sequence_id}/stats", { params: { path: { sequence_id: sequenceId } } })),
  });
}

export function useEnrolments(flowId: string) {
  const polling = usePolling();
  return useQuery({
    queryKey: ["runs", { flowId }],
    refetchInterval: polling,
    queryFn: () =>
      unwrap(api.GET("/flows/{flow_id}/runs", { params: { path: { flow_id: flowId }, query: { limit: 100 } } })),
  });
}

export function useSaveSequence(sequenceId: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SequenceInput) =>
      sequenceId
        ? unwrap(api.PATCH("/sequences/{sequence_id}", { params: { path: { sequence_id: sequenceId } }, body }))
        : unwrap(api.POST("/sequences", { body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["sequences", saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ["sequences"] });
      void queryClient.invalidateQueries({ queryKey: ["flows"] });
    },
  });
}

export function useEnrol(sequenceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (contactIds: string[]) =>
      unwrap(
        api.POST("/sequences/{sequence_id}/enrollments", {
          params: { path: { sequence_id: sequenceId } },
          body: { contact_ids: contactIds },
        }),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      void queryClient.invalidateQueries({ queryKey: ["sequences", sequenceId] });
    },
  });
}

export function useExit(sequenceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (contactId: string) =>
      unwrap(
        api.DELETE("/sequences/{sequence_id}/enrollments/{contact_id}", {
          params: { path: { sequence_id: sequenceId, contact_id: contactId } },
        }),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
      void queryClient.invalidateQueries({ queryKey: ["sequences", sequenceId] });
    },
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

export function useContactName(contactId: string) {
  return useQuery({
    queryKey: ["contacts", contactId],
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}", { params: { path: { contact_id: contactId } } })),
    select: (c) => [c.first_name, c.last_name].filter(Boolean).join(" ") || c.email || c.phone || "Unnamed contact",
  });
}
