// The agency's server state: its own record, sub-accounts, rollups, rebilling and templates. Every key starts
// with "agency" so one invalidation refreshes the screens after a change.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type paths, type Schemas } from "@/lib/api/client";
import { isApiError } from "@/lib/api/errors";
import type { RollupPage } from "./money";

export type SubAccount = Schemas["SubAccount"];
export type AgencyTemplate = Schemas["AgencyTemplate"];
export type TemplateReport = Schemas["AgencyTemplateReport"];
export type Rollup = Schemas["Rollup"];
export type Job = Schemas["Job"];
export type Product = keyof Schemas["Rebilling"]["markups"];
export const PRODUCTS: { key: Product; label: string; unit: string }[] = [
  { key: "sms_segments", label: "SMS", unit: "segments" },
  { key: "emails", label: "Email", unit: "emails" },
  { key: "voice_minutes", label: "Voice", unit: "minutes" },
  { key: "ai_tokens", label: "AI", unit: "tokens" },
];

const PAGE = 50;

/** The workspace as an agency; `null` when it is not one (403 not_an_agency). */
export function useAgency() {
  return useQuery({
    queryKey: ["agency"],
    queryFn: async () => {
      try {
        return await unwrap(api.GET("/agency"));
      } catch (error) {
        if (isApiError(error, 403) && error.code === "not_an_agency") return null;
        throw error;
      }
    },
  });
}

export function useBecomeAgency() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/agency")),
    onSuccess: (agency) => queryClient.setQueryData(["agency"], agency),
  });
}

export function useSubAccounts() {
  return useInfiniteQuery({
    queryKey: ["agency", "sub-accounts"],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/agency/sub-accounts", {
          params: { query: { limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export type SubAccountCreate = Schemas["SubAccountCreate"];

export function useCreateSubAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SubAccountCreate) => unwrap(api.POST("/agency/sub-accounts", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["agency"] }),
  });
}

export function useOpenSubAccount() {
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST("/agency/sub-accounts/{sub_account_id}/open", { params: { path: { sub_account_id: id } } })),
  });
}

export function useRebilling(id: string) {
  return useQuery({
    queryKey: ["agency", "rebilling", id],
    queryFn: () =>
      unwrap(api.GET("/agency/sub-accounts/{sub_account_id}/rebilling", { params: { path: { sub_account_id: id } } })),
  });
}

export function useSetRebilling(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (markups: Partial<Record<Product, string>>) =>
      unwrap(
        api.PUT("/agency/sub-accounts/{sub_account_id}/rebilling", {
          params: { path: { sub_account_id: id } },
          body: { markups },
        }),
      ),
    onSuccess: (answer) => {
      queryClient.setQueryData(["agency", "rebilling", id], answer);
      return queryClient.invalidateQueries({ queryKey: ["agency", "rollups"] });
    },
  });
}

export function useRollups(month: string) {
  return useInfiniteQuery({
    queryKey: ["agency", "rollups", month],
    queryFn: ({ pageParam }): Promise<RollupPage> =>
      unwrap(
        api.GET("/agency/rollups", {
          params: { query: { month, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useTemplates() {
  return useInfiniteQuery({
    queryKey: ["agency", "templates"],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/agency/templates", {
          params: { query: { limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useCaptureTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["AgencyTemplateCreate"]) => unwrap(api.POST("/agency/templates", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["agency", "templates"] }),
  });
}

type ApplyPath = paths["/agency/templates/{agency_template_id}/apply"]["post"];

export function useApplyTemplate(templateId: string) {
  return useMutation({
    mutationFn: (body: ApplyPath["requestBody"]["content"]["application/json"]) =>
      unwrap(
        api.POST("/agency/templates/{agency_template_id}/apply", {
          params: { path: { agency_template_id: templateId } },
          body,
        }),
      ),
  });
}

/** A job, polled every second until it finishes (a large template is applied by one). */
export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ["jobs", jobId],
    queryFn: () => unwrap(api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId ?? "" } } })),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.finished_at ? false : 1000),
  });
}
