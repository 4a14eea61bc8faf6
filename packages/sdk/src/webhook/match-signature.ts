import { fromBase64, toBase64, utf8 } from './encoding.js';
import { nativeCrypto } from './native-crypto.js';
import type { SignatureKey } from './webhook-keys.js';

/** The host's synchronous check of one signature; `null` when it has no crypto module. */
function nativeMatch(k: SignatureKey, sig: Uint8Array, content: string): boolean | null {
  const host = nativeCrypto();
  if (!host) return null;
  if (k.version === 'v1') {
    const mac = host.createHmac('sha256', k.raw).update(content).digest();
    return mac.length === sig.length && host.timingSafeEqual(mac, sig);
  }
  k.native ??= host.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(k.raw) }, format: 'jwk' });
  return host.verify(null, utf8(content), k.native, sig);
}

function base64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Whether one signature of the `webhook-signature` value matches one of the keys. */
export async function signatureMatches(
  keys: SignatureKey[],
  signatures: string,
  content: string,
  webCryptoOnly: boolean,
) {
  const subtle = globalThis.crypto.subtle;
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    const version = entry.slice(0, comma);
    let sig: Uint8Array<ArrayBuffer>;
    try {
      sig = fromBase64(entry.slice(comma + 1));
    } catch {
      continue;
    }
    for (const k of keys) {
      if (k.version !== version) continue;
      const fast = webCryptoOnly ? null : nativeMatch(k, sig, content);
      if (fast !== null) {
        if (fast) return true;
        continue;
      }
      // subtle.verify compares in constant time (and does the Ed25519 check for v1a).
      const algorithm = version === 'v1' ? 'HMAC' : 'Ed25519';
      bytes ??= utf8(content);
      if (await subtle.verify(algorithm, await k.key, sig, bytes)) return true;
    }
  }
  return false;
}
