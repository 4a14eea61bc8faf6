/** The decoded (not verified) parts of a compact JWS. */
export interface JwsParts {
  header: Record<string, unknown>;
  payload: unknown;
}

function base64UrlDecode(part: string): string {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Decodes a compact JWS's header and payload for display; null when it is
 * not one. Verification is separate (jose against the JWKS).
 *
 * @example decodeJws('eyJhbGciOiJFZERTQSJ9.e30.sig')?.header.alg // 'EdDSA'
 */
export function decodeJws(jws: string): JwsParts | null {
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) return null;
  try {
    return { header: JSON.parse(base64UrlDecode(parts[0])), payload: JSON.parse(base64UrlDecode(parts[1])) };
  } catch {
    return null;
  }
}
