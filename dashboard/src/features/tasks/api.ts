// Server state of the tasks screen. Keys start with "tasks" (live task events refresh them).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { usePolling } from "@/lib/live/LiveProvider";

export type Task = Schemas["Task"];
export type TaskView = "mine" | "team" | "overdue";
type TaskPage = { items: Task[]; next_cursor?: string | null };

export const TASKS_SHOWN = 100;

export function useTasks(view: TaskView) {
  const refetchInterval = usePolling();
  return useQuery({
    queryKey: ["tasks", view],
    refetchInterval,
    queryFn: () => unwrap(api.GET("/tasks", { params: { query: { view, limit: TASKS_SHOWN } } })),
  });
}

export function useMembers() {
  return useQuery({
    queryKey: ["members"],
    staleTime: 5 * 60_000,
    queryFn: () => unwrap(api.GET("/workspace/members", { params: { query: { limit: 200 } } })),
  });
}

function useSettle() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    void queryClient.invalidateQueries({ queryKey: ["home"] });
  };
}

/** Completing leaves every view at once (views list unfinished tasks); a refusal puts it back. */
export function useCompleteTask() {
  const queryClient = useQueryClient();
  const settle = useSettle();
  return useMutation({
    mutationFn: (task: Task) =>
      unwrap(api.PATCH("/tasks/{task_id}", { params: { path: { task_id: task.id } }, body: { status: "done" } })),
    onMutate: async (task) => {
      await queryClient.cancelQueries({ queryKey: ["tasks"] });
      const before = queryClient.getQueriesData<TaskPage>({ queryKey: ["tasks"] });
      queryClient.setQueriesData<TaskPage>({ queryKey: ["tasks"] }, (page) =>
        page ? { ...page, items: page.items.filter((t) => t.id !== task.id) } : page,
      );
      return { before };
    },
    onError: (_error, _task, context) => {
      for (const [key, data] of context?.before ?? []) queryClient.setQueryData(key, data);
    },
    onSettled: settle,
  });
}

export function useSaveTask(taskId: string | null) {
  const settle = useSettle();
  return useMutation({
    mutationFn: (body: Schemas["TaskCreate"]) =>
      taskId
        ? unwrap(api.PATCH("/tasks/{task_id}", { params: { path: { task_id: taskId } }, body }))
        : unwrap(api.POST("/tasks", { body })),
    onSettled: settle,
  });
}

export function useReschedule() {
  const settle = useSettle();
  return useMutation({
    mutationFn: ({ task, dueAt, timezone }: { task: Task; dueAt: string; timezone: string }) =>
      unwrap(
        api.PATCH("/tasks/{task_id}", { params: { path: { task_id: task.id } }, body: { due_at: dueAt, timezone } }),
      ),
    onSettled: settle,
  });
}

/** The secret feed URL is shown once by the API: creating again replaces it (the old one stops working). */
/** The calendar-feed link: whether one is on (the API never repeats the URL), and making or turning it off. */
export function useCalendarFeed() {
  const queryClient = useQueryClient();
  // Not under "tasks": the task mutations rewrite every ["tasks", ...] query as a page of tasks.
  const key = ["me", "calendar-feed"] as const;
  const onSettled = () => void queryClient.invalidateQueries({ queryKey: key });
  return {
    status: useQuery({ queryKey: key, queryFn: () => unwrap(api.GET("/me/calendar-feed")) }),
    create: useMutation({ mutationFn: () => unwrap(api.POST("/me/calendar-feed")), onSettled }),
    revoke: useMutation({ mutationFn: () => unwrap(api.DELETE("/me/calendar-feed")), onSettled }),
  };
}
