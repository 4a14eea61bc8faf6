/** The endpoint form's fields, as text, the way a person types them. */
export interface EndpointFormValues {
  url: string;
  description: string;
  eventTypes: string;
  workflows: string;
  format: string;
  authType: 'standard-webhooks' | 'header' | 'mtls';
  algorithm: 'hmac-sha256' | 'ed25519';
  headerName: string;
  headerValue: string;
  cert: string;
  key: string;
  ca: string;
  headers: string;
  ordering: string;
  rateLimit: string;
}

export const EMPTY_ENDPOINT_FORM: EndpointFormValues = {
  url: '',
  description: '',
  eventTypes: '',
  workflows: '',
  format: 'vendor',
  authType: 'standard-webhooks',
  algorithm: 'hmac-sha256',
  headerName: '',
  headerValue: '',
  cert: '',
  key: '',
  ca: '',
  headers: '',
  ordering: 'subject',
  rateLimit: '',
};

const list = (text: string) => {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? [...new Set(items)] : null;
};

/** `Name: value` lines to a header record; lines without a colon are reported. */
export function parseHeaderLines(text: string): { headers: Record<string, string>; bad: string[] } {
  const headers: Record<string, string> = {};
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) bad.push(line);
    else headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { headers, bad };
}

/**
 * The `POST /v1/endpoints` (or PATCH) body for the form. On edit, secrets the
 * API never returns (header value, private key) are sent only when typed again.
 */
export function endpointBody(v: EndpointFormValues, editing = false): Record<string, unknown> {
  const body: Record<string, unknown> = {
    url: v.url.trim(),
    description: v.description.trim() === '' ? null : v.description.trim(),
    eventTypes: list(v.eventTypes),
    workflows: list(v.workflows),
    format: v.format,
    ordering: v.ordering,
    rateLimit: v.rateLimit.trim() === '' ? null : Number(v.rateLimit),
    headers: parseHeaderLines(v.headers).headers,
    tls: v.ca.trim() === '' ? null : { ca: v.ca },
  };
  if (v.authType === 'standard-webhooks') body.auth = { type: 'standard-webhooks', algorithm: v.algorithm };
  else if (v.authType === 'header') {
    if (!editing || v.headerValue !== '') body.auth = { type: 'header', name: v.headerName, value: v.headerValue };
  } else if (!editing || v.key !== '') body.auth = { type: 'mtls', cert: v.cert, key: v.key };
  return body;
}

/** The form's values for an endpoint as the API returns it (no secrets in it). */
export function formOf(e: {
  url: string;
  description: string | null;
  eventTypes: string[] | null;
  workflows: string[] | null;
  format: string;
  auth: { type: string; algorithm?: string; name?: string; cert?: string };
  tls: { ca: string } | null;
  headers: Record<string, string>;
  ordering: string;
  rateLimit: number | null;
}): EndpointFormValues {
  return {
    ...EMPTY_ENDPOINT_FORM,
    url: e.url,
    description: e.description ?? '',
    eventTypes: (e.eventTypes ?? []).join(', '),
    workflows: (e.workflows ?? []).join(', '),
    format: e.format,
    authType: e.auth.type as EndpointFormValues['authType'],
    algorithm: (e.auth.algorithm as EndpointFormValues['algorithm']) ?? 'hmac-sha256',
    headerName: e.auth.name ?? '',
    cert: e.auth.cert ?? '',
    ca: e.tls?.ca ?? '',
    headers: Object.entries(e.headers)
      .map(([k, val]) => `${k}: ${val}`)
      .join('\n'),
    ordering: e.ordering,
    rateLimit: e.rateLimit === null ? '' : String(e.rateLimit),
  };
}
