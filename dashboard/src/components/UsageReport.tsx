// A usage report from the ledger (the workspace's or the platform's): a period picker, a stacked bar chart of the
// billed amount by product, the table of every figure (the chart's accessible alternative) and a CSV download.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { monthEnd, periodsBetween, stackBars, ticks } from "@/lib/chart";
import { downloadFile } from "@/lib/download";
import { formErrors } from "@/lib/forms";
import { axisDollars, dollars, quantity } from "@/lib/money";
import { FormError, Panel, QueryState, SelectField, TextField } from "./ui";
import { useToast } from "./toast";

export type UsageReportData = Schemas["UsageReport"];
type Product = UsageReportData["rows"][number]["product"];
type Granularity = "day" | "month";

export const PRODUCTS: Product[] = ["sms_segments", "emails", "voice_minutes", "ai_tokens"];
const PRODUCT_LABELS: Record<Product, string> = {
  sms_segments: "SMS segments",
  emails: "Emails",
  voice_minutes: "Voice minutes",
  ai_tokens: "AI tokens",
};

export function productLabel(product: string): string {
  return PRODUCT_LABELS[product as Product] ?? product;
}

export interface ReportRange {
  granularity: Granularity;
  from: string;
  to: string;
}

function thisMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

/** The range the picker's values ask for: a month by day, or a span of months. */
export function rangeOf(granularity: Granularity, first: string, last: string): ReportRange {
  return granularity === "day"
    ? { granularity, from: `${first}-01`, to: monthEnd(first) }
    : { granularity, from: first, to: last };
}

export function UsageReport({ scope, title }: { scope: "workspace" | "platform"; title: string }) {
  const [granularity, setGranularity] = useState<Granularity>("day");
  const [first, setFirst] = useState(thisMonth());
  const [last, setLast] = useState(thisMonth());
  const range = rangeOf(granularity, first, last);
  const base = scope === "platform" ? "/platform/usage/reports" : "/usage/reports";
  const report = useQuery({
    queryKey: [scope === "platform" ? "platform" : "usage", "reports", range],
    queryFn: () =>
      scope === "platform"
        ? unwrap(api.GET("/platform/usage/reports", { params: { query: { ...range } } }))
        : unwrap(api.GET("/usage/reports", { params: { query: { ...range } } })),
    retry: false,
  });
  const toast = useToast();
  const [downloading, setDownloading] = useState(false);
  const errors = formErrors(report.error, ["from", "to", "granularity"]);
  const csv = async () => {
    setDownloading(true);
    try {
      const query = new URLSearchParams({ ...range }).toString();
      await downloadFile(`${base}/csv?${query}`, `usage-${range.from}-${range.to}.csv`);
    } catch (error) {
      toast(formErrors(error).form ?? "The download failed", "error");
    } finally {
      setDownloading(false);
    }
  };

  return (
    <Panel
      title={title}
      actions={
        <button type="button" className="small" onClick={() => void csv()} disabled={downloading}>
          {downloading ? "Preparing…" : "Download CSV"}
        </button>
      }
    >
      <div className="row usage-report-controls">
        <SelectField
          label="Group by"
          value={granularity}
          onChange={(e) => setGranularity(e.target.value as Granularity)}
          error={errors.fields.granularity}
        >
          <option value="day">Day</option>
          <option value="month">Month</option>
        </SelectField>
        <TextField
          label={granularity === "day" ? "Month" : "From month"}
          type="month"
          value={first}
          required
          onChange={(e) => e.target.value && setFirst(e.target.value)}
          error={errors.fields.from}
        />
        {granularity === "month" ? (
          <TextField
            label="To month"
            type="month"
            value={last}
            required
            onChange={(e) => e.target.value && setLast(e.target.value)}
            error={errors.fields.to}
          />
        ) : null}
      </div>
      {Object.keys(errors.fields).length ? (
        <FormError message={errors.form} />
      ) : (
        <QueryState query={report} isEmpty={(data) => data.rows.length === 0} empty={<p>No usage in this period.</p>}>
          {(data) => <ReportBody report={data} />}
        </QueryState>
      )}
    </Panel>
  );
}

function ReportBody({ report }: { report: UsageReportData }) {
  return (
    <div className="stack">
      <div className="row usage-report-summary">
        <span>
          Cost <strong>{dollars(report.cost_micros)}</strong>
        </span>
        <span>
          Billed <strong>{dollars(report.billed_micros)}</strong>
        </span>
        {report.workspaces !== undefined ? (
          <span>
            Workspaces <strong>{quantity(report.workspaces)}</strong>
          </span>
        ) : null}
      </div>
      <UsageChart report={report} />
      <ReportTable report={report} />
    </div>
  );
}

const CHART = { width: 720, height: 220, left: 64, bottom: 28, top: 10 };

export function UsageChart({ report }: { report: UsageReportData }) {
  const periods = periodsBetween(report.granularity, report.from, report.to);
  const { top, bars } = stackBars(
    report.rows.map((row) => ({ period: row.period, product: row.product, value: row.billed_micros })),
    periods,
    PRODUCTS,
  );
  const plotWidth = CHART.width - CHART.left - 8;
  const plotHeight = CHART.height - CHART.bottom - CHART.top;
  const slot = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.max(2, slot * 0.7);
  const labelEvery = Math.ceil(bars.length / 10);
  const y = (fraction: number) => CHART.top + plotHeight * (1 - fraction);
  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        role="img"
        aria-label={`Billed amount by ${report.granularity} and product; the table below lists every figure`}
      >
        {ticks(top).map((tick) => (
          <g key={tick} className="usage-chart-tick">
            <line x1={CHART.left} x2={CHART.width - 8} y1={y(tick / top)} y2={y(tick / top)} />
            <text x={CHART.left - 6} y={y(tick / top) + 4} textAnchor="end">
              {axisDollars(tick, top / 5)}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          const x = CHART.left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={bar.period}>
              <title>{`${bar.period}: ${dollars(bar.total)}`}</title>
              {bar.segments.map((segment) => (
                <rect
                  key={segment.product}
                  className={`usage-chart-${segment.product}`}
                  x={x}
                  width={barWidth}
                  y={y(segment.start + segment.size)}
                  height={Math.max(1, plotHeight * segment.size)}
                />
              ))}
              {i % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={CHART.height - 8} textAnchor="middle" className="usage-chart-label">
                  {report.granularity === "day" ? bar.period.slice(8) : bar.period}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="row usage-chart-legend">
        {PRODUCTS.map((product) => (
          <span key={product}>
            <span className={`usage-chart-swatch usage-chart-${product}`} aria-hidden="true" />
            {productLabel(product)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function ReportTable({ report }: { report: UsageReportData }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Usage figures">
      <table>
        <caption className="muted">Usage by {report.granularity} and product</caption>
        <thead>
          <tr>
            <th scope="col">{report.granularity === "day" ? "Day" : "Month"}</th>
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
          {report.rows.map((row) => (
            <tr key={`${row.period}/${row.product}`}>
              <td>{row.period}</td>
              <td>{productLabel(row.product)}</td>
              <td className="num">{quantity(row.quantity)}</td>
              <td className="num">{dollars(row.cost_micros)}</td>
              <td className="num">{dollars(row.billed_micros)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {report.totals.map((total) => (
            <tr key={total.product}>
              <th scope="row">Total</th>
              <td>{productLabel(total.product)}</td>
              <td className="num">{quantity(total.quantity)}</td>
              <td className="num">{dollars(total.cost_micros)}</td>
              <td className="num">{dollars(total.billed_micros)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Total</th>
            <td>All products</td>
            <td />
            <td className="num">{dollars(report.cost_micros)}</td>
            <td className="num">{dollars(report.billed_micros)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
