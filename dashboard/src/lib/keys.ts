// Query keys: the first element names the resource, so a mutation or a live event invalidates everything
// about it with one call (queryClient.invalidateQueries({ queryKey: [resource] })).
export const RESOURCES = [
  "me",
  "workspace",
  "home",
  "contacts",
  "contact-fields",
  "segments",
  "tags",
  "timeline",
  "notes",
  "deals",
  "pipelines",
  "tasks",
  "conversations",
  "messages",
  "flows",
  "runs",
  "sequences",
  "jobs",
  "notifications",
  "usage",
  "members",
  "invites",
  "api-keys",
  "phone-numbers",
  "settings",
  "templates",
  "integrations",
  "webhooks",
  "agency",
  "platform",
  "audit",
  "support-access",
  "calls",
] as const;
export type Resource = (typeof RESOURCES)[number];

/** Which resources a live event (its detail-type, e.g. "deal.updated") makes stale. */
export function resourcesFor(eventType: string): Resource[] {
  const prefix = eventType.split(".")[0] ?? "";
  const touched: Record<string, Resource[]> = {
    deal: ["deals", "pipelines", "home", "timeline"],
    pipeline: ["deals", "pipelines", "home", "timeline"],
    contact: ["contacts", "timeline", "segments", "tags"],
    sms: ["conversations", "messages", "timeline", "home", "usage"],
    email: ["conversations", "messages", "timeline", "home", "usage"],
    task: ["tasks", "home", "timeline"],
    note: ["notes", "timeline"],
    automation: ["runs", "flows", "home", "timeline"],
    notification: ["notifications"],
    integration: ["integrations"],
    call: ["calls", "timeline", "home", "usage"],
  };
  return touched[prefix] ?? [];
}
