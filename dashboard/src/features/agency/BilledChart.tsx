// A small bar chart of what each sub-account is billed in the month. It is a picture of the table below it
// (which screen readers use instead), so it carries no figures the table lacks.
import { barLengths, formatMicros } from "./money";

const ROW = 26;
const LABEL = 150;
const VALUE = 90;
const WIDTH = 640;
export const CHART_LIMIT = 12;

export function BilledChart({
  rows,
  caption,
}: {
  rows: { id: string; name: string; billed: number }[];
  caption: string;
}) {
  const shown = [...rows].sort((a, b) => b.billed - a.billed).slice(0, CHART_LIMIT);
  const lengths = barLengths(
    shown.map((r) => r.billed),
    WIDTH - LABEL - VALUE,
  );
  const height = shown.length * ROW + 4;
  if (shown.every((row) => row.billed === 0)) {
    return <p className="muted agency-chart-empty">{caption}: nothing billed yet.</p>;
  }
  return (
    <figure className="agency-chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={caption}>
        {shown.map((row, index) => {
          const y = index * ROW + 2;
          const length = lengths[index] ?? 0;
          return (
            <g key={row.id}>
              <text
                x={LABEL - 8}
                y={y + ROW / 2}
                textAnchor="end"
                dominantBaseline="middle"
                className="agency-chart-label"
              >
                {row.name.length > 20 ? `${row.name.slice(0, 19)}…` : row.name}
              </text>
              <rect
                x={LABEL}
                y={y + 4}
                width={Math.max(length, row.billed > 0 ? 2 : 0)}
                height={ROW - 8}
                rx={4}
                className="agency-chart-bar"
              />
              <text x={LABEL + length + 6} y={y + ROW / 2} dominantBaseline="middle" className="agency-chart-value">
                {formatMicros(row.billed)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">
        {caption}
        {rows.length > CHART_LIMIT ? ` (the ${CHART_LIMIT} largest)` : ""}. The table lists every amount.
      </figcaption>
    </figure>
  );
}
