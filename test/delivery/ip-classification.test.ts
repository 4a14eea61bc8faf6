import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { classifyAddress, parseAllowedRanges } from '../../src/delivery/ip-classification.js';
import { publicOnlyLookup, refuseEndpointUrl } from '../../src/delivery/ssrf-guard.js';

const REFUSED: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['0.0.0.0', 'this network'],
  ['0.1.2.3', 'this network'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['::1', 'IPv6 loopback'],
  ['::', 'IPv6 unspecified'],
  ['fc00::1', 'unique local'],
  ['fd12:3456::1', 'unique local'],
  ['fe80::1', 'IPv6 link-local'],
  ['fe80::1%eth0', 'IPv6 link-local with zone'],
  ['ff02::1', 'IPv6 multicast'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, hex form'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
  ['not-an-ip', 'not an address'],
];

const ALLOWED = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8'];

describe('SSRF: address classification', () => {
  for (const [address, why] of REFUSED) {
    test(`refuses ${address} (${why})`, () => assert.equal(classifyAddress(address).public, false));
  }
  for (const address of ALLOWED) {
    test(`allows public ${address}`, () => assert.deepEqual(classifyAddress(address), { public: true }));
  }
});

describe('SSRF: endpoint URL check', () => {
  const resolveTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const strict = (resolveAll = resolveTo('93.184.216.34')) => ({ allowInsecure: false, resolveAll });

  test('a public https URL passes', async () => {
    assert.equal(await refuseEndpointUrl('https://hooks.example.com/in', strict()), null);
  });
  test('http is refused unless insecure endpoints are allowed', async () => {
    assert.match(String(await refuseEndpointUrl('http://hooks.example.com/in', strict())), /https/);
    assert.equal(await refuseEndpointUrl('http://127.0.0.1:9/x', { ...strict(), allowInsecure: true }), null);
  });
  test('a name resolving to any private address is refused', async () => {
    const refusal = await refuseEndpointUrl('https://evil.example/', strict(resolveTo('93.184.216.34', '10.0.0.5')));
    assert.match(String(refusal), /non-public/);
  });
  test('IP literals are checked without DNS', async () => {
    assert.match(String(await refuseEndpointUrl('https://169.254.169.254/latest', strict())), /link-local/);
    assert.match(String(await refuseEndpointUrl('https://[::1]/', strict())), /loopback/);
  });
  test('credentials in the URL and non-http schemes are refused', async () => {
    assert.notEqual(await refuseEndpointUrl('https://u:p@hooks.example.com/', strict()), null);
    assert.notEqual(await refuseEndpointUrl('ftp://hooks.example.com/', strict()), null);
    assert.notEqual(await refuseEndpointUrl('not a url', strict()), null);
  });
  test('a name that does not resolve is refused', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    assert.match(String(await refuseEndpointUrl('https://nowhere.invalid/', strict(failing))), /does not resolve/);
  });
});

describe('SSRF: IPv6 forms that reach a non-public IPv4 host (issue 14)', () => {
  const EMBEDDED = [
    '::ffff:0:127.0.0.1',
    '64:ff9b:1::7f00:1',
    '2002:7f00:1::1',
    '2002:a00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001::1',
    '100::1',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
  ];
  for (const address of EMBEDDED) {
    test(`refuses ${address}`, () => assert.equal(classifyAddress(address).public, false));
  }
  test('6to4 and NAT64 of a public IPv4 address stay public', () => {
    assert.deepEqual(classifyAddress('2002:808:808::1'), { public: true });
    assert.deepEqual(classifyAddress('64:ff9b::808:808'), { public: true });
  });
  test('classful and hex IPv4 forms are not IP literals', () => {
    assert.equal(classifyAddress('0x7f.1').public, false);
    assert.equal(classifyAddress('2130706433').public, false);
  });
  test('the endpoint check refuses a bracketed embedded literal', async () => {
    const never = async () => [];
    const refusal = await refuseEndpointUrl('https://[2002:7f00:1::1]/in', { allowInsecure: false, resolveAll: never });
    assert.match(String(refusal), /non-public/);
  });
});

describe('SSRF: operator-allowed ranges', () => {
  const allowed = parseAllowedRanges(['10.20.0.0/16', 'fd00:1::/64']);
  test('an address inside an allowed range passes, one outside does not', () => {
    assert.deepEqual(classifyAddress('10.20.3.4', allowed), { public: true });
    assert.deepEqual(classifyAddress('::ffff:10.20.3.4', allowed), { public: true });
    assert.deepEqual(classifyAddress('fd00:1::5', allowed), { public: true });
    assert.equal(classifyAddress('10.21.0.1', allowed).public, false);
    assert.equal(classifyAddress('127.0.0.1', allowed).public, false);
  });
  test('the endpoint check and the connect-time lookup honour the list; https is still required', async () => {
    const resolveAll = async () => [{ address: '10.20.0.9', family: 4 }];
    const options = { allowInsecure: false, resolveAll, allowedRanges: allowed };
    assert.equal(await refuseEndpointUrl('https://hooks.internal/in', options), null);
    assert.match(String(await refuseEndpointUrl('http://hooks.internal/in', options)), /https/);
    assert.match(
      String(await refuseEndpointUrl('https://hooks.internal/in', { ...options, allowedRanges: [] })),
      /non-public/,
    );
    const looked = await new Promise<unknown>((done) =>
      publicOnlyLookup(resolveAll, allowed)('hooks.internal', {}, (error, address) => done(error ?? address)),
    );
    assert.equal(looked, '10.20.0.9');
  });
  test('a malformed range stops the start', () => {
    assert.throws(() => loadConfig({ TIDINGS_ALLOWED_ENDPOINT_RANGES: '10.20.0.0/33' }), ConfigError);
    assert.deepEqual(loadConfig({ TIDINGS_ALLOWED_ENDPOINT_RANGES: '10.20.0.0/16' }).allowedEndpointRanges, [
      '10.20.0.0/16',
    ]);
  });
});
