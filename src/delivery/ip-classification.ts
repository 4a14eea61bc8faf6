import { isIP } from 'node:net';

/**
 * Whether an IP address is a public unicast address an endpoint may point at.
 * Pure, so the SSRF table is tested without DNS. The refused ranges are the
 * ones an attacker would aim a webhook at to reach the operator's own network:
 * loopback, RFC 1918 private, link-local (incl. cloud metadata 169.254.169.254),
 * CGNAT, "this network", multicast/reserved, and their IPv6 equivalents
 * (including IPv4-mapped and NAT64 forms of private IPv4 addresses).
 */
export type AddressVerdict = { public: true } | { public: false; reason: string };

const V4_REFUSED: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function classifyV4(address: string): AddressVerdict {
  const n = v4ToInt(address);
  for (const [base, bits, reason] of V4_REFUSED) {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    if (n >= start && n < start + size) return { public: false, reason };
  }
  return { public: true };
}

/** Expands an IPv6 address (with `::` and an optional dotted IPv4 tail) to 8 16-bit groups. */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted?.[1]) {
    const n = v4ToInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right];
}

function embeddedV4(groups: number[], from: number): string {
  const hi = groups[from] ?? 0;
  const lo = groups[from + 1] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

function classifyV6(address: string): AddressVerdict {
  const g = v6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const prefixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (prefixZero && g5 === 0 && g6 === 0 && g7 === 0) return { public: false, reason: 'unspecified' };
  if (prefixZero && g5 === 0 && g6 === 0 && g7 === 1) return { public: false, reason: 'loopback' };
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible) reach the IPv4 address.
  if (prefixZero && (g5 === 0xffff || g5 === 0)) return classifyV4(embeddedV4(g, 6));
  // 64:ff9b::/96 NAT64 translates to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyV4(embeddedV4(g, 6));
  }
  if ((g0 & 0xfe00) === 0xfc00) return { public: false, reason: 'unique local' };
  if ((g0 & 0xffc0) === 0xfe80) return { public: false, reason: 'link-local' };
  if ((g0 & 0xffc0) === 0xfec0) return { public: false, reason: 'site-local' };
  if ((g0 & 0xff00) === 0xff00) return { public: false, reason: 'multicast' };
  if (g0 === 0x2001 && g1 === 0x0db8) return { public: false, reason: 'documentation' };
  return { public: true };
}

/** Classifies an IP literal; anything that is not an IP literal is refused. */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) return classifyV4(address);
  if (family === 6) return classifyV6(address);
  return { public: false, reason: 'not an IP address' };
}
