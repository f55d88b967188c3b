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
