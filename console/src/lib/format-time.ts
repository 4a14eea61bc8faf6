/** "3 min ago" for an ISO instant, relative to `now` (ms). */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return iso;
  return `${duration(Math.abs(seconds))} ${seconds >= 0 ? 'ago' : 'from now'}`;
}

/** A duration in seconds as the largest sensible unit: 45 s, 3 min, 2 h, 4 d. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** `datetime-local` input text (local time) to an ISO instant; null when empty or unreadable. */
export function isoFromLocal(text: string): string | null {
  if (text.trim() === '') return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
