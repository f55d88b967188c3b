// The contacts table: only the rows in view (plus a few) are in the DOM, whatever the number of contacts, and
// the next page is fetched when the user scrolls near the end of what is loaded. ARIA table roles keep it a
// table for screen readers (aria-rowcount/aria-rowindex say where a row sits in the whole list).
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { Column, Contact } from "./columns";
import { displayName } from "./columns";

const ROW_HEIGHT = 44;
const CHECK_WIDTH = 44;
const FETCH_AHEAD = 30; // rows from the end at which the next page is asked for

export interface TableProps {
  rows: Contact[];
  columns: Column[];
  sort: string;
  onSort: (sort: string) => void;
  selected: Set<string>;
  allMatching: boolean;
  onToggle: (id: string) => void;
  onToggleLoaded: () => void;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

function sortState(column: Column, sort: string): "ascending" | "descending" | "none" {
  if (!column.sort || sort.replace(/^-/, "") !== column.sort) return "none";
  return sort.startsWith("-") ? "descending" : "ascending";
}

export function ContactsTable(props: TableProps) {
  const { rows, columns, hasMore, loadingMore, loadMore } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  // The virtualizer's functions are read during render on purpose (positions change as the user scrolls).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? (items[items.length - 1]?.index ?? 0) : 0;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - FETCH_AHEAD) loadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, loadMore]);

  const width = CHECK_WIDTH + columns.reduce((sum, c) => sum + c.width, 0);
  const template = `${CHECK_WIDTH}px ${columns.map((c) => `${c.width}px`).join(" ")}`;
  const loadedSelected = rows.length > 0 && rows.every((r) => props.selected.has(r.id));

  return (
    <div
      ref={scroller}
      className="vtable"
      role="table"
      aria-label="Contacts"
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      tabIndex={0}
    >
      <div className="vtable-head" role="rowgroup" style={{ width }}>
        <div className="vtable-row" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
          <div role="columnheader" className="vtable-cell">
            <input
              type="checkbox"
              aria-label="Select all loaded contacts"
              checked={props.allMatching || loadedSelected}
              onChange={props.onToggleLoaded}
            />
          </div>
          {columns.map((column) => {
            const state = sortState(column, props.sort);
            return (
              <div
                key={column.id}
                role="columnheader"
                className="vtable-cell"
                aria-sort={column.sort ? state : undefined}
              >
                {column.sort ? (
                  <button
                    type="button"
                    className="ghost small sort-button"
                    onClick={() => props.onSort(state === "ascending" ? `-${column.sort}` : (column.sort ?? ""))}
                  >
                    {column.label}
                    <span aria-hidden="true">{state === "ascending" ? " ▲" : state === "descending" ? " ▼" : ""}</span>
                  </button>
                ) : (
                  column.label
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), width, position: "relative" }}>
        {items.map((item) => {
          const contact = rows[item.index];
          const style = {
            transform: `translateY(${item.start}px)`,
            height: item.size,
            gridTemplateColumns: template,
          };
          if (!contact) {
            return (
              <div key="more" role="row" className="vtable-row vtable-body-row" style={style}>
                <div role="cell" className="vtable-cell muted" style={{ gridColumn: "1 / -1" }}>
                  Loading more contacts…
                </div>
              </div>
            );
          }
          const checked = props.allMatching || props.selected.has(contact.id);
          return (
            <div
              key={contact.id}
              role="row"
              aria-rowindex={item.index + 2}
              className={`vtable-row vtable-body-row${checked ? " selected" : ""}`}
              style={style}
            >
              <div role="cell" className="vtable-cell">
                <input
                  type="checkbox"
                  aria-label={`Select ${displayName(contact)}`}
                  checked={checked}
                  disabled={props.allMatching}
                  onChange={() => props.onToggle(contact.id)}
                />
              </div>
              {columns.map((column) =>
                column.id === "name" ? (
                  <div key="name" role="cell" className="vtable-cell">
                    <Link to={`/contacts/${contact.id}`}>{displayName(contact)}</Link>
                    {contact.do_not_contact ? <span className="badge danger small-badge">DNC</span> : null}
                  </div>
                ) : (
                  <div key={column.id} role="cell" className="vtable-cell" title={column.value(contact)}>
                    {column.value(contact)}
                  </div>
                ),
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
