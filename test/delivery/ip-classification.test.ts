import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAddress } from '../../src/delivery/ip-classification.js';
import { refuseEndpointUrl } from '../../src/delivery/ssrf-guard.js';

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
