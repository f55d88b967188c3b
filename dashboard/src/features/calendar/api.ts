// Server state of the calendar: schedules, event types, appointments (keys start with "calendar"), and the
// public booking page's calls (no session needed; keys start with "booking").
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type Appointment = Schemas["Appointment"];
export type EventType = Schemas["EventType"];
export type Schedule = Schemas["Schedule"];
export type PublicPage = Schemas["PublicPage"];
export type Slot = Schemas["PublicSlots"]["slots"][number];

export function useAppointments(start: string, end: string) {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: ["calendar", "appointments", start, end],
    refetchInterval,
    queryFn: () => unwrap(api.GET("/appointments", { params: { query: { start, end, limit: 200 } } })),
  });
}

export function useEventTypes() {
  return useQuery({
    queryKey: ["calendar", "event-types"],
    queryFn: () => unwrap(api.GET("/event-types", { params: { query: { limit: 200 } } })),
  });
}

export function useSchedules() {
  return useQuery({
    queryKey: ["calendar", "schedules"],
    queryFn: () => unwrap(api.GET("/availability/schedules", { params: { query: { limit: 200 } } })),
  });
}

export function useBookingSlug() {
  return useQuery({ queryKey: ["calendar", "booking-page"], queryFn: () => unwrap(api.GET("/booking-page")) });
}

function useSettle() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: ["calendar"] });
}

export function useSaveSchedule(scheduleId: string | null) {
  const settle = useSettle();
  return useMutation({
    mutationFn: (body: Schemas["ScheduleCreate"]) =>
      scheduleId
        ? unwrap(
            api.PATCH("/availability/schedules/{schedule_id}", {
              params: { path: { schedule_id: scheduleId } },
              body: { name: body.name, timezone: body.timezone, weekly: body.weekly },
            }),
          )
        : unwrap(api.POST("/availability/schedules", { body })),
    onSettled: settle,
  });
}

export function useSaveEventType(eventTypeId: string | null) {
  const settle = useSettle();
  return useMutation({
    mutationFn: (body: Schemas["EventTypeCreate"]) =>
      eventTypeId
        ? unwrap(api.PATCH("/event-types/{event_type_id}", { params: { path: { event_type_id: eventTypeId } }, body }))
        : unwrap(api.POST("/event-types", { body })),
    onSettled: settle,
  });
}

export function useSetBookingSlug() {
  const settle = useSettle();
  return useMutation({
    mutationFn: (slug: string) => unwrap(api.PUT("/booking-page", { body: { slug } })),
    onSettled: settle,
  });
}

export type Outcome = "cancel" | "no-show" | "complete";

/** A status change shows at once; a refusal puts the appointment back. */
export function useAppointmentOutcome() {
  const queryClient = useQueryClient();
  const settle = useSettle();
  const status = { cancel: "cancelled", "no-show": "no_show", complete: "completed" } as const;
  type Page = { items: Appointment[]; next_cursor?: string | null };
  return useMutation({
    mutationFn: ({ appointment, outcome }: { appointment: Appointment; outcome: Outcome }) => {
      const path = { params: { path: { appointment_id: appointment.id } } };
      if (outcome === "cancel") return unwrap(api.POST("/appointments/{appointment_id}/cancel", { ...path, body: {} }));
      if (outcome === "no-show") return unwrap(api.POST("/appointments/{appointment_id}/no-show", path));
      return unwrap(api.POST("/appointments/{appointment_id}/complete", path));
    },
    onMutate: async ({ appointment, outcome }) => {
      await queryClient.cancelQueries({ queryKey: ["calendar", "appointments"] });
      const before = queryClient.getQueriesData<Page>({ queryKey: ["calendar", "appointments"] });
      queryClient.setQueriesData<Page>({ queryKey: ["calendar", "appointments"] }, (page) =>
        page
          ? {
              ...page,
              items: page.items.map((a) => (a.id === appointment.id ? { ...a, status: status[outcome] } : a)),
            }
          : page,
      );
      return { before };
    },
    onError: (_error, _vars, context) => {
      for (const [key, data] of context?.before ?? []) queryClient.setQueryData(key, data);
    },
    onSettled: settle,
  });
}

// ---------------------------------------------------------------- the public booking page

export function usePublicPage(workspace: string, slug: string) {
  return useQuery({
    queryKey: ["booking", workspace, slug],
    queryFn: () => unwrap(api.GET("/book/{workspace}/{slug}", { params: { path: { workspace, slug } } })),
  });
}

export function usePublicSlots(workspace: string, slug: string, start: string, end: string, timezone: string) {
  return useQuery({
    queryKey: ["booking", workspace, slug, "slots", start, end, timezone],
    queryFn: () =>
      unwrap(
        api.GET("/book/{workspace}/{slug}/slots", {
          params: { path: { workspace, slug }, query: { start, end, timezone } },
        }),
      ),
  });
}

export function useBook(workspace: string, slug: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["PublicBooking"]) =>
      unwrap(api.POST("/book/{workspace}/{slug}/bookings", { params: { path: { workspace, slug } }, body })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["booking", workspace, slug] }),
  });
}

export function useManaged(token: string) {
  return useQuery({
    queryKey: ["booking", "manage", token],
    retry: false,
    queryFn: () => unwrap(api.GET("/bookings/{token}", { params: { path: { token } } })),
  });
}

export function useRescheduleByLink(token: string) {
  return useMutation({
    mutationFn: (start: string) =>
      unwrap(api.POST("/bookings/{token}/reschedule", { params: { path: { token } }, body: { start } })),
  });
}

export function useCancelByLink(token: string) {
  return useMutation({
    mutationFn: () => unwrap(api.POST("/bookings/{token}/cancel", { params: { path: { token } }, body: {} })),
  });
}

export type CalendarConnection = Schemas["IntegrationCatalogue.entry"];
const CALENDAR_PROVIDERS: readonly string[] = ["google", "microsoft"];

/** The caller's Google and Microsoft connections, from the integrations catalogue (its cache key is shared). */
export function useCalendarConnections() {
  return useQuery({
    queryKey: ["integrations"],
    queryFn: () => unwrap(api.GET("/integrations")),
    select: (catalogue) => catalogue.integrations.filter((entry) => CALENDAR_PROVIDERS.includes(entry.key)),
  });
}

export type ConnectionCalendars = Schemas["ConnectionCalendars"];
export type CalendarSelection = Schemas["CalendarSelection"];

/** A connected account's calendars and which ones block time and take bookings (read from the provider). */
export function useConnectionCalendars(connectionId: string) {
  return useQuery({
    queryKey: ["calendar", "connection-calendars", connectionId],
    queryFn: () =>
      unwrap(
        api.GET("/calendar/connections/{connection_id}/calendars", {
          params: { path: { connection_id: connectionId } },
        }),
      ),
  });
}

/** Change the choice: it shows at once, and a refusal puts the previous one back. */
export function useChooseCalendars(connectionId: string) {
  const queryClient = useQueryClient();
  const key = ["calendar", "connection-calendars", connectionId];
  return useMutation({
    mutationFn: (body: CalendarSelection) =>
      unwrap(
        api.PATCH("/calendar/connections/{connection_id}", { params: { path: { connection_id: connectionId } }, body }),
      ),
    onMutate: async (body) => {
      // shown before anything is awaited, so the control the user touched follows at once
      const before = queryClient.getQueryData<ConnectionCalendars>(key);
      if (before) queryClient.setQueryData(key, chosen(before, body));
      await queryClient.cancelQueries({ queryKey: key }, { revert: false });
      return { before };
    },
    onError: (_error, _body, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before);
      void queryClient.invalidateQueries({ queryKey: key });
    },
    // the answer is the list as the provider and the saved choice now give it: no second read
    onSuccess: (fresh) => queryClient.setQueryData(key, fresh),
  });
}

/** What the list looks like once the choice is applied (the optimistic view of a PATCH). */
export function chosen(current: ConnectionCalendars, body: CalendarSelection): ConnectionCalendars {
  const conflicts = body.conflict_calendars ? new Set(body.conflict_calendars) : null;
  return {
    ...current,
    calendars: current.calendars.map((c) => ({
      ...c,
      selected_for_conflicts: conflicts ? conflicts.has(c.id) : c.selected_for_conflicts,
      is_write_target: body.write_calendar ? c.id === body.write_calendar : c.is_write_target,
    })),
  };
}
