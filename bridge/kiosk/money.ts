/** Money as the ILS gives it: decimal strings, added without float rounding. */

/** Adds decimal strings exactly (money: no float rounding), keeping the most decimals any of them has. */
export function sumDecimals(values: readonly string[]): string {
  const places = Math.max(0, ...values.map((v) => v.split(".")[1]?.length ?? 0));
  const scale = 10n ** BigInt(places);
  const toUnits = (v: string) => {
    const negative = v.startsWith("-");
    const [whole = "0", fraction = ""] = v.replace("-", "").split(".");
    const units = BigInt(whole) * scale + BigInt(fraction.padEnd(places, "0") || "0");
    return negative ? -units : units;
  };
  const total = values.reduce((sum, v) => sum + toUnits(v), 0n);
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  if (places === 0) return `${sign}${abs}`;
  const digits = abs.toString().padStart(places + 1, "0");
  return `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
