// Server state of the automations screens: flows, the flow schema, versions, metrics, runs and their steps.
// Keys start with the resource ("flows", "runs") so mutations and live events invalidate them together.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";
import type { FlowDocument, JsonSchema } from "./model/types";

export type Flow = Schemas["Flow"];
export type Run = Schemas["Run"];
export type RunStep = Schemas["RunStep"];
export type FlowMetrics = Schemas["FlowMetrics"];
export type FlowVersion = Schemas["FlowVersion"];
export type DryRunResult = Schemas["DryRunResult"];
export type RunStatus = Run["status"];
export type RunAction = Schemas["RunsBulk"]["action"];

export const RUN_STATUSES: RunStatus[] = ["running", "paused", "succeeded", "failed", "cancelled", "timed_out"];
// A run that is still moving is watched more closely than the 10 s fallback poll.
const ACTIVE_RUN_POLL_MS = 1500;

/** The flow's document with the builder's types (the API types it as a plain object). */
export function documentOf(flow: Flow): FlowDocument {
  return flow.document as unknown as FlowDocument;
}

export function useFlows() {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: ["flows", "list"],
    queryFn: () => unwrap(api.GET("/flows", { params: { query: { limit: 200 } } })),
    refetchInterval,
  });
}

export function useFlow(flowId: string) {
  return useQuery({
    queryKey: ["flows", flowId],
    queryFn: () => unwrap(api.GET("/flows/{flow_id}", { params: { path: { flow_id: flowId } } })),
  });
}

/** The flow document's JSON Schema: it changes only with a deployment. */
export function useFlowSchema() {
  return useQuery({
    queryKey: ["flows", "schema"],
    queryFn: async () => (await unwrap(api.GET("/flows/schema"))) as unknown as JsonSchema,
    staleTime: Infinity,
    gcTime: Infinity,
  });
}

export function useFlowMetrics(flowId: string, enabled = true) {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: ["flows", flowId, "metrics"],
    queryFn: () => unwrap(api.GET("/flows/{flow_id}/metrics", { params: { path: { flow_id: flowId } } })),
    refetchInterval,
    enabled,
  });
}

export function useFlowVersions(flowId: string) {
  return useQuery({
    queryKey: ["flows", flowId, "versions"],
    queryFn: () =>
      unwrap(api.GET("/flows/{flow_id}/versions", { params: { path: { flow_id: flowId }, query: { limit: 20 } } })),
  });
}

export function useCreateFlow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (doc: FlowDocument) => unwrap(api.POST("/flows", { body: doc as unknown as Schemas["FlowCreate"] })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
  });
}

export function useGenerateFlow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { prompt: string; name?: string }) => unwrap(api.POST("/flows/generate", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
  });
}

export function useSaveFlow(flowId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (doc: FlowDocument) =>
      unwrap(
        api.PATCH("/flows/{flow_id}", {
          params: { path: { flow_id: flowId } },
          body: doc as unknown as Schemas["FlowUpdate"],
        }),
      ),
    onSuccess: (flow) => {
      queryClient.setQueryData(["flows", flowId], flow);
      return queryClient.invalidateQueries({ queryKey: ["flows", "list"] });
    },
  });
}

export function usePublishFlow(flowId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/flows/{flow_id}/publish", { params: { path: { flow_id: flowId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
  });
}

export function useDryRun() {
  return useMutation({
    mutationFn: (body: { flow: FlowDocument; contact_id: string; assume?: Schemas["DryRunDocument"]["assume"] }) =>
      unwrap(api.POST("/flows/dry-run", { body: body as unknown as Schemas["DryRunDocument"] })),
  });
}

export function useContactSearch(text: string) {
  return useQuery({
    queryKey: ["contacts", "flow-dry-run", text],
    queryFn: () =>
      unwrap(
        api.GET("/contacts/search", {
          params: { query: (text.trim() ? { q: text.trim(), limit: 8 } : { limit: 8 }) as never },
        }),
      ),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

export function useRuns(flowId: string, status: RunStatus | "") {
  const polling = usePolling();
  return useQuery({
    queryKey: ["runs", "flow", flowId, status],
    queryFn: () =>
      unwrap(
        api.GET("/flows/{flow_id}/runs", {
          params: { path: { flow_id: flowId }, query: { limit: 100, ...(status ? { status } : {}) } as never },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((r) => r.status === "running") ? ACTIVE_RUN_POLL_MS : polling,
    placeholderData: keepPreviousData,
  });
}

export function useRun(runId: string | undefined) {
  const polling = usePolling();
  return useQuery({
    queryKey: ["runs", runId],
    queryFn: () => unwrap(api.GET("/runs/{run_id}", { params: { path: { run_id: runId! } } })),
    enabled: Boolean(runId),
    refetchInterval: (query) => (query.state.data?.status === "running" ? ACTIVE_RUN_POLL_MS : polling),
  });
}

export function useRunSteps(runId: string | undefined, active: boolean) {
  const polling = usePolling();
  return useQuery({
    queryKey: ["runs", runId, "steps"],
    queryFn: () =>
      unwrap(
        api.GET("/runs/{run_id}/steps", {
          params: { path: { run_id: runId! }, query: { history: "true", limit: 200 } },
        }),
      ),
    enabled: Boolean(runId),
    refetchInterval: active ? ACTIVE_RUN_POLL_MS : polling,
  });
}

export interface ControlRequest {
  action: RunAction;
  node?: string;
  label?: string;
}

export function useRunControl(runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, node, label }: ControlRequest) => {
      const path = { params: { path: { run_id: runId } } };
      if (action === "restart") return unwrap(api.POST("/runs/{run_id}/restart", { ...path, body: { node: node! } }));
      if (action === "skip") return unwrap(api.POST("/runs/{run_id}/skip", { ...path, body: label ? { label } : {} }));
      if (action === "pause") return unwrap(api.POST("/runs/{run_id}/pause", path));
      if (action === "resume") return unwrap(api.POST("/runs/{run_id}/resume", path));
      return unwrap(api.POST("/runs/{run_id}/cancel", path));
    },
    onSuccess: (run) => {
      queryClient.setQueryData(["runs", runId], run);
      return queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
  });
}

export function useBulkRuns(flowId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { action: RunAction; run_ids: string[]; node?: string }) =>
      unwrap(api.POST("/flows/{flow_id}/runs/bulk", { params: { path: { flow_id: flowId } }, body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["runs"] }),
  });
}
