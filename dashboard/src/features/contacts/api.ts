// Server state of the contact screens: TanStack Query hooks over the generated API client.
import { useEffect, useState } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type paths, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";
import type { SearchParams } from "./filters";

export type Contact = Schemas["Contact"];
export type Job = Schemas["Job"];
export type Segment = Schemas["Segment"];
type SegmentCreate = paths["/segments"]["post"]["requestBody"]["content"]["application/json"];

const PAGE = 100;
const MAX_SELECTION = 10_000;

/** The value once it has stopped changing for `ms` (search as you type without a request per key). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Search results a page at a time; a page may be short (even empty) while more follow (see search.py). */
export function useContactSearch(params: SearchParams) {
  const refetchInterval = usePolling();
  return useInfiniteQuery({
    queryKey: ["contacts", "search", params],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/contacts/search", {
          params: { query: { ...params, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } as SearchParams },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval,
    staleTime: 30_000,
  });
}

/** Every id the search matches (for "select all matching"), up to the bulk-action limit. */
export function allMatchingIds(params: SearchParams, onProgress?: (count: number) => void): Promise<string[]> {
  return pagedIds(
    (cursor) =>
      unwrap(
        api.GET("/contacts/search", {
          params: { query: { ...params, limit: 200, ...(cursor ? { cursor } : {}) } as SearchParams },
        }),
      ),
    `More than ${MAX_SELECTION} contacts match; narrow the filters.`,
    onProgress,
  );
}

/** Every contact id of a saved segment, up to the bulk-action limit. */
export function segmentContactIds(segmentId: string): Promise<string[]> {
  return pagedIds(
    (cursor) =>
      unwrap(
        api.GET("/segments/{segment_id}/contacts", {
          params: { path: { segment_id: segmentId }, query: { limit: 200, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    `The segment has more than ${MAX_SELECTION} contacts.`,
  );
}

/** The ids of every page a cursor walks through, refused past the bulk-action limit with `tooMany`. */
async function pagedIds(
  page: (cursor: string | undefined) => Promise<{ items: { id: string }[]; next_cursor?: string | null }>,
  tooMany: string,
  onProgress?: (count: number) => void,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    ids.push(...answer.items.map((c) => c.id));
    onProgress?.(ids.length);
    cursor = answer.next_cursor ?? undefined;
  } while (cursor && ids.length <= MAX_SELECTION);
  if (ids.length > MAX_SELECTION) throw new Error(tooMany);
  return ids;
}

export function useContactFields() {
  return useQuery({
    queryKey: ["contact-fields"],
    queryFn: () => unwrap(api.GET("/contact-fields", { params: { query: { limit: 200 } } })),
    staleTime: 5 * 60_000,
  });
}

export function useTags() {
  return useQuery({
    queryKey: ["tags"],
    queryFn: () => unwrap(api.GET("/tags", { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });
}

export function useSegments() {
  return useQuery({
    queryKey: ["segments"],
    queryFn: () => unwrap(api.GET("/segments", { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });
}

export function useCreateSegment() {
  const queryClient = useQueryClient();
  return useMutation({
    // The filter is the search language (ContactFilter); the request schema types it only as an object.
    mutationFn: (body: { name: string; filter: Record<string, unknown>; sort?: string }) =>
      unwrap(api.POST("/segments", { body: body as SegmentCreate })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["segments"] }),
  });
}

export function usePublishedFlows(enabled: boolean) {
  return useQuery({
    queryKey: ["flows", "published"],
    queryFn: async () => {
      const page = await unwrap(api.GET("/flows", { params: { query: { limit: 200 } } }));
      return page.items.filter((f) => f.published_version !== null && f.status !== "archived");
    },
    enabled,
  });
}

export function useMembers() {
  return useQuery({
    queryKey: ["members"],
    queryFn: () => unwrap(api.GET("/workspace/members", { params: { query: { limit: 200 } } })),
    staleTime: 5 * 60_000,
  });
}

/** A job, polled every second until it has finished. */
export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ["jobs", jobId],
    queryFn: () => unwrap(api.GET("/jobs/{job_id}", { params: { path: { job_id: jobId ?? "" } } })),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.finished_at ? false : 1000),
  });
}

export function useJobErrors(jobId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: ["jobs", jobId, "errors"],
    queryFn: () =>
      unwrap(api.GET("/jobs/{job_id}/errors", { params: { path: { job_id: jobId ?? "" }, query: { limit: 200 } } })),
    enabled: jobId !== null && enabled,
  });
}

export type BulkBody = paths["/bulk-actions"]["post"]["requestBody"]["content"]["application/json"];

export function useStartBulk() {
  return useMutation({ mutationFn: (body: BulkBody) => unwrap(api.POST("/bulk-actions", { body })) });
}

export type BulkEmailBody = paths["/emails/bulk"]["post"]["requestBody"]["content"]["application/json"];

/** One request of a bulk email (up to 100 contacts); the contacts' timelines gain the emails. */
export function useSendBulkEmail() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BulkEmailBody) => unwrap(api.POST("/emails/bulk", { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["timeline"] }),
  });
}

export function useStartExport() {
  return useMutation({
    mutationFn: (body: { contact_ids?: string[]; segment_id?: string }) => unwrap(api.POST("/exports", { body })),
  });
}

export function useContact(contactId: string) {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: ["contacts", contactId],
    queryFn: () => unwrap(api.GET("/contacts/{contact_id}", { params: { path: { contact_id: contactId } } })),
    refetchInterval,
  });
}

export type ContactPatch = paths["/contacts/{contact_id}"]["patch"]["requestBody"]["content"]["application/json"];

/** PATCH a contact; the answer replaces the cached contact. A 409 (changed meanwhile) reloads it. */
export function useUpdateContact(contactId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactPatch) =>
      unwrap(api.PATCH("/contacts/{contact_id}", { params: { path: { contact_id: contactId } }, body })),
    onSuccess: (contact) => {
      queryClient.setQueryData(["contacts", contactId], contact);
      void queryClient.invalidateQueries({ queryKey: ["contacts", "search"] });
      void queryClient.invalidateQueries({ queryKey: ["timeline", contactId] });
      void queryClient.invalidateQueries({ queryKey: ["contacts", contactId, "score"] });
    },
    onError: () => queryClient.invalidateQueries({ queryKey: ["contacts", contactId] }),
  });
}
