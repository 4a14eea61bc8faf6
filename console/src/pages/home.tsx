import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, useApi } from '../api';
import { Chart } from '../components/chart';
import { Badge, ErrorNote, Figure, Page } from '../components/ui';
import { ago, duration } from '../lib/format-time';
import { delta, type HealthFigures, healthFigures, parseMetrics } from '../lib/metrics-text';
import { session, tenantBearer } from '../session';
import type { Endpoint } from './endpoints';

const SAMPLE_MS = 5000;
const KEEP = 720; // one hour of 5 s samples

/** Health first: readiness, queue, and the tenant's failing or disabled endpoints at the top. */
export function Home() {
  const ready = useApi<{ status: string; storage: string }>('/readyz', 'public');
  const endpoints = useApi<{ endpoints: Endpoint[] }>(tenantBearer() ? '/v1/endpoints?limit=200' : null);
  const [figures, setFigures] = useState<HealthFigures | null>(null);
  const [series, setSeries] = useState<number[][]>([[], [], [], []]);
  const [metricsError, setMetricsError] = useState<Error | null>(null);
  useEffect(() => {
    let last: HealthFigures | null = null;
    const scrape = async () => {
      try {
        const text = await api<string>('/metrics', { as: 'public' });
        const now = healthFigures(parseMetrics(text));
        setFigures(now);
        if (last) {
          const d = delta(last, now);
          const t = Date.now() / 1000;
          setSeries((s) => {
            const push = (a: number[] | undefined, v: number) => [...(a ?? []), v].slice(-KEEP);
            return [
              push(s[0], t),
              push(s[1], d.attempts.succeeded ?? 0),
              push(s[2], d.attempts.failed ?? 0),
              push(s[3], d.meanLatencyMs ?? 0),
            ];
          });
        }
        last = now;
      } catch (e) {
        setMetricsError(e as Error);
      }
    };
    void scrape();
    const timer = setInterval(scrape, SAMPLE_MS);
    return () => clearInterval(timer);
  }, []);
  const list = [...(endpoints.data?.endpoints ?? [])].sort((a, b) => rank(a) - rank(b));
  const oldest = figures?.oldestPendingSeconds ?? 0;
  return (
    <Page title="Home">
      <div class="figures">
        <Figure
          label={`readiness${ready.data ? ` · ${ready.data.storage}` : ''}`}
          value={ready.data ? 'ready' : ready.error ? 'not ready' : '…'}
          tone={ready.data ? 'ok' : 'bad'}
        />
        <Figure label="deliveries queued" value={figures ? figures.queueDepth : '…'} />
        <Figure
          label="oldest pending"
          value={figures ? (oldest > 0 ? duration(oldest) : 'none') : '…'}
          tone={oldest > 300 ? 'warn' : 'ok'}
        />
        <Figure label="attempts succeeded" value={figures?.attempts.succeeded ?? 0} />
        <Figure
          label="attempts failed"
          value={figures?.attempts.failed ?? 0}
          tone={(figures?.attempts.failed ?? 0) > 0 ? 'warn' : 'ok'}
        />
      </div>
      <ErrorNote error={ready.error ?? metricsError} />
      <div class="charts">
        <Chart
          title="Attempts per 5 s by outcome (this server, since this page opened)"
          series={[
            { label: 'succeeded', stroke: '#2e8540' },
            { label: 'failed', stroke: '#c0392b' },
          ]}
          data={[series[0] ?? [], series[1] ?? [], series[2] ?? []]}
        />
        <Chart
          title="Mean attempt latency, ms"
          series={[{ label: 'latency', stroke: '#2f6fb3' }]}
          data={[series[0] ?? [], series[3] ?? []]}
        />
      </div>
      {tenantBearer() && (
        <section>
          <h2>Endpoints, failing and disabled first</h2>
          <ErrorNote error={endpoints.error} />
          {list.length === 0 && !endpoints.loading && <p class="muted">No endpoints yet.</p>}
          <ul class="rows">
            {list.map((e) => (
              <li key={e.id}>
                <Link href={`/endpoints/${e.id}`}>{e.url}</Link> <EndpointHealth endpoint={e} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {!tenantBearer() && session().admin && (
        <p class="muted">
          Signed in as operator only: sign in with an API key too to see a tenant's endpoints and subjects.
        </p>
      )}
    </Page>
  );
}

function rank(e: Endpoint): number {
  if (!e.enabled) return 0;
  if (e.failingSince) return 1;
  return 2;
}

export function EndpointHealth(props: { endpoint: Endpoint }) {
  const e = props.endpoint;
  if (!e.enabled) return <Badge tone="bad">disabled{e.disabledReason ? `: ${e.disabledReason}` : ''}</Badge>;
  if (e.failingSince)
    return (
      <Badge tone="warn">
        failing since {ago(e.failingSince)}
        {e.pausedUntil ? ` · paused until ${new Date(e.pausedUntil).toLocaleTimeString()}` : ''}
      </Badge>
    );
  return <Badge tone="ok">healthy</Badge>;
}
