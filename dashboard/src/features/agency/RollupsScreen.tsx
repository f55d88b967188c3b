// The month across all sub-accounts: activity, usage, our cost and what each is billed, with the agency's totals,
// a chart of billed per sub-account, a month picker (?month=YYYY-MM, this UTC month by default) and a CSV download.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useToast } from "@/components/toast";
import { EmptyState, ErrorState, Loading, Panel, TextField } from "@/components/ui";
import { downloadFile } from "@/lib/download";
import { formErrors } from "@/lib/forms";
import { useRollups, type Rollup } from "./api";
import { BilledChart } from "./BilledChart";
import {
  currentMonth,
  exactDollars,
  formatMarkup,
  formatMicros,
  monthLabel,
  shiftMonth,
  sumTotals,
  type RollupTotals,
} from "./money";

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const count = new Intl.NumberFormat("en-US");

export function RollupsScreen() {
  const [params, setParams] = useSearchParams();
  const latest = currentMonth();
  const asked = params.get("month") ?? "";
  const month = MONTH.test(asked) ? asked : latest;
  const rollups = useRollups(month);
  const choose = (next: string) => {
    if (MONTH.test(next)) setParams(next === latest ? {} : { month: next }, { replace: true });
  };
  const items = rollups.data?.pages.flatMap((page) => page.items) ?? [];
  const totals = sumTotals(rollups.data?.pages.map((page) => page.totals) ?? []);
  // The first page carries the agency's totals over every sub-account, loaded or not
  const agencyTotals = rollups.data?.pages[0]?.agency_totals ?? totals;
  const toast = useToast();
  const [downloading, setDownloading] = useState(false);
  const csv = async () => {
    setDownloading(true);
    try {
      await downloadFile(`/agency/rollups/csv?month=${month}`, `rollups-${month}.csv`);
    } catch (error) {
      toast(formErrors(error).form ?? "The download failed", "error");
    } finally {
      setDownloading(false);
    }
  };
  return (
    <div className="stack">
      <Panel
        title={monthLabel(month)}
        actions={
          <div className="row agency-month">
            <button type="button" className="small" onClick={() => choose(shiftMonth(month, -1))}>
              <span aria-hidden="true">‹</span> Previous month
            </button>
            <TextField
              label="Month"
              type="month"
              value={month}
              max={latest}
              onChange={(e) => choose(e.target.value)}
              error={formErrors(rollups.error, ["month"]).fields.month}
            />
            <button
              type="button"
              className="small"
              onClick={() => choose(shiftMonth(month, 1))}
              disabled={month >= latest}
            >
              Next month <span aria-hidden="true">›</span>
            </button>
            <button type="button" className="small" onClick={() => void csv()} disabled={downloading}>
              {downloading ? "Preparing…" : "Download CSV"}
            </button>
          </div>
        }
      >
        {rollups.isPending ? (
          <Loading label="Loading the month" />
        ) : rollups.isError ? (
          <ErrorState error={rollups.error} onRetry={() => void rollups.refetch()} />
        ) : items.length === 0 || !totals || !agencyTotals ? (
          <EmptyState>No sub-accounts yet: the month of each one you create shows here.</EmptyState>
        ) : (
          <div className="stack">
            <Summary totals={agencyTotals} />
            <BilledChart
              caption={`Billed per sub-account, ${monthLabel(month)}`}
              rows={items.map((r) => ({ id: r.id, name: r.name, billed: r.billed_micros.total }))}
            />
            <RollupTable month={month} items={items} totals={totals} complete={!rollups.hasNextPage} />
            {rollups.hasNextPage ? (
              <button type="button" onClick={() => void rollups.fetchNextPage()} disabled={rollups.isFetchingNextPage}>
                {rollups.isFetchingNextPage ? "Loading…" : "Show more sub-accounts"}
              </button>
            ) : null}
          </div>
        )}
      </Panel>
    </div>
  );
}

function Summary({ totals }: { totals: RollupTotals }) {
  const margin = totals.billed_micros.total - totals.cost_micros.total;
  return (
    <dl className="agency-summary">
      <div>
        <dt>Billed</dt>
        <dd title={exactDollars(totals.billed_micros.total)}>{formatMicros(totals.billed_micros.total)}</dd>
      </div>
      <div>
        <dt>Our cost</dt>
        <dd title={exactDollars(totals.cost_micros.total)}>{formatMicros(totals.cost_micros.total)}</dd>
      </div>
      <div>
        <dt>Margin</dt>
        <dd title={exactDollars(margin)}>{formatMicros(margin)}</dd>
      </div>
      <div>
        <dt>Sub-accounts</dt>
        <dd>{count.format(totals.sub_accounts)}</dd>
      </div>
    </dl>
  );
}

function Usage({ usage }: { usage: Rollup["usage"] }) {
  return (
    <span className="agency-usage">
      <span>{count.format(usage.sms_segments)} SMS segments</span>
      <span>{count.format(usage.emails)} emails</span>
      <span>{count.format(usage.voice_minutes)} voice min</span>
      <span>{count.format(usage.ai_tokens)} AI tokens</span>
    </span>
  );
}

function Money({ micros }: { micros: number }) {
  return <span title={exactDollars(micros)}>{formatMicros(micros)}</span>;
}

function RollupTable({
  month,
  items,
  totals,
  complete,
}: {
  month: string;
  items: Rollup[];
  totals: RollupTotals;
  complete: boolean;
}) {
  return (
    <div className="table-scroll">
      <table aria-label={`Rollups for ${monthLabel(month)}`} className="agency-rollups">
        <thead>
          <tr>
            <th scope="col">Sub-account</th>
            <th scope="col" className="num">
              Contacts
            </th>
            <th scope="col" className="num">
              Messages
            </th>
            <th scope="col" className="num">
              Calls
            </th>
            <th scope="col" className="num">
              Appointments
            </th>
            <th scope="col">Usage</th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              Billed
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((row) => (
            <tr key={row.id}>
              <th scope="row" className="agency-name">
                {row.name}
                <span className="muted agency-markups">
                  SMS {formatMarkup(row.markups.sms_segments)} · email {formatMarkup(row.markups.emails)} · voice{" "}
                  {formatMarkup(row.markups.voice_minutes)} · AI {formatMarkup(row.markups.ai_tokens)}
                </span>
              </th>
              <td className="num">
                {count.format(row.contacts.total)}
                <span className="muted agency-sub">+{count.format(row.contacts.created)} new</span>
              </td>
              <td className="num">
                {count.format(row.messages.total)}
                <span className="muted agency-sub">
                  {count.format(row.messages.sms_sent + row.messages.emails_sent)} sent
                </span>
              </td>
              <td className="num">{count.format(row.calls)}</td>
              <td className="num">{count.format(row.appointments)}</td>
              <td>
                <Usage usage={row.usage} />
              </td>
              <td className="num">
                <Money micros={row.cost_micros.total} />
              </td>
              <td className="num">
                <strong>
                  <Money micros={row.billed_micros.total} />
                </strong>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{complete ? "Total" : "Total of those shown"}</th>
            <td className="num">
              {count.format(totals.contacts.total)}
              <span className="muted agency-sub">+{count.format(totals.contacts.created)} new</span>
            </td>
            <td className="num">{count.format(totals.messages.total)}</td>
            <td className="num">{count.format(totals.calls)}</td>
            <td className="num">{count.format(totals.appointments)}</td>
            <td>
              <Usage usage={totals.usage} />
            </td>
            <td className="num">
              <Money micros={totals.cost_micros.total} />
            </td>
            <td className="num">
              <strong>
                <Money micros={totals.billed_micros.total} />
              </strong>
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
