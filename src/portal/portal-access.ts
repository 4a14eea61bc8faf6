/**
 * What a portal session may do. A portal link opens the console for one
 * tenant, either read-only or with endpoint management; it is never an API
 * key, so it never reaches key, tenant, portal-link or write routes.
 */
export const PORTAL_ACCESS = ['read', 'endpoints'] as const;
export type PortalAccess = (typeof PORTAL_ACCESS)[number];

/** Routes (fastify route URLs) that endpoint management adds to read access. */
const ENDPOINT_ROUTE = /^\/v1\/(endpoints|deliveries)(\/|$)/;

/** Routes a portal session never reads, whatever their scope: other credentials live there. */
const NEVER = /^\/v1\/(api-keys|portal-links|tenants|signing-keys)(\/|$)/;

/**
 * Whether a portal session with `access` may call the route `url` (the route
 * pattern, e.g. `/v1/endpoints/:id`) that needs `scope`.
 *
 * @example
 * portalMayCall('read', '/v1/subjects/:id', 'read') // true
 * portalMayCall('read', '/v1/endpoints/:id', 'manage') // false
 * portalMayCall('endpoints', '/v1/endpoints/:id', 'manage') // true
 */
export function portalMayCall(access: PortalAccess, url: string, scope: string | undefined): boolean {
  if (NEVER.test(url)) return false;
  if (scope === 'read') return true;
  return access === 'endpoints' && scope === 'manage' && ENDPOINT_ROUTE.test(url);
}

/** The scopes a portal session carries, as an API key's would read. */
export function portalScopes(access: PortalAccess): string[] {
  return access === 'endpoints' ? ['read', 'manage'] : ['read'];
}
