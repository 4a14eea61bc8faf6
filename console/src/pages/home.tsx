import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, useApi } from '../api';
import type { DeliveryStats } from '../api-types';
import { Chart } from '../components/chart';
import { Badge, ErrorNote, Figure, Page } from '../components/ui';
import { ago, duration } from '../lib/format-time';
import { healthFigures, parseMetrics } from '../lib/metrics-text';
import { session, tenantBearer } from '../session';
import type { Endpoint } from './endpoints';

const REFRESH_MS = 10_000;

/** Calls `load` now and every `ms` while the page is open. */
function usePolled<T>(load: (() => Promise<T>) | null, ms: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (!load) return;
    let live = true;
    const run = () =>
      load().then(
        (d) => {
          if (!live) return;
          setData(d);
          setError(null);
        },
        (e: Error) => live && setError(e),
      );
    void run();
    const timer = setInterval(run, ms);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [load === null]);
  return { data, error };
}

/**
 * Health first: readiness, the queue, the last hour of pushes as charts
 * (aggregated by the server: `GET /v1/stats/deliveries`), and the tenant's
 * failing or disabled endpoints at the top. Operators also see the whole
 * server's queue from `/metrics`.
 */
export function Home() {
  const ready = useApi<{ status: string; storage: string }>('/readyz', 'public');
  const tenant = tenantBearer() !== null;
  const endpoints = useApi<{ endpoints: Endpoint[] }>(tenant ? '/v1/endpoints?limit=200' : null);
  const stats = usePolled(tenant ? () => api<DeliveryStats>('/v1/stats/deliveries') : null, REFRESH_MS);
  const server = usePolled(
    session().admin ? async () => healthFigures(parseMetrics(await api<string>('/metrics', { as: 'public' }))) : null,
    REFRESH_MS,
  );
  const list = [...(endpoints.data?.endpoints ?? [])].sort((a, b) => rank(a) - rank(b));
  const s = stats.data;
  const oldest = s?.queue.oldestPendingAgeSeconds ?? null;
  const x = s?.buckets.map((b) => Date.parse(b.start) / 1000) ?? [];
  const nulls = (v: number | null) => v as number;
  return (
    <Page title="Home">
      <div class="figures">
        <Figure
          label={`readiness${ready.data ? ` · ${ready.data.storage}` : ''}`}
          value={ready.data ? 'ready' : ready.error ? 'not ready' : '…'}
          tone={ready.data ? 'ok' : 'bad'}
        />
        {tenant && (
          <>
            <Figure label="deliveries queued" value={s ? s.queue.pending : '…'} />
            <Figure
              label="oldest pending"
              value={s ? (oldest !== null ? duration(oldest) : 'none') : '…'}
              tone={(oldest ?? 0) > 300 ? 'warn' : 'ok'}
            />
            <Figure label="attempts succeeded, last hour" value={s?.totals.attempts.succeeded ?? '…'} />
            <Figure
              label="attempts failed, last hour"
              value={s?.totals.attempts.failed ?? '…'}
              tone={(s?.totals.attempts.failed ?? 0) > 0 ? 'warn' : 'ok'}
            />
          </>
        )}
        {server.data && (
          <>
            <Figure label="server queue (all tenants)" value={server.data.queueDepth} />
            <Figure
              label="server oldest pending"
              value={server.data.oldestPendingSeconds > 0 ? duration(server.data.oldestPendingSeconds) : 'none'}
              tone={server.data.oldestPendingSeconds > 300 ? 'warn' : 'ok'}
            />
          </>
        )}
      </div>
      <ErrorNote error={ready.error ?? stats.error ?? server.error} />
      {tenant && (
        <div class="charts">
          <Chart
            title={`Attempts per ${s ? s.bucketSeconds : 60} s by outcome, last hour`}
            series={[
              { label: 'succeeded', stroke: '#2e8540' },
              { label: 'failed', stroke: '#c0392b' },
            ]}
            data={[
              x,
              s?.buckets.map((b) => b.attempts.succeeded) ?? [],
              s?.buckets.map((b) => b.attempts.failed) ?? [],
            ]}
          />
          <Chart
            title="Attempt latency, ms, last hour"
            series={[
              { label: 'mean', stroke: '#2f6fb3' },
              { label: 'max', stroke: '#8e44ad' },
            ]}
            data={[
              x,
              s?.buckets.map((b) => nulls(b.meanLatencyMs)) ?? [],
              s?.buckets.map((b) => nulls(b.maxLatencyMs)) ?? [],
            ]}
          />
        </div>
      )}
      {tenant && (
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
      {!tenant && session().admin && (
        <p class="muted">
          Signed in as operator only: sign in with an API key too to see a tenant's endpoints, subjects and charts.
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
