import type { Config } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { PortalTokens } from '../portal/portal-tokens.js';
import type { Store } from '../storage/store.js';
import type { SubjectService } from '../subjects/subject-service.js';
import type { ApiKeyLookup } from '../tenants/api-key-lookup.js';
import type { WorkflowRegistry } from '../workflows/workflow-registry.js';

/** What the HTTP routes need, passed in explicitly (no container, no globals). */
export interface AppDeps {
  config: Config;
  store: Store;
  registry: WorkflowRegistry;
  subjects: SubjectService;
  apiKeys: ApiKeyLookup;
  metrics: Metrics;
  clock: () => Date;
  /** Verifies console portal sessions; without it only API keys authenticate. */
  portalTokens?: PortalTokens;
  /** Tracing on: a server span per request (`plugins/request-tracing.ts`). */
  tracing?: Tracing | null;
}
