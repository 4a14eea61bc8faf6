import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TidingsError } from '../../errors/tidings-error.js';
import { type PortalAccess, portalMayCall, portalScopes } from '../../portal/portal-access.js';
import type { PortalTokens } from '../../portal/portal-tokens.js';
import { parseApiKey, type Scope, secretMatches, tokensEqual } from '../../tenants/api-key.js';
import type { ApiKeyLookup } from '../../tenants/api-key-lookup.js';

/** Who a request acts for, set by the auth hook on tenant routes. */
export interface Caller {
  tenantId: string;
  keyId: string;
  scopes: readonly string[];
  /** Set when the caller is a console portal session rather than an API key. */
  portal?: PortalAccess;
}

/** Per-route auth, in the route's `config`: who may call it and with which scope. */
export type RouteAuth = { auth: 'public' } | { auth: 'admin' } | { auth: 'tenant'; scope: Scope };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth['auth'];
    scope?: Scope;
  }
}

const unauthorized = (message: string) => new TidingsError('unauthorized', message, { target: 'Authorization' });

/**
 * Reads `Authorization: Bearer <apiKey>` or seed 003's
 * `ReestroAuth apiKey=<apiKey>&portal.orgid=<tenantId>` (403 when the org is not the key's tenant).
 */
async function authenticate(
  keys: ApiKeyLookup,
  header: string | undefined,
  portal: PortalTokens | undefined,
): Promise<Caller> {
  if (!header) throw unauthorized('missing Authorization header');
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const rest = space < 0 ? '' : header.slice(space + 1).trim();
  let presented: string | null = null;
  let orgId: string | null = null;
  if (/^bearer$/i.test(scheme)) {
    // A JWT is a console portal session (API keys are `tdk_...`, never three dot-separated parts).
    if (portal && rest.split('.').length === 3) {
      const grant = await portal.verifySession(rest);
      if (!grant) throw unauthorized('invalid or expired portal session');
      return {
        tenantId: grant.tenantId,
        keyId: `portal:${grant.jti}`,
        scopes: portalScopes(grant.access),
        portal: grant.access,
      };
    }
    presented = rest;
  } else if (scheme === 'ReestroAuth') {
    const params = new URLSearchParams(rest);
    presented = params.get('apiKey');
    orgId = params.get('portal.orgid');
    if (orgId === null) throw unauthorized('ReestroAuth needs portal.orgid');
  } else throw unauthorized('unsupported Authorization scheme; use Bearer or ReestroAuth');
  const parsed = presented ? parseApiKey(presented) : null;
  if (!parsed) throw unauthorized('invalid API key');
  const record = await keys.find(parsed.id);
  if (!record || record.revokedAt !== null || !secretMatches(parsed.secret, record))
    throw unauthorized('invalid API key');
  if (orgId !== null && orgId !== record.tenantId) {
    throw new TidingsError('forbidden', 'the API key has no access to the organisation in portal.orgid', {
      target: 'portal.orgid',
    });
  }
  return { tenantId: record.tenantId, keyId: record.id, scopes: record.scopes };
}

export function registerAuth(
  app: FastifyInstance,
  keys: ApiKeyLookup,
  adminToken: string | null,
  portal?: PortalTokens,
): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    const mode = config?.auth;
    if (mode === undefined || mode === 'public') return;
    if (mode === 'admin') {
      if (adminToken === null) {
        throw new TidingsError(
          'forbidden',
          'operator routes are off: the server was started without TIDINGS_ADMIN_TOKEN',
        );
      }
      const header = request.headers.authorization ?? '';
      const token = /^bearer /i.test(header) ? header.slice(7).trim() : '';
      if (!token || !tokensEqual(token, adminToken)) throw unauthorized('invalid admin token');
      return;
    }
    const caller = await authenticate(keys, request.headers.authorization, portal);
    if (caller.portal && !portalMayCall(caller.portal, request.routeOptions.url ?? '', config.scope)) {
      throw new TidingsError('forbidden', 'a console portal session cannot call this route', {
        target: 'Authorization',
      });
    }
    if (config.scope && !caller.scopes.includes(config.scope)) {
      throw new TidingsError('forbidden', `the API key lacks the ${config.scope} scope`, { target: 'Authorization' });
    }
    request.caller = caller;
  });
}

/** The caller of a tenant route (the hook guarantees it is set). */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw unauthorized('not authenticated');
  return request.caller;
}
