// Server state of the webhooks screens: the event catalogue, endpoints and their delivery log; each mutation
// invalidates what it makes stale (every key starts with "webhooks").
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type Endpoint = Schemas["WebhookEndpoint"];
export type EndpointWithSecret = Schemas["WebhookEndpointSecret"];
export type Delivery = Schemas["WebhookDelivery"];
export type EventType = Schemas["WebhookEventType"];
export type EndpointBody = Schemas["EndpointCreate"];

export const webhookKeys = {
  all: ["webhooks"] as const,
  eventTypes: ["webhooks", "event-types"] as const,
  endpoints: ["webhooks", "endpoints"] as const,
  endpoint: (id: string) => ["webhooks", "endpoints", id] as const,
  deliveries: (id: string) => ["webhooks", "deliveries", id] as const,
};

const endpointPath = (id: string) => ({ params: { path: { endpoint_id: id } } });

export const useEventTypes = () =>
  useQuery({
    queryKey: webhookKeys.eventTypes,
    queryFn: () => unwrap(api.GET("/webhooks/event-types", { params: { query: { limit: 200 } } })),
    staleTime: Infinity, // the catalogue changes only with a deployment
  });

export const useEndpoints = () =>
  useQuery({
    queryKey: webhookKeys.endpoints,
    // a workspace has at most 100 endpoints: one page holds them all
    queryFn: () => unwrap(api.GET("/webhooks/endpoints", { params: { query: { limit: 100 } } })),
  });

export const useEndpoint = (id: string) =>
  useQuery({
    queryKey: webhookKeys.endpoint(id),
    queryFn: () => unwrap(api.GET("/webhooks/endpoints/{endpoint_id}", endpointPath(id))),
  });

/** The log refreshes on its own while attempts are under way (or without live updates). */
export function useDeliveries(id: string) {
  const polling = usePolling();
  return useQuery({
    queryKey: webhookKeys.deliveries(id),
    queryFn: () =>
      unwrap(
        api.GET("/webhooks/endpoints/{endpoint_id}/deliveries", {
          params: { path: { endpoint_id: id }, query: { limit: 100 } },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((d) => d.status === "pending" || d.status === "sending") ? 1500 : polling,
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: webhookKeys.all });
}

export function useCreateEndpoint() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: EndpointBody) => unwrap(api.POST("/webhooks/endpoints", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateEndpoint(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: Schemas["EndpointUpdate"]) =>
      unwrap(api.PATCH("/webhooks/endpoints/{endpoint_id}", { ...endpointPath(id), body })),
    onSuccess: invalidate,
  });
}

export function useDeleteEndpoint() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/webhooks/endpoints/{endpoint_id}", endpointPath(id))),
    onSuccess: invalidate,
  });
}

export function useRotateSecret(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/webhooks/endpoints/{endpoint_id}/rotate-secret", endpointPath(id))),
    onSuccess: invalidate,
  });
}

export function useSendTest(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (eventType: string) =>
      unwrap(
        api.POST("/webhooks/endpoints/{endpoint_id}/test", { ...endpointPath(id), body: { event_type: eventType } }),
      ),
    onSuccess: invalidate,
  });
}

export function useReplay(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(
        api.POST("/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay", {
          params: { path: { endpoint_id: id, delivery_id: deliveryId } },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useReplayFailed(id: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (since: string) =>
      unwrap(api.POST("/webhooks/endpoints/{endpoint_id}/replay", { ...endpointPath(id), body: { since } })),
    onSuccess: invalidate,
  });
}
