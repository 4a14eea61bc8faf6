import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address is a public unicast address an endpoint may point at.
 * Pure, so the SSRF table is tested without DNS. The ranges come from
 * ipaddr.js (its IANA special-purpose tables) rather than a hand-made list: an
 * attacker aims a webhook at loopback, private, link-local (cloud metadata
 * 169.254.169.254), CGNAT, reserved or multicast addresses, or at an IPv6 form
 * that reaches one of them through translation or a tunnel.
 */
export type AddressVerdict = { public: true } | { public: false; reason: string };

/** A CIDR range an operator allows endpoints to reach although it is not public. */
export type AllowedRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses the operator's allow-list (`allowedEndpointRanges`); throws on a malformed range. */
export function parseAllowedRanges(ranges: ReadonlyArray<string>): AllowedRange[] {
  return ranges.map((range) => ipaddr.parseCIDR(range));
}

/** ipaddr.js range names as the refusal message shows them. */
const READABLE: Record<string, string> = {
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local',
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  teredo: 'Teredo',
  discard: 'discard-only',
};

const readable = (range: string) => READABLE[range] ?? range;

function v4FromGroups(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV4(address: ipaddr.IPv4, how = ''): AddressVerdict {
  const range = address.range();
  return range === 'unicast' ? { public: true } : { public: false, reason: `${readable(range)}${how}` };
}

/** IPv6 ranges that reach an IPv4 host: the embedded address decides (`null`: refuse outright). */
function embeddedV4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const p = address.parts;
  if (range === 'ipv4Mapped' || range === 'rfc6145') return v4FromGroups(p[6] ?? 0, p[7] ?? 0);
  // 64:ff9b::/96 embeds the IPv4 address in the last 32 bits; the local-use
  // 64:ff9b:1::/48 (RFC 8215) translates inside the operator's own network.
  if (range === 'rfc6052') return p[2] === 0 ? v4FromGroups(p[6] ?? 0, p[7] ?? 0) : null;
  // 6to4 (2002::/16) tunnels to the IPv4 address in bits 16-47.
  if (range === '6to4') return v4FromGroups(p[1] ?? 0, p[2] ?? 0);
  return null;
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (range === 'unicast') {
    // ::a.b.c.d (IPv4-compatible, deprecated) is not in ipaddr's table, yet
    // some stacks still route it to the IPv4 address: refuse the whole ::/96.
    if (address.parts.slice(0, 6).every((g) => g === 0)) return { public: false, reason: 'IPv4-compatible' };
    return { public: true };
  }
  if (['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4'].includes(range)) {
    const v4 = embeddedV4(address, range);
    return v4 ? classifyV4(v4, ` (embedded in ${readable(range)})`) : { public: false, reason: readable(range) };
  }
  // teredo, discard (100::/64), reserved, unique local, link-local, ...
  return { public: false, reason: readable(range) };
}

/**
 * Classifies an IP literal; anything that is not an IP literal is refused. An
 * address inside an operator-allowed range passes whatever its kind.
 */
export function classifyAddress(address: string, allowed: ReadonlyArray<AllowedRange> = []): AddressVerdict {
  const bare = address.split('%')[0] ?? '';
  // node's isIP first: ipaddr.js also accepts classful forms such as `0x7f.1`.
  if (isIP(bare) === 0) return { public: false, reason: 'not an IP address' };
  const parsed = ipaddr.parse(bare);
  for (const [base, bits] of allowed) {
    if (parsed.kind() === base.kind() && parsed.match(base, bits)) return { public: true };
    if (parsed.kind() === 'ipv6' && base.kind() === 'ipv4') {
      const v6 = parsed as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress() && v6.toIPv4Address().match(base, bits)) return { public: true };
    }
  }
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}
