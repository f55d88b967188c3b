// The platform administration API: workspaces and their controls, platform settings, monthly reports,
// reconciliation and impersonation. Every key starts with "platform" (one invalidation refreshes the screens).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type PlatformWorkspace = Schemas["PlatformWorkspace"];
export type WorkspaceDetail = Schemas["PlatformWorkspaceDetail"];
export type WorkspaceUpdate = Schemas["PlatformWorkspaceUpdate"];
export type Usage = Schemas["Usage"];
export type PlatformSettings = Schemas["PlatformSettingsState"];
export type PlatformSettingsUpdate = Schemas["PlatformSettings"];
export type MonthlyReport = Schemas["MonthlyUsageReport"];
export type Reconciliation = Schemas["UsageReconciliation"];
export type Job = Schemas["Job"];
export type Impersonation = Schemas["Impersonation"];

export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.GET("/me")), staleTime: 5 * 60_000 });
}

export function useWorkspaces() {
  return useInfiniteQuery({
    queryKey: ["platform", "workspaces"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET("/platform/workspaces", { params: { query: pageParam ? { cursor: pageParam } : {} } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function useWorkspace(id: string) {
  return useQuery({
    queryKey: ["platform", "workspace", id],
    queryFn: () => unwrap(api.GET("/platform/workspaces/{workspace_id}", { params: { path: { workspace_id: id } } })),
    retry: false,
  });
}

function useInvalidate() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["platform"] });
}

export function useUpdateWorkspace(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: WorkspaceUpdate) =>
      unwrap(api.PATCH("/platform/workspaces/{workspace_id}", { params: { path: { workspace_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useSuspend(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (reason: string) =>
      unwrap(
        api.POST("/platform/workspaces/{workspace_id}/suspend", {
          params: { path: { workspace_id: id } },
          body: { reason },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useReactivate(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: () =>
      unwrap(api.POST("/platform/workspaces/{workspace_id}/reactivate", { params: { path: { workspace_id: id } } })),
    onSuccess: invalidate,
  });
}

export function useDeleteWorkspace(id: string) {
  return useMutation({
    mutationFn: () =>
      unwrap(api.DELETE("/platform/workspaces/{workspace_id}", { params: { path: { workspace_id: id } } })),
  });
}

/** A job's progress, polled until it finishes (the erasure's job is in the administrator's own workspace). */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ["jobs", id],
    queryFn: () => unwrap(api.GET("/jobs/{job_id}", { params: { path: { job_id: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.finished_at ? false : 1_500),
  });
}

export function useSetFlags(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (flags: Record<string, boolean | null>) =>
      unwrap(
        api.PUT("/platform/workspaces/{workspace_id}/flags", {
          params: { path: { workspace_id: id } },
          body: { flags },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function usePlatformSettings() {
  return useQuery({ queryKey: ["platform", "settings"], queryFn: () => unwrap(api.GET("/platform/settings")) });
}

export function useSavePlatformSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PlatformSettingsUpdate) => unwrap(api.PUT("/platform/settings", { body })),
    onSuccess: (data) => client.setQueryData(["platform", "settings"], data),
  });
}

export function useMonthlyReport(month: string | null) {
  return useQuery({
    queryKey: ["platform", "monthly", month],
    queryFn: () => unwrap(api.GET("/platform/usage/monthly-reports", { params: { query: { month: month ?? "" } } })),
    enabled: month !== null,
    retry: false,
  });
}

export function useRegenerateMonthly() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (month: string) => unwrap(api.POST("/platform/usage/monthly-reports", { body: { month } })),
    onSuccess: (_, month) => client.invalidateQueries({ queryKey: ["platform", "monthly", month] }),
  });
}

export function useReconciliation(date: string) {
  return useQuery({
    queryKey: ["platform", "reconciliation", date],
    queryFn: () => unwrap(api.GET("/platform/usage/reconciliation", { params: { query: { date } } })),
    retry: false,
  });
}

export function useStartImpersonation() {
  return useMutation({
    mutationFn: (body: Schemas["ImpersonationCreate"]) => unwrap(api.POST("/platform/impersonations", { body })),
  });
}
