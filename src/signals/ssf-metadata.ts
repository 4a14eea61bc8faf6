import { POLL_DELIVERY_METHOD, PUSH_DELIVERY_METHOD } from './ssf-set.js';

/**
 * The transmitter configuration metadata (SSF 1.0 §7.1), served at
 * `/.well-known/ssf-configuration`. One issuer for the whole server; the
 * caller's API key (RFC 6750 bearer) picks the tenant whose streams it manages.
 * No add/remove-subject endpoints: a stream carries every subject of the
 * tenant (`default_subjects: ALL`).
 */
export function transmitterMetadata(issuer: string) {
  const base = issuer.replace(/\/+$/, '');
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    delivery_methods_supported: [PUSH_DELIVERY_METHOD, POLL_DELIVERY_METHOD],
    configuration_endpoint: `${base}/v1/ssf/streams`,
    status_endpoint: `${base}/v1/ssf/status`,
    verification_endpoint: `${base}/v1/ssf/verify`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
    default_subjects: 'ALL',
  };
}
