// The contacts list's filters, and how they become GET /contacts/search query parameters or a saved segment's
// filter (the search language of shared/leadpilot/contacts/filters.py). Segment filters may hold conditions the
// filter panel has no control for (custom fields, activity range, owner): they are kept and sent as they are.
import type { paths } from "@/lib/api/client";

export type SearchParams = NonNullable<paths["/contacts/search"]["get"]["parameters"]["query"]>;

export interface CustomCondition {
  key: string;
  op: string;
  value?: string | number | boolean | (string | number)[];
}

export interface ContactFilters {
  q: string;
  tagsAny: string[];
  tagsAll: string[];
  tagsNone: string[];
  sources: string[];
  scoreMin: string;
  scoreMax: string;
  doNotContact: "" | "true" | "false";
  createdFrom: string;
  createdTo: string;
  activityFrom: string;
  activityTo: string;
  ownerId: string;
  custom: CustomCondition[];
}

export const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "-last_activity_at", label: "Recent activity" },
  { value: "-score", label: "Highest score" },
  { value: "score", label: "Lowest score" },
  { value: "name", label: "Name A–Z" },
  { value: "-name", label: "Name Z–A" },
] as const;
export const DEFAULT_SORT = "-created_at";

export const EMPTY_FILTERS: ContactFilters = {
  q: "",
  tagsAny: [],
  tagsAll: [],
  tagsNone: [],
  sources: [],
  scoreMin: "",
  scoreMax: "",
  doNotContact: "",
  createdFrom: "",
  createdTo: "",
  activityFrom: "",
  activityTo: "",
  ownerId: "",
  custom: [],
};

/** "vip, lead ,," -> ["vip", "lead"] */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function conditionValue(value: CustomCondition["value"]): string {
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** The query string of GET /contacts/search for these filters and sort (empty filters are left out). */
export function toSearchParams(filters: ContactFilters, sort: string = DEFAULT_SORT): SearchParams {
  const params: Record<string, string> = {};
  const set = (name: string, value: string) => {
    if (value.trim()) params[name] = value.trim();
  };
  set("q", filters.q);
  set("tags_any", filters.tagsAny.join(","));
  set("tags_all", filters.tagsAll.join(","));
  set("tags_none", filters.tagsNone.join(","));
  set("source", filters.sources.join(","));
  set("score_min", filters.scoreMin);
  set("score_max", filters.scoreMax);
  set("do_not_contact", filters.doNotContact);
  set("created_from", filters.createdFrom);
  set("created_to", filters.createdTo);
  set("activity_from", filters.activityFrom);
  set("activity_to", filters.activityTo);
  set("owner_id", filters.ownerId);
  for (const condition of filters.custom) {
    params[`cf.${condition.key}`] = `${condition.op}:${conditionValue(condition.value)}`;
  }
  if (sort && sort !== DEFAULT_SORT) params.sort = sort;
  return params as SearchParams;
}

/** How many filters (not counting the search text) are set: shown on the Filters button. */
export function activeFilterCount(filters: ContactFilters): number {
  const { custom, ...rest } = filters;
  const set = Object.entries(rest).filter(
    ([name, value]) => name !== "q" && (Array.isArray(value) ? value.length > 0 : value !== ""),
  );
  return set.length + custom.length;
}

function range(from: string, to: string): { from?: string; to?: string } | undefined {
  if (!from && !to) return undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** The filter document a saved segment stores (POST /segments). */
export function toSegmentFilter(filters: ContactFilters): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (filters.q.trim()) out.q = filters.q.trim();
  const tags = {
    ...(filters.tagsAll.length ? { all: filters.tagsAll } : {}),
    ...(filters.tagsAny.length ? { any: filters.tagsAny } : {}),
    ...(filters.tagsNone.length ? { none: filters.tagsNone } : {}),
  };
  if (Object.keys(tags).length) out.tags = tags;
  if (filters.sources.length) out.source = filters.sources;
  const min = integer(filters.scoreMin);
  const max = integer(filters.scoreMax);
  if (min !== undefined || max !== undefined)
    out.score = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  const created = range(filters.createdFrom, filters.createdTo);
  if (created) out.created_at = created;
  const activity = range(filters.activityFrom, filters.activityTo);
  if (activity) out.last_activity_at = activity;
  if (filters.doNotContact) out.do_not_contact = filters.doNotContact === "true";
  if (filters.ownerId) out.owner_id = filters.ownerId;
  if (filters.custom.length) out.custom_fields = filters.custom;
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** A saved segment's filter as the panel's filters (the reverse of toSegmentFilter). */
export function fromSegmentFilter(filter: Record<string, unknown>): ContactFilters {
  const tags = (filter.tags ?? {}) as Record<string, unknown>;
  const score = (filter.score ?? {}) as Record<string, unknown>;
  const created = (filter.created_at ?? {}) as Record<string, unknown>;
  const activity = (filter.last_activity_at ?? {}) as Record<string, unknown>;
  return {
    q: text(filter.q),
    tagsAny: strings(tags.any),
    tagsAll: strings(tags.all),
    tagsNone: strings(tags.none),
    sources: strings(filter.source),
    scoreMin: text(score.min),
    scoreMax: text(score.max),
    doNotContact: typeof filter.do_not_contact === "boolean" ? (String(filter.do_not_contact) as "true") : "",
    createdFrom: text(created.from),
    createdTo: text(created.to),
    activityFrom: text(activity.from),
    activityTo: text(activity.to),
    ownerId: text(filter.owner_id),
    custom: Array.isArray(filter.custom_fields) ? (filter.custom_fields as CustomCondition[]) : [],
  };
}
