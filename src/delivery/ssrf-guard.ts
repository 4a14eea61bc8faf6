import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { type AllowedRange, classifyAddress } from './ip-classification.js';

/** Resolves a host name to every address it has (node's `dns.lookup` with `all: true`). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** Why a URL may not be an endpoint; `null` when it may. */
export async function refuseEndpointUrl(
  raw: string,
  options: { allowInsecure: boolean; resolveAll: ResolveAll; allowedRanges?: ReadonlyArray<AllowedRange> },
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be http(s)';
  if (url.username || url.password) return 'url must not carry credentials';
  if (options.allowInsecure) return null;
  if (url.protocol !== 'https:') return 'url must be https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await options.resolveAll(host)).map((a) => a.address);
    } catch {
      return `url host ${host} does not resolve`;
    }
  }
  for (const address of addresses) {
    const verdict = classifyAddress(address, options.allowedRanges);
    if (!verdict.public) return `url resolves to a non-public address (${verdict.reason})`;
  }
  return null;
}

export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC';
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for undici's `connect` option that refuses the connection unless
 * every address the name resolves to is public. Checking at connect time, on
 * the very addresses the socket will use, is what defeats DNS rebinding
 * (a name that resolved publicly at creation and privately now).
 */
export function publicOnlyLookup(
  resolveAll: ResolveAll = systemResolveAll,
  allowedRanges: ReadonlyArray<AllowedRange> = [],
) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveAll(hostname).then(
      (addresses) => {
        const refused = addresses.find((a) => !classifyAddress(a.address, allowedRanges).public);
        if (refused || addresses.length === 0) {
          callback(new NonPublicAddressError(`${hostname} resolves to a non-public address`), []);
          return;
        }
        const first = addresses[0] as LookupAddress;
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, []),
    );
  };
}

/** An IP-literal URL never reaches `lookup`, so its address is checked before connecting. */
export function refuseLiteralHost(url: URL, allowedRanges: ReadonlyArray<AllowedRange> = []): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host)) return null;
  const verdict = classifyAddress(host, allowedRanges);
  return verdict.public ? null : `${host} is a non-public address (${verdict.reason})`;
}
