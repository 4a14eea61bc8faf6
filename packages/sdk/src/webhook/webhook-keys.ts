import { fromBase64, utf8 } from './encoding.js';

/**
 * A key a push may be verified with:
 * - `whsec_<base64>` (or bare base64, as `standardwebhooks` accepts): the endpoint's HMAC secret, checks `v1`;
 * - `whpk_<base64 raw 32-byte key>`: an Ed25519 public key, checks `v1a`;
 * - `{ type: 'header', name, value }`: seed 004's shared-secret header (Thales image-check pushes).
 */
export type WebhookKey = string | { type: 'header'; name: string; value: string };

export interface SignatureKey {
  version: 'v1' | 'v1a';
  /** The WebCrypto key, imported on first use. */
  key: Promise<CryptoKey>;
  /** The raw key bytes (HMAC secret, or Ed25519 public key), for the host's synchronous crypto. */
  raw: Uint8Array<ArrayBuffer>;
  /** The host's key object for `v1a`, made on first use. */
  native?: unknown;
}

/*
 * Imported keys are cached by their text: importKey costs about as much as the
 * HMAC itself on a small body, and a receiver verifies with the same secret over
 * and over. The cache is bounded so a caller passing a fresh key each time
 * cannot grow it without end.
 */
const CACHE_LIMIT = 256;
const cache = new Map<string, SignatureKey>();

/** A promise started only when first awaited, so the fast path never pays for a WebCrypto import. */
function lazy<T>(start: () => Promise<T>): Promise<T> {
  let started: Promise<T> | undefined;
  const run = () => {
    started ??= start();
    return started;
  };
  return {
    // biome-ignore lint/suspicious/noThenProperty: a lazily started thenable is the point
    then: (ok, fail) => run().then(ok, fail),
    catch: (fail) => run().catch(fail),
    finally: (done) => run().finally(done),
    [Symbol.toStringTag]: 'Promise',
  } as Promise<T>;
}

function importKey(text: string): SignatureKey {
  const subtle = globalThis.crypto.subtle;
  if (text.startsWith('whpk_')) {
    const raw = fromBase64(text.slice('whpk_'.length));
    if (raw.length !== 32) throw new TypeError('a whpk_ key holds 32 bytes of Ed25519 public key');
    return {
      version: 'v1a',
      raw,
      key: lazy(() => subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify'])),
    };
  }
  if (text.startsWith('whsk_')) {
    throw new TypeError('whsk_ is the signing secret; verify with its public key (whpk_), which the endpoint shows');
  }
  const base64 = text.startsWith('whsec_') ? text.slice('whsec_'.length) : text;
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(base64);
  } catch {
    throw new TypeError('a webhook secret is whsec_ followed by base64');
  }
  if (raw.length === 0) throw new TypeError('a webhook secret is whsec_ followed by base64');
  return {
    version: 'v1',
    raw,
    key: lazy(() => subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify', 'sign'])),
  };
}

/** The imported form of a `whsec_` / `whpk_` key, from the cache when it was seen before. */
export function signatureKey(text: string): SignatureKey {
  let found = cache.get(text);
  if (!found) {
    found = importKey(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, found);
  }
  return found;
}

/** Signs like Tidings' dispatcher: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export async function signHmac(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const { version, key } = signatureKey(secret);
  if (version !== 'v1') throw new TypeError('signWebhook signs with a whsec_ secret');
  const mac = await globalThis.crypto.subtle.sign('HMAC', await key, utf8(`${id}.${timestamp}.${body}`));
  const bytes = new Uint8Array(mac);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return `v1,${btoa(binary)}`;
}
