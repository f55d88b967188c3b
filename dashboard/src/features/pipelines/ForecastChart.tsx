// Forecast by month as an SVG bar chart drawn by hand (no chart library): per month, the open value expected
// to close, its weighted value and what was won. Screen readers get the same figures as a table.
import { useMemo, useState } from "react";
import { formatMoney } from "./board";
import type { Schemas } from "@/lib/api/client";

type Forecast = Schemas["Forecast"];

export interface ForecastBar {
  month: string;
  open: number;
  weighted: number;
  won: number;
}

/** The months of a forecast in one currency, as numbers to draw. */
export function forecastBars(forecast: Forecast, currency: string): ForecastBar[] {
  return forecast.months.map((m) => ({
    month: m.month,
    open: Number(m.open.value[currency] ?? 0),
    weighted: Number(m.open.weighted_value[currency] ?? 0),
    won: Number(m.won.value[currency] ?? 0),
  }));
}

export function currenciesOf(forecast: Forecast): string[] {
  const found = new Set<string>();
  for (const m of forecast.months) {
    for (const c of Object.keys(m.open.value)) found.add(c);
    for (const c of Object.keys(m.won.value)) found.add(c);
  }
  return [...found].sort();
}

function monthLabel(month: string): string {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year ?? 1970, (number ?? 1) - 1, 1)).toLocaleDateString(undefined, {
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

const SERIES = [
  { key: "open", label: "Open value", className: "bar-open" },
  { key: "weighted", label: "Weighted", className: "bar-weighted" },
  { key: "won", label: "Won", className: "bar-won" },
] as const;

export function ForecastChart({ forecast }: { forecast: Forecast }) {
  const currencies = useMemo(() => currenciesOf(forecast), [forecast]);
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen && currencies.includes(chosen) ? chosen : (currencies[0] ?? "USD");
  const bars = useMemo(() => forecastBars(forecast, currency), [forecast, currency]);
  const money = (n: number) => formatMoney({ [currency]: String(n) });
  if (bars.length === 0) return <p className="muted">No open deal has an expected close date yet.</p>;

  const max = Math.max(1, ...bars.flatMap((b) => [b.open, b.won]));
  const groupWidth = 72;
  const barWidth = 18;
  const height = 180;
  const width = bars.length * groupWidth + 40;
  return (
    <div className="stack">
      <div className="row">
        {currencies.length > 1 ? (
          <label className="row">
            Currency
            <select value={currency} onChange={(e) => setChosen(e.target.value)}>
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        ) : null}
        <ul className="legend" aria-hidden="true">
          {SERIES.map((s) => (
            <li key={s.key}>
              <span className={`swatch ${s.className}`} /> {s.label}
            </li>
          ))}
        </ul>
      </div>
      <div className="chart-scroll">
        <svg
          role="img"
          aria-label={`Forecast by month in ${currency}: the table below gives the figures`}
          width={width}
          height={height + 28}
          className="forecast-chart"
        >
          <line x1={20} x2={width} y1={height} y2={height} className="axis" />
          {bars.map((bar, i) => {
            const x = 28 + i * groupWidth;
            return (
              <g key={bar.month}>
                {SERIES.map((s, j) => {
                  const h = Math.max(bar[s.key] > 0 ? 2 : 0, (bar[s.key] / max) * (height - 12));
                  return (
                    <rect
                      key={s.key}
                      className={s.className}
                      x={x + j * barWidth}
                      y={height - h}
                      width={barWidth - 3}
                      height={h}
                      rx={3}
                    >
                      <title>{`${monthLabel(bar.month)} · ${s.label}: ${money(bar[s.key])}`}</title>
                    </rect>
                  );
                })}
                <text x={x + (barWidth * 3) / 2} y={height + 18} textAnchor="middle" className="tick">
                  {monthLabel(bar.month)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <details>
        <summary>Forecast as a table</summary>
        <table>
          <caption className="sr-only">Forecast by month in {currency}</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              {SERIES.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {bars.map((bar) => (
              <tr key={bar.month}>
                <th scope="row">{monthLabel(bar.month)}</th>
                <td>{money(bar.open)}</td>
                <td>{money(bar.weighted)}</td>
                <td>{money(bar.won)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
