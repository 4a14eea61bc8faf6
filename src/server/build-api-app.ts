import type { Config } from '../config/config.js';
import type { createDelivery } from '../delivery/create-delivery.js';
import type { PullDelivery } from '../feeds/create-pull-delivery.js';
import { ReestroFeed } from '../feeds/reestro-feed.js';
import type { AppDeps } from '../http/app-deps.js';
import { type BuildAppOptions, buildApp } from '../http/build-app.js';
import { consentRoutes } from '../http/routes/consent-routes.js';
import { consoleRoutes } from '../http/routes/console-routes.js';
import { destinationKeyRoutes } from '../http/routes/destination-key-routes.js';
import { endpointRoutes } from '../http/routes/endpoint-routes.js';
import { feedRoutes } from '../http/routes/feed-routes.js';
import { keyRoutes } from '../http/routes/key-routes.js';
import { operationalEventRoutes } from '../http/routes/operational-event-routes.js';
import { portalRoutes } from '../http/routes/portal-routes.js';
import { reestroRoutes } from '../http/routes/reestro-routes.js';
import { signingKeyRoutes } from '../http/routes/signing-key-routes.js';
import { ssfRoutes } from '../http/routes/ssf-routes.js';
import { subjectHistoryRoutes } from '../http/routes/subject-history-routes.js';
import { PortalTokens } from '../portal/portal-tokens.js';
import type { createSignals } from '../signals/create-signals.js';

/** The services whose routes the API carries, as `createRuntime` assembled them. */
export interface ApiServices {
  deps: Omit<AppDeps, 'portalTokens'>;
  config: Config;
  pull: PullDelivery;
  push: ReturnType<typeof createDelivery>;
  signals: ReturnType<typeof createSignals>;
}

/**
 * The HTTP API of an `api` or `all` process: the core routes (`buildApp`)
 * and every feature's (feeds, keys, endpoints, portal, console, Reestro,
 * consent, Shared Signals). `createRuntime` imports this module only for
 * those roles, so a `worker` loads none of it.
 */
export async function buildApiApp(services: ApiServices, options: Pick<BuildAppOptions, 'logger'>) {
  const { deps, config, pull, push, signals } = services;
  const { store, registry, clock } = deps;
  const portalTokens = new PortalTokens(pull.keys, clock, (jti, expiresAt, now) =>
    store.claimPortalLink(jti, expiresAt, now),
  );
  return buildApp(
    { ...deps, portalTokens },
    {
      ...options,
      plugins: [
        feedRoutes(pull),
        keyRoutes(pull.keys),
        destinationKeyRoutes(pull.destinationKeys),
        endpointRoutes({
          endpoints: push.endpoints,
          deliveries: push.deliveries,
          clock,
          sendTest: (endpoint) => push.dispatcher.sendTest(endpoint),
          nudge: push.wakeDispatchers,
        }),
        portalRoutes(portalTokens),
        signingKeyRoutes(pull.keys),
        subjectHistoryRoutes(pull, store, registry, config.issuer),
        operationalEventRoutes(pull.storage.feed, store, registry),
        consoleRoutes({ frameOrigins: config.consoleFrameOrigins }),
        reestroRoutes(new ReestroFeed({ storage: pull.storage.feed, issuer: config.issuer, clock })),
        consentRoutes(store),
        ssfRoutes(signals, config.issuer, config.ssfMinVerificationIntervalMs),
      ],
    },
  );
}
