// The contacts list: search, filters, saved segments, sorting, column choice, a virtualised table that pages with
// the API's cursor, selection with bulk actions, export, import and "new contact".
import { useCallback, useMemo, useState, type FormEvent } from "react";
import { EmptyState, ErrorState, FormError, Loading, Modal, Page, SelectField, TextField } from "@/components/ui";
import { formErrors } from "@/lib/forms";
import "./contacts.css";
import {
  activeFilterCount,
  DEFAULT_SORT,
  EMPTY_FILTERS,
  fromSegmentFilter,
  SORTS,
  toSearchParams,
  toSegmentFilter,
  type ContactFilters,
} from "./filters";
import {
  availableColumns,
  loadColumnChoice,
  saveColumnChoice,
  toggleColumn,
  visibleColumns,
  type Column,
} from "./columns";
import {
  allMatchingIds,
  useContactFields,
  useContactSearch,
  useCreateSegment,
  useDebounced,
  useSegments,
  useStartExport,
  type Segment,
} from "./api";
import { ContactsTable } from "./ContactsTable";
import { FiltersPanel } from "./FiltersPanel";
import { BulkBar, type Selection } from "./BulkBar";
import { CreateContactModal } from "./CreateContactModal";
import { ImportWizard } from "./ImportWizard";
import { JobProgress } from "./JobProgress";

export default function ContactsPage() {
  const [filters, setFilters] = useState<ContactFilters>(EMPTY_FILTERS);
  const [sort, setSort] = useState(DEFAULT_SORT);
  const [segment, setSegment] = useState<Segment | null>(null);
  const [showFilters, setShowFilters] = useState(false);
  const [dialog, setDialog] = useState<"create" | "import" | "segment" | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [chosenColumns, setChosenColumns] = useState(loadColumnChoice);
  const segments = useSegments();
  const segmentsList = segments.data?.items ?? [];

  const params = useDebounced(useMemo(() => toSearchParams(filters, sort), [filters, sort]));
  const search = useContactSearch(params);
  const fields = useContactFields();
  const all = useMemo(() => availableColumns(fields.data?.items ?? []), [fields.data]);
  const columns = visibleColumns(chosenColumns, all);
  const rows = useMemo(() => search.data?.pages.flatMap((p) => p.items) ?? [], [search.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = search;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  // A segment stays "active" (and bulk actions use its id) until its filters or sort are changed.
  const segmentUnchanged =
    segment !== null &&
    JSON.stringify(toSearchParams(fromSegmentFilter(segment.filter), segment.sort)) ===
      JSON.stringify(toSearchParams(filters, sort));

  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };
  const changeFilters = (next: ContactFilters) => {
    setFilters(next);
    clearSelection();
  };
  const pickSegment = (id: string) => {
    const found = segmentsList.find((s) => s.id === id) ?? null;
    setSegment(found);
    changeFilters(found ? fromSegmentFilter(found.filter) : EMPTY_FILTERS);
    setSort(found?.sort ?? DEFAULT_SORT);
  };
  const chooseColumn = (id: string) => {
    const next = toggleColumn(chosenColumns, id, all);
    setChosenColumns(next);
    saveColumnChoice(next);
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleLoaded = () => {
    if (allMatching || rows.every((r) => selected.has(r.id))) clearSelection();
    else setSelected(new Set(rows.map((r) => r.id)));
  };

  const selection: Selection | null = allMatching
    ? {
        count: hasNextPage ? null : rows.length,
        resolve: async () =>
          segmentUnchanged && segment ? { segment_id: segment.id } : { contact_ids: await allMatchingIds(params) },
      }
    : selected.size > 0
      ? { count: selected.size, resolve: async () => ({ contact_ids: [...selected] }) }
      : null;
  const filterCount = activeFilterCount(filters);

  return (
    <Page
      title="Contacts"
      actions={
        <>
          <ExportAll segmentId={segmentUnchanged ? (segment?.id ?? null) : null} />
          <button type="button" onClick={() => setDialog("import")}>
            Import CSV
          </button>
          <button type="button" className="primary" onClick={() => setDialog("create")}>
            New contact
          </button>
        </>
      }
    >
      <div className="stack">
        <div className="row toolbar" role="search">
          <TextField
            label="Search contacts"
            type="search"
            placeholder="Name, email, phone or company"
            value={filters.q}
            onChange={(e) => changeFilters({ ...filters, q: e.target.value })}
          />
          <SelectField label="Segment" value={segment?.id ?? ""} onChange={(e) => pickSegment(e.target.value)}>
            <option value="">All contacts</option>
            {segmentsList.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
          <SelectField label="Sort by" value={sort} onChange={(e) => setSort(e.target.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </SelectField>
          <button
            type="button"
            aria-expanded={showFilters}
            aria-controls="contact-filters"
            onClick={() => setShowFilters(!showFilters)}
          >
            Filters{filterCount ? <span className="count">{filterCount}</span> : null}
          </button>
          <ColumnPicker all={all} chosen={chosenColumns} onToggle={chooseColumn} />
          <button type="button" className="ghost" onClick={() => setDialog("segment")}>
            Save as segment
          </button>
        </div>
        {showFilters ? (
          <div id="contact-filters">
            <FiltersPanel
              filters={filters}
              onChange={changeFilters}
              onClear={() => changeFilters({ ...EMPTY_FILTERS, q: filters.q })}
            />
          </div>
        ) : null}
        {selection ? (
          <BulkBar key={allMatching ? "all" : "some"} selection={selection} onClear={clearSelection} />
        ) : null}
        <SelectionLine
          loaded={rows.length}
          more={Boolean(hasNextPage)}
          selected={selected.size}
          allMatching={allMatching}
          onSelectAll={() => setAllMatching(true)}
        />
        <Results
          search={search}
          empty={filterCount > 0 || filters.q ? "No contacts match these filters." : "No contacts yet."}
        >
          <ContactsTable
            rows={rows}
            columns={columns}
            sort={sort}
            onSort={setSort}
            selected={selected}
            allMatching={allMatching}
            onToggle={toggle}
            onToggleLoaded={toggleLoaded}
            hasMore={Boolean(hasNextPage)}
            loadingMore={isFetchingNextPage}
            loadMore={loadMore}
          />
        </Results>
      </div>
      {dialog === "create" ? <CreateContactModal onClose={() => setDialog(null)} /> : null}
      {dialog === "import" ? <ImportWizard onClose={() => setDialog(null)} /> : null}
      {dialog === "segment" ? (
        <SaveSegmentModal
          filter={toSegmentFilter(filters)}
          sort={sort}
          onClose={() => setDialog(null)}
          onSaved={(saved) => setSegment(saved)}
        />
      ) : null}
    </Page>
  );
}

function Results({
  search,
  empty,
  children,
}: {
  search: ReturnType<typeof useContactSearch>;
  empty: string;
  children: React.ReactNode;
}) {
  if (search.isPending) return <Loading label="Loading contacts" />;
  if (search.isError) return <ErrorState error={search.error} onRetry={() => void search.refetch()} />;
  const none = search.data.pages.every((p) => p.items.length === 0) && !search.hasNextPage;
  if (none) return <EmptyState>{empty}</EmptyState>;
  return <>{children}</>;
}

function SelectionLine(props: {
  loaded: number;
  more: boolean;
  selected: number;
  allMatching: boolean;
  onSelectAll: () => void;
}) {
  return (
    <div className="row muted" aria-live="polite">
      <span>
        {props.loaded} contacts loaded{props.more ? " (more load as you scroll)" : ""}
      </span>
      {props.selected > 0 && !props.allMatching ? (
        <button type="button" className="ghost small" onClick={props.onSelectAll}>
          Select all matching contacts
        </button>
      ) : null}
    </div>
  );
}

function ColumnPicker({ all, chosen, onToggle }: { all: Column[]; chosen: string[]; onToggle: (id: string) => void }) {
  return (
    <details className="column-picker">
      <summary className="button">Columns</summary>
      <div className="panel column-menu" role="group" aria-label="Columns to show">
        {all.map((c) => (
          <label key={c.id} className="row">
            <input type="checkbox" checked={chosen.includes(c.id)} onChange={() => onToggle(c.id)} />
            {c.label}
          </label>
        ))}
      </div>
    </details>
  );
}

function ExportAll({ segmentId }: { segmentId: string | null }) {
  const exporter = useStartExport();
  const [jobId, setJobId] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={exporter.isPending}
        onClick={() =>
          exporter.mutate(segmentId ? { segment_id: segmentId } : {}, { onSuccess: (job) => setJobId(job.id) })
        }
      >
        {segmentId ? "Export segment" : "Export all"}
      </button>
      {jobId || exporter.error ? (
        <Modal
          title="Export"
          onClose={() => {
            setJobId(null);
            exporter.reset();
          }}
        >
          <FormError message={exporter.error ? formErrors(exporter.error).form : null} />
          {jobId ? <JobProgress jobId={jobId} label="Export" /> : null}
        </Modal>
      ) : null}
    </>
  );
}

function SaveSegmentModal({
  filter,
  sort,
  onClose,
  onSaved,
}: {
  filter: Record<string, unknown>;
  sort: string;
  onClose: () => void;
  onSaved: (segment: Segment) => void;
}) {
  const [name, setName] = useState("");
  const create = useCreateSegment();
  const errors = formErrors(create.error, ["name", "filter", "sort"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name: name.trim(), filter, sort },
      {
        onSuccess: (segment) => {
          onSaved(segment);
          onClose();
        },
      },
    );
  };
  return (
    <Modal title="Save as segment" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <p className="muted">
          The segment keeps the current search, filters and sort; its members update by themselves.
        </p>
        <TextField
          label="Segment name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <FormError message={errors.fields.filter ?? errors.form} />
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending}>
            Save segment
          </button>
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
