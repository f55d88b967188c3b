// The Calls screen: the calls list (filters, live refresh) with a call's detail in a drawer (?call=<id>), a
// contact's calls with a "Call" button (?contact_id=<id>), and the Numbers tab: each number's voice settings and
// a test call through the sandbox.
import { useMemo, useState } from "react";
import { Link, NavLink, useLocation, useSearchParams } from "react-router";
import { Page, Panel, QueryState, SelectField } from "@/components/ui";
import { useCalls } from "./api";
import { CallDetail } from "./CallDetail";
import { CallContact } from "./CallContact";
import { NumbersTab } from "./NumbersTab";
import { STATUS_TONE, formatDuration, label, type Call } from "./model";
import "./calls.css";

export default function CallsPage() {
  const numbersTab = useLocation().pathname.endsWith("/numbers");
  return (
    <Page title="Calls">
      <nav aria-label="Calls sections" className="row calls-tabs">
        <NavLink to="/calls" end className="chip">
          Calls
        </NavLink>
        <NavLink to="/calls/numbers" className="chip">
          Numbers &amp; test call
        </NavLink>
      </nav>
      {numbersTab ? <NumbersTab /> : <CallsTab />}
    </Page>
  );
}

const STATUSES: Call["status"][] = ["queued", "ringing", "in_progress", "completed", "missed", "voicemail", "failed"];

function CallsTab() {
  const [params, setParams] = useSearchParams();
  const contactId = params.get("contact_id");
  const openId = params.get("call");
  const [direction, setDirection] = useState("");
  const [status, setStatus] = useState("");
  const calls = useCalls(contactId);
  const set = (key: string, value: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });
  const shown = useMemo(
    () =>
      (calls.data?.pages.flatMap((page) => page.items) ?? []).filter(
        (c) => (!direction || c.direction === direction) && (!status || c.status === status),
      ),
    [calls.data, direction, status],
  );
  return (
    <div className="stack">
      {contactId ? <CallContact contactId={contactId} onClear={() => set("contact_id", null)} /> : null}
      <Panel
        title="Recent calls"
        actions={
          <div className="row calls-filters">
            <SelectField label="Direction" value={direction} onChange={(e) => setDirection(e.target.value)}>
              <option value="">All</option>
              <option value="inbound">Inbound</option>
              <option value="outbound">Outbound</option>
            </SelectField>
            <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {label(s)}
                </option>
              ))}
            </SelectField>
          </div>
        }
      >
        <QueryState
          query={calls}
          isEmpty={(data) => data.pages.every((page) => page.items.length === 0) && !calls.hasNextPage}
          empty={
            contactId ? (
              <>No calls with this contact yet.</>
            ) : (
              <>
                No calls yet. Calls to your numbers and AI calls to contacts appear here. Try a{" "}
                <Link to="/calls/numbers">test call</Link>.
              </>
            )
          }
        >
          {() => (
            <>
              {shown.length === 0 ? (
                <p className="state">No calls match these filters.</p>
              ) : (
                <div className="table-scroll">
                  <table aria-label="Calls">
                    <thead>
                      <tr>
                        <th scope="col">Call</th>
                        <th scope="col">From</th>
                        <th scope="col">To</th>
                        <th scope="col">Contact</th>
                        <th scope="col">Status</th>
                        <th scope="col">Duration</th>
                        <th scope="col">Outcome</th>
                        <th scope="col">Started</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((call) => (
                        <CallRow key={call.id} call={call} onOpen={() => set("call", call.id)} />
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {calls.hasNextPage ? (
                <div className="row calls-more">
                  <button type="button" onClick={() => void calls.fetchNextPage()} disabled={calls.isFetchingNextPage}>
                    {calls.isFetchingNextPage ? "Loading…" : "Load older calls"}
                  </button>
                </div>
              ) : null}
            </>
          )}
        </QueryState>
      </Panel>
      {openId ? <CallDetail callId={openId} onClose={() => set("call", null)} /> : null}
    </div>
  );
}

function CallRow({ call, onOpen }: { call: Call; onOpen: () => void }) {
  const started = call.started_at ?? call.created_at;
  return (
    <tr>
      <td>
        <button type="button" className="ghost small" onClick={onOpen}>
          {call.direction === "inbound" ? "↙ Inbound" : "↗ Outbound"}
        </button>
      </td>
      <td>{call.from}</td>
      <td>{call.to}</td>
      <td>{call.contact_id ? <Link to={`/contacts/${call.contact_id}`}>Profile</Link> : "—"}</td>
      <td>
        <span className={`badge ${STATUS_TONE[call.status]}`}>{label(call.status)}</span>
      </td>
      <td>{formatDuration(call.duration_s)}</td>
      <td>{call.outcome ? label(call.outcome) : "—"}</td>
      <td>
        <time dateTime={started}>{new Date(started).toLocaleString()}</time>
      </td>
    </tr>
  );
}
