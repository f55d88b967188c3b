// Server state of the pipelines screen: pipelines, the board, the forecast, a deal and its history, and the
// mutations (move, edit, create, stage changes). Every key starts with its resource so live events refresh it.
import {
  keepPreviousData,
  useMutation,
  useQueries,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { isApiError } from "@/lib/api/errors";
import { usePolling } from "@/lib/live/LiveProvider";
import { useToast } from "@/components/toast";
import {
  applyMove,
  confirmMove,
  undoMove,
  type Board,
  type Column,
  type Deal,
  type Move,
  type MoreDeals,
} from "./board";

export type Pipeline = Schemas["Pipeline"];
export type Member = Schemas["Member"];
export type Contact = Schemas["Contact"];

/** Cards per stage the board shows (the API's most); a stage holding more says how many are not shown. */
export const CARDS_PER_STAGE = 100;

export const keys = {
  pipelines: ["pipelines"] as const,
  board: (id: string) => ["pipelines", id, "board"] as const,
  forecast: (id: string) => ["pipelines", id, "forecast"] as const,
  deal: (id: string) => ["deals", id] as const,
  history: (id: string) => ["deals", id, "history"] as const,
  members: ["members"] as const,
  contact: (id: string) => ["contacts", id] as const,
  contactSearch: (q: string) => ["contacts", "search", q] as const,
};

export function usePipelines() {
  return useQuery({
    queryKey: keys.pipelines,
    queryFn: () => unwrap(api.GET("/pipelines", { params: { query: { limit: 100 } } })),
  });
}

export function useBoard(pipelineId: string | undefined) {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: keys.board(pipelineId ?? ""),
    enabled: Boolean(pipelineId),
    refetchInterval,
    queryFn: () =>
      unwrap(
        api.GET("/pipelines/{pipeline_id}/board", {
          params: { path: { pipeline_id: pipelineId ?? "" }, query: { limit: CARDS_PER_STAGE } },
        }),
      ),
  });
}

/** `pages` pages of a stage's deals after the board's first cards, read from the cursor the board gives. */
async function morePages(pipelineId: string, column: Column, pages: number): Promise<MoreDeals> {
  const deals: Deal[] = [];
  let cursor = column.next_cursor ?? null;
  for (let page = 0; page < pages && cursor; page++) {
    const found = await unwrap(
      api.GET("/deals", {
        params: {
          query: {
            pipeline_id: pipelineId,
            stage_id: column.id,
            status: column.kind,
            limit: CARDS_PER_STAGE,
            cursor,
          },
        },
      }),
    );
    deals.push(...found.items);
    cursor = found.next_cursor ?? null;
  }
  return { stageId: column.id, deals, nextCursor: cursor };
}

/** The extra pages of the stages whose "Load more" was pressed (`pages[stageId]` pages each), kept fresh like
 * the board; while the next page loads, the cards already shown stay. */
export function useMoreDeals(pipelineId: string, board: Board | undefined, pages: Record<string, number>) {
  const refetchInterval = usePolling();
  const stages = (board?.stages ?? []).filter((c) => (pages[c.id] ?? 0) > 0 && c.next_cursor);
  return useQueries({
    queries: stages.map((column) => ({
      queryKey: ["deals", "more", pipelineId, column.id, column.next_cursor, pages[column.id] ?? 0] as const,
      queryFn: () => morePages(pipelineId, column, pages[column.id] ?? 0),
      placeholderData: keepPreviousData,
      refetchInterval,
    })),
    combine: (results) => ({
      more: results.flatMap((r) => (r.data ? [r.data] : [])),
      loading: results.flatMap((r, i) => (r.isFetching ? [stages[i]?.id ?? ""] : [])),
    }),
  });
}

export function useForecast(pipelineId: string) {
  return useQuery({
    queryKey: keys.forecast(pipelineId),
    queryFn: () =>
      unwrap(api.GET("/pipelines/{pipeline_id}/forecast", { params: { path: { pipeline_id: pipelineId } } })),
  });
}

export function useDeal(dealId: string) {
  return useQuery({
    queryKey: keys.deal(dealId),
    queryFn: () => unwrap(api.GET("/deals/{deal_id}", { params: { path: { deal_id: dealId } } })),
  });
}

export function useDealHistory(dealId: string) {
  return useQuery({
    queryKey: keys.history(dealId),
    queryFn: () =>
      unwrap(api.GET("/deals/{deal_id}/history", { params: { path: { deal_id: dealId }, query: { limit: 50 } } })),
  });
}

export function useMembers() {
  return useQuery({
    queryKey: keys.members,
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET("/workspace/members", { params: { query: { limit: 200 } } })),
  });
}

export function useContact(contactId: string | null | undefined) {
  return useQuery({
    queryKey: keys.contact(contactId ?? ""),
    enabled: Boolean(contactId),
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}", { params: { path: { contact_id: contactId ?? "" } } })),
  });
}

export function useContactSearch(q: string) {
  return useQuery({
    queryKey: keys.contactSearch(q),
    enabled: q.trim().length > 0,
    queryFn: () => unwrap(api.GET("/contacts/search", { params: { query: { q, limit: 8 } } })),
  });
}

export function contactName(contact: Pick<Contact, "first_name" | "last_name" | "email" | "phone">): string {
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
  return name || contact.email || contact.phone || "Unnamed contact";
}

/** Everything that shows deals or sums of them is stale after a change. */
export function invalidateDeals(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: ["pipelines"] });
  void queryClient.invalidateQueries({ queryKey: ["deals"] });
  void queryClient.invalidateQueries({ queryKey: ["home"] });
}

interface MoveRequest extends Move {
  lostReason?: string;
}

/** The kanban drag: the card moves at once; a refusal puts it back, and a 409 says someone else moved it. */
export function useMoveDeal(pipelineId: string) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const key = keys.board(pipelineId);
  return useMutation({
    mutationFn: (move: MoveRequest) =>
      unwrap(
        api.POST("/deals/{deal_id}/move", {
          params: { path: { deal_id: move.deal.id } },
          body: {
            stage_id: move.toStageId,
            version: move.deal.version,
            ...(move.lostReason ? { lost_reason: move.lostReason } : {}),
          },
        }),
      ),
    onMutate: async (move) => {
      await queryClient.cancelQueries({ queryKey: key });
      queryClient.setQueryData<Board>(key, (board) => (board ? applyMove(board, move) : board));
    },
    onError: (error, move) => {
      queryClient.setQueryData<Board>(key, (board) => (board ? undoMove(board, move) : board));
      if (isApiError(error, 409)) toast(`Someone else moved “${move.deal.name}”; the board is refreshed.`, "error");
      else toast(`“${move.deal.name}” was not moved: ${error.message}`, "error");
    },
    onSuccess: (saved: Deal) => {
      queryClient.setQueryData<Board>(key, (board) => (board ? confirmMove(board, saved) : board));
      queryClient.setQueryData(keys.deal(saved.id), saved);
    },
    onSettled: () => invalidateDeals(queryClient),
  });
}

export function useUpdateDeal(dealId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["DealUpdate"]) =>
      unwrap(api.PATCH("/deals/{deal_id}", { params: { path: { deal_id: dealId } }, body })),
    onSuccess: (saved) => queryClient.setQueryData(keys.deal(dealId), saved),
    onError: (error) => {
      if (isApiError(error, 409)) void queryClient.invalidateQueries({ queryKey: keys.deal(dealId) });
    },
    onSettled: () => invalidateDeals(queryClient),
  });
}

export function useCreateDeal() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["DealCreate"]) => unwrap(api.POST("/deals", { body })),
    onSettled: () => invalidateDeals(queryClient),
  });
}

export function useCreateContact() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ContactCreate"]) => unwrap(api.POST("/contacts", { body })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["contacts"] }),
  });
}

/** Stage edits answer the pipeline; the board and forecast follow. */
export function useStageEdits(pipelineId: string) {
  const queryClient = useQueryClient();
  const path = { pipeline_id: pipelineId };
  const settle = () => invalidateDeals(queryClient);
  return {
    add: useMutation({
      mutationFn: (body: Schemas["StageCreate"]) =>
        unwrap(api.POST("/pipelines/{pipeline_id}/stages", { params: { path }, body })),
      onSettled: settle,
    }),
    update: useMutation({
      mutationFn: ({ stageId, body }: { stageId: string; body: Schemas["StageUpdate"] }) =>
        unwrap(
          api.PATCH("/pipelines/{pipeline_id}/stages/{stage_id}", {
            params: { path: { ...path, stage_id: stageId } },
            body,
          }),
        ),
      onSettled: settle,
    }),
    reorder: useMutation({
      mutationFn: (stageIds: string[]) =>
        unwrap(api.PUT("/pipelines/{pipeline_id}/stage-order", { params: { path }, body: { stage_ids: stageIds } })),
      onSettled: settle,
    }),
    remove: useMutation({
      mutationFn: ({ stageId, moveTo }: { stageId: string; moveTo?: string }) =>
        unwrap(
          api.DELETE("/pipelines/{pipeline_id}/stages/{stage_id}", {
            params: { path: { ...path, stage_id: stageId }, query: moveTo ? { move_to_stage_id: moveTo } : {} },
          }),
        ),
      onSettled: settle,
    }),
  };
}

export function useCreatePipeline() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["PipelineCreate"]) => unwrap(api.POST("/pipelines", { body })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["pipelines"] }),
  });
}
