/** Money as SIP2 carries it: minor units (cents) inside, decimals on the wire. */
// Money

/** Minor units (cents) to a locale-independent decimal: 1250 → "12.50", -5 → "-0.05". */
export function formatAmount(minor: number): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(minor));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const AMOUNT_PATTERN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** A decimal amount as SIP2 carries it ("12", "12.5", "12.50") to minor units; undefined if malformed. */
export function parseAmount(text: string): number | undefined {
  const m = AMOUNT_PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}
