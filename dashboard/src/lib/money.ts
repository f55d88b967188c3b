// Money arrives as integer micro-dollars (1 dollar = 1,000,000); screens show dollars. Amounts under a cent keep
// four decimals so a single text's cost does not read as $0.00.
const MICROS = 1_000_000;

/** 12_345_678 → "$12.35"; 7_900 → "$0.0079"; -2_500_000 → "-$2.50". */
export function dollars(micros: number): string {
  const negative = micros < 0;
  const value = Math.abs(micros) / MICROS;
  const decimals = value > 0 && value < 0.01 ? 4 : 2;
  const text = value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  return `${negative ? "-" : ""}$${text}`;
}

/** A whole number with thousands separators (quantities of texts, emails, minutes, tokens). */
export function quantity(value: number): string {
  return value.toLocaleString("en-US");
}

/** An axis label in dollars with as many decimals as the axis step needs (a $0.004 step shows "$0.012"). */
export function axisDollars(micros: number, stepMicros: number): string {
  const step = stepMicros / MICROS;
  const decimals = step > 0 ? Math.min(6, Math.max(2, Math.ceil(-Math.log10(step) - 1e-9))) : 2;
  const text = (micros / MICROS).toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return `$${text}`;
}
