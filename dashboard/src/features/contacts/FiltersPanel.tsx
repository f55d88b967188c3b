// The filter controls of the contacts list: tags (any / all / none), source, score range, do-not-contact and
// created range. Conditions a saved segment holds that have no control here are listed and can be removed.
import { useId } from "react";
import { SelectField, TextField } from "@/components/ui";
import { splitList, type ContactFilters } from "./filters";
import { useTags } from "./api";

function ListField({
  label,
  value,
  onChange,
  listId,
}: {
  label: string;
  value: string[];
  onChange: (next: string[]) => void;
  listId?: string;
}) {
  return (
    <TextField
      label={label}
      hint="Comma separated"
      list={listId}
      defaultValue={value.join(", ")}
      key={value.join(",")}
      onBlur={(e) => onChange(splitList(e.target.value))}
      onKeyDown={(e) => {
        if (e.key === "Enter") onChange(splitList(e.currentTarget.value));
      }}
    />
  );
}

export function FiltersPanel({
  filters,
  onChange,
  onClear,
}: {
  filters: ContactFilters;
  onChange: (next: ContactFilters) => void;
  onClear: () => void;
}) {
  const tags = useTags();
  const listId = useId();
  const set = <K extends keyof ContactFilters>(key: K, value: ContactFilters[K]) =>
    onChange({ ...filters, [key]: value });
  const extra = [
    ...filters.custom.map((c) => `${c.key} ${c.op} ${Array.isArray(c.value) ? c.value.join(",") : (c.value ?? "")}`),
    ...(filters.activityFrom || filters.activityTo
      ? [`activity ${filters.activityFrom || "…"} – ${filters.activityTo || "…"}`]
      : []),
    ...(filters.ownerId ? [`owner ${filters.ownerId}`] : []),
  ];
  return (
    <div className="panel filters-panel" role="group" aria-label="Filters">
      <datalist id={listId}>
        {tags.data?.items.map((t) => (
          <option key={t.tag} value={t.tag} />
        ))}
      </datalist>
      <div className="filters-grid">
        <ListField label="Has any tag" value={filters.tagsAny} onChange={(v) => set("tagsAny", v)} listId={listId} />
        <ListField label="Has all tags" value={filters.tagsAll} onChange={(v) => set("tagsAll", v)} listId={listId} />
        <ListField label="Has none of the tags" value={filters.tagsNone} onChange={(v) => set("tagsNone", v)} />
        <ListField label="Source" value={filters.sources} onChange={(v) => set("sources", v)} />
        <TextField
          label="Score from"
          type="number"
          value={filters.scoreMin}
          onChange={(e) => set("scoreMin", e.target.value)}
        />
        <TextField
          label="Score to"
          type="number"
          value={filters.scoreMax}
          onChange={(e) => set("scoreMax", e.target.value)}
        />
        <SelectField
          label="Do not contact"
          value={filters.doNotContact}
          onChange={(e) => set("doNotContact", e.target.value as ContactFilters["doNotContact"])}
        >
          <option value="">Any</option>
          <option value="true">Only do-not-contact</option>
          <option value="false">Only reachable</option>
        </SelectField>
        <TextField
          label="Created from"
          type="date"
          value={filters.createdFrom}
          onChange={(e) => set("createdFrom", e.target.value)}
        />
        <TextField
          label="Created to"
          type="date"
          value={filters.createdTo}
          onChange={(e) => set("createdTo", e.target.value)}
        />
      </div>
      {extra.length ? (
        <div className="row">
          <span className="muted">Also from the segment:</span>
          {extra.map((text) => (
            <span key={text} className="badge">
              {text}
            </span>
          ))}
          <button
            type="button"
            className="ghost small"
            onClick={() => onChange({ ...filters, custom: [], activityFrom: "", activityTo: "", ownerId: "" })}
          >
            Remove these
          </button>
        </div>
      ) : null}
      <div className="row">
        <button type="button" className="ghost small" onClick={onClear}>
          Clear all filters
        </button>
      </div>
    </div>
  );
}
