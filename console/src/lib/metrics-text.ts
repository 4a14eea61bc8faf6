/** One sample of a Prometheus text exposition: name, labels, value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the text `/metrics` serves (the public Prometheus endpoint) into
 * samples; comment lines and lines it cannot read are skipped.
 *
 * @example parseMetrics('a_total{x="1"} 3').at(0) // { name: 'a_total', labels: { x: '1' }, value: 3 }
 */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(LABEL)) {
      if (key !== undefined && value !== undefined) labels[key] = value.replace(/\\(.)/g, '$1');
    }
    const value = Number(match[4]);
    if (match[1] !== undefined && !Number.isNaN(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** The sum of every sample named `name` whose labels include `where`. */
export function sumOf(samples: readonly MetricSample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** What the home page shows from one scrape. */
export interface HealthFigures {
  queueDepth: number;
  oldestPendingSeconds: number;
  attempts: Record<string, number>;
  attemptSeconds: number;
  attemptCount: number;
}

export function healthFigures(samples: readonly MetricSample[]): HealthFigures {
  const attempts: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== 'tidings_delivery_attempts_total') continue;
    const outcome = s.labels.outcome ?? 'unknown';
    attempts[outcome] = (attempts[outcome] ?? 0) + s.value;
  }
  return {
    queueDepth: sumOf(samples, 'tidings_delivery_queue_depth'),
    oldestPendingSeconds: Math.max(
      0,
      ...samples.filter((s) => s.name === 'tidings_delivery_oldest_pending_age_seconds').map((s) => s.value),
    ),
    attempts,
    attemptSeconds: sumOf(samples, 'tidings_delivery_attempt_duration_seconds_sum'),
    attemptCount: sumOf(samples, 'tidings_delivery_attempt_duration_seconds_count'),
  };
}
