// The monthly report of every workspace (read back, or made again for a finished month) and the daily
// reconciliation of counters against the ledger.
import { useState, type FormEvent } from "react";
import { EmptyState, ErrorState, FormError, Loading, Panel, TextField } from "@/components/ui";
import { useToast } from "@/components/toast";
import { productLabel } from "@/components/UsageReport";
import { isApiError } from "@/lib/api/errors";
import { formErrors } from "@/lib/forms";
import { dollars, quantity } from "@/lib/money";
import { useMonthlyReport, useReconciliation, useRegenerateMonthly, type MonthlyReport } from "./api";
import { counted, lastMonth, yesterday } from "./model";

export function MonthlyReports() {
  const [month, setMonth] = useState(lastMonth());
  const report = useMonthlyReport(month);
  const regenerate = useRegenerateMonthly();
  const toast = useToast();
  const errors = formErrors(regenerate.error ?? (isApiError(report.error, 404) ? null : report.error), ["month"]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    regenerate.mutate(month, {
      onSuccess: (made) => toast(`Report for ${made.month} made and mailed to ${made.emailed_to.length} admins`),
    });
  };
  return (
    <Panel title="Monthly reports">
      <form className="row" onSubmit={submit}>
        <TextField
          label="Month"
          type="month"
          value={month}
          required
          onChange={(e) => e.target.value && setMonth(e.target.value)}
          error={errors.fields.month}
        />
        <button type="submit" className="primary" disabled={regenerate.isPending}>
          {regenerate.isPending ? "Generating…" : "Regenerate report"}
        </button>
      </form>
      <FormError message={errors.form} />
      {report.isPending ? (
        <Loading />
      ) : isApiError(report.error, 404) ? (
        <EmptyState>No report for {month} yet. Regenerate it to make one (a finished month only).</EmptyState>
      ) : report.isError ? (
        errors.fields.month ? null : (
          <ErrorState error={report.error} onRetry={() => void report.refetch()} />
        )
      ) : (
        <MonthlyBody report={report.data} />
      )}
    </Panel>
  );
}

function MonthlyBody({ report }: { report: MonthlyReport }) {
  return (
    <div className="stack">
      <p>
        {quantity(report.workspaces)} workspaces · cost <strong>{dollars(report.cost_micros)}</strong> · billed{" "}
        <strong>{dollars(report.billed_micros)}</strong> · made {new Date(report.generated_at).toLocaleString()}
      </p>
      {report.emailed_to.length ? (
        <details>
          <summary>Mailed to {counted(report.emailed_to.length, "administrator")}</summary>
          <p className="muted">{report.emailed_to.join(", ")}</p>
        </details>
      ) : null}
      <table>
        <caption className="muted">Totals by product, {report.month}</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col" className="num">
              Quantity
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              Billed
            </th>
          </tr>
        </thead>
        <tbody>
          {report.totals.map((total) => (
            <tr key={total.product}>
              <td>{productLabel(total.product)}</td>
              <td className="num">{quantity(total.quantity)}</td>
              <td className="num">{dollars(total.cost_micros)}</td>
              <td className="num">{dollars(total.billed_micros)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.csv_url ? (
        <a href={report.csv_url} download>
          Download the CSV ({quantity(report.rows)} lines)
        </a>
      ) : null}
    </div>
  );
}

export function ReconciliationReport() {
  const [date, setDate] = useState(yesterday());
  const report = useReconciliation(date);
  const errors = formErrors(isApiError(report.error, 404) ? null : report.error, ["date"]);
  return (
    <Panel title="Reconciliation">
      <p className="muted">Each day's counters against the sums of the ledger; a difference is drift.</p>
      <div className="admin-narrow">
        <TextField
          label="Day"
          type="date"
          value={date}
          required
          onChange={(e) => e.target.value && setDate(e.target.value)}
          error={errors.fields.date}
        />
      </div>
      {report.isPending ? (
        <Loading />
      ) : isApiError(report.error, 404) ? (
        <EmptyState>The reconciliation has not run for {date}.</EmptyState>
      ) : report.isError ? (
        errors.fields.date ? null : (
          <ErrorState error={report.error} onRetry={() => void report.refetch()} />
        )
      ) : report.data.drifts.length === 0 ? (
        <EmptyState>
          No drift: {quantity(report.data.workspaces_checked)} workspaces checked, counters and ledger agree.
        </EmptyState>
      ) : (
        <table>
          <caption className="muted">
            {report.data.drifts.length} differences in {quantity(report.data.workspaces_checked)} workspaces
          </caption>
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Product</th>
              <th scope="col">Period</th>
              <th scope="col" className="num">
                Counter
              </th>
              <th scope="col" className="num">
                Ledger
              </th>
              <th scope="col" className="num">
                Drift
              </th>
            </tr>
          </thead>
          <tbody>
            {report.data.drifts.map((drift) => (
              <tr key={`${drift.workspace_id}/${drift.product}/${drift.period}`}>
                <td>{drift.workspace_id}</td>
                <td>{productLabel(drift.product)}</td>
                <td>{drift.period_value}</td>
                <td className="num">{quantity(drift.counter)}</td>
                <td className="num">{quantity(drift.ledger)}</td>
                <td className="num">{quantity(drift.drift)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
