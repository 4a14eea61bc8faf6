/**
 * The host's synchronous crypto module when there is one (Node ≥ 20.16, Bun,
 * Deno), found by feature detection rather than an import, so this package
 * still loads on runtimes without it (browsers, edge workers) and uses
 * WebCrypto there.
 *
 * Why: Node's WebCrypto runs each HMAC as an async job on its thread pool,
 * about 28,000 verifications/s on one core of the bench machine, half of
 * what the `standardwebhooks` package does in plain JavaScript; `createHmac`
 * does 270,000/s (bench/sdk.ts).
 */
export interface NativeCrypto {
  createHmac(algorithm: 'sha256', key: Uint8Array): { update(data: string): { digest(): Uint8Array } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  createPublicKey(key: { key: Record<string, string>; format: 'jwk' }): unknown;
  verify(algorithm: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
}

type Host = { process?: { getBuiltinModule?: (name: string) => unknown } };

let found: NativeCrypto | null | undefined;

export function nativeCrypto(): NativeCrypto | null {
  if (found === undefined) {
    try {
      found = ((globalThis as Host).process?.getBuiltinModule?.('node:crypto') as NativeCrypto | undefined) ?? null;
    } catch {
      found = null;
    }
  }
  return found;
}
