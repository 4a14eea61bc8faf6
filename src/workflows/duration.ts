const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses `250ms`, `5s`, `30m`, `2h`, `14d` into milliseconds; `null` when the
 * text is not one number followed by one of those units.
 */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  return Number.isFinite(value) ? Math.round(value * UNIT_MS[unit]) : null;
}
