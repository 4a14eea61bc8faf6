/**
 * An OpenID Shared Signals Framework 1.0 receiver, written from the spec and
 * not from Tidings' code: it discovers the transmitter from its metadata
 * (§7), manages streams through the advertised endpoints with an RFC 6750
 * bearer token (§8), takes pushed SETs on a loopback RFC 8935 endpoint and
 * polls RFC 8936 ones, and checks every SET the way §4 and RFC 8417 ask
 * (signature against the transmitter's JWKS, `typ`, `iss`, `aud`, `sub_id`,
 * one event per SET). Real HTTP everywhere.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';

export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

export interface TransmitterMetadata {
  spec_version?: string;
  issuer: string;
  jwks_uri: string;
  delivery_methods_supported: string[];
  configuration_endpoint: string;
  status_endpoint: string;
  verification_endpoint: string;
  authorization_schemes?: Array<{ spec_urn: string }>;
}

export interface StreamConfiguration {
  stream_id: string;
  iss: string;
  aud: string | string[];
  delivery: { method: string; endpoint_url?: string };
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  description?: string;
  min_verification_interval?: number;
}

export interface CheckedSet {
  jti: string;
  claims: Record<string, unknown>;
  /** The single event URI of `events`. */
  event: string;
  payload: Record<string, unknown>;
}

export class SsfReceiver {
  metadata!: TransmitterMetadata;
  private jwks!: JSONWebKeySet;
  readonly pushed: CheckedSet[] = [];
  readonly refused: string[] = [];
  private server: Server | null = null;
  pushUrl = '';

  constructor(
    private readonly transmitter: string,
    private readonly bearer: string,
    /** What the push endpoint expects in `Authorization` (the stream's authorization_header). */
    readonly pushAuthorization = 'Bearer receiver-secret-0123',
  ) {}

  /** §7.2: GET /.well-known/ssf-configuration, then the JWKS it names. */
  async discover(): Promise<TransmitterMetadata> {
    const res = await fetch(`${this.transmitter}/.well-known/ssf-configuration`);
    assert.equal(res.status, 200);
    this.metadata = (await res.json()) as TransmitterMetadata;
    // §7.2.1: the issuer in the metadata is the one the receiver asked
    assert.equal(this.metadata.issuer, this.transmitter);
    const keys = await fetch(this.metadata.jwks_uri);
    assert.equal(keys.status, 200);
    this.jwks = (await keys.json()) as JSONWebKeySet;
    return this.metadata;
  }

  /** The RFC 8935 push endpoint: 202 for a valid SET, 400 with an RFC 8935 error otherwise. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const refuse = (description: string) => {
          this.refused.push(description);
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ err: 'invalid_request', description }));
        };
        if (req.headers['content-type'] !== 'application/secevent+jwt') return refuse('content type');
        if (req.headers.authorization !== this.pushAuthorization) return refuse('authorization');
        this.check(body)
          .then((set) => {
            this.pushed.push(set);
            res.writeHead(202).end();
          })
          .catch((error: Error) => refuse(error.message));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.pushUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ssf/events`;
    return this.pushUrl;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Calls a management endpoint with the bearer token; returns status and JSON body. */
  // biome-ignore lint/suspicious/noExplicitAny: JSON off the wire, checked field by field by the tests
  async call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }

  streamUrl(streamId: string): string {
    return `${this.metadata.configuration_endpoint}?stream_id=${encodeURIComponent(streamId)}`;
  }

  /**
   * §4 and RFC 8417 §2: verifies a SET's signature against the transmitter's
   * JWKS and its claims against what this receiver knows of the stream.
   */
  async check(jws: string, expected?: { aud: string | string[] }): Promise<CheckedSet> {
    const { payload } = await jwtVerify(jws, createLocalJWKSet(this.jwks), {
      typ: 'secevent+jwt',
      issuer: this.metadata.issuer,
      ...(expected ? { audience: expected.aud } : {}),
    });
    const claims = payload as Record<string, unknown>;
    assert.ok(typeof claims.jti === 'string' && claims.jti.length > 0, 'jti');
    assert.ok(typeof claims.iat === 'number', 'iat');
    assert.ok(claims.aud !== undefined, 'aud');
    const subId = claims.sub_id as { format?: string } | undefined;
    assert.ok(subId && typeof subId.format === 'string', 'SSF §3: a top-level sub_id with a format');
    const events = claims.events as Record<string, Record<string, unknown>>;
    const uris = Object.keys(events ?? {});
    assert.equal(uris.length, 1, 'SSF §4.1: one event per SET');
    return { jti: claims.jti as string, claims, event: uris[0] as string, payload: events[uris[0] as string] ?? {} };
  }

  /** Waits until a pushed SET satisfies `match`. */
  async waitForPushed(match: (set: CheckedSet) => boolean, timeoutMs = 20_000): Promise<CheckedSet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.pushed.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching SET pushed (got ${this.pushed.length}, refused ${this.refused.join('; ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** RFC 8936 §2.4: one poll, acknowledging `ack`; every returned SET is checked. */
  async poll(
    url: string,
    body: { ack?: string[]; maxEvents?: number; returnImmediately?: boolean },
    aud: string | string[],
  ) {
    const res = await this.call('POST', url, { returnImmediately: true, ...body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const sets = res.body.sets as Record<string, string>;
    const checked: CheckedSet[] = [];
    for (const [jti, jws] of Object.entries(sets)) {
      const set = await this.check(jws, { aud });
      assert.equal(set.jti, jti, 'RFC 8936: sets are keyed by their jti');
      checked.push(set);
    }
    return { sets: checked, moreAvailable: res.body.moreAvailable as boolean };
  }
}
