/**
 * The demo's integrator: an HTTP receiver built on @tidings/sdk. Every push is
 * verified (Standard Webhooks signature, seed 004's header, and for SET pushes
 * the SET itself against the JWKS) and parsed with the SDK's parser of its
 * wire format; it answers 503 to the first push it is told to refuse.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type FormatName,
  jwks,
  parseEvent,
  TidingsSdkError,
  verifySet,
  verifyWebhook,
  type WebhookKey,
} from '@tidings/sdk';

export interface VerifiedPush {
  eventId: string;
  attempt: number;
  summary: string;
  format: FormatName;
}

export interface ReceiverOptions {
  now: () => Date;
  jwksUrl: string;
  /** One integrator system per path (`/uanataca`, ...): its wire format and the keys its pushes verify with. */
  systems: Record<string, { format: FormatName; keys: WebhookKey[] }>;
  /** Refuse (503) the first try of a push to this path? */
  refuseOnce(path: string): boolean;
  onPush(push: VerifiedPush): void;
  onRefused(eventId: string): void;
  onError(message: string): void;
}

function summary(format: FormatName, payload: unknown): string {
  switch (format) {
    case 'uanataca': {
      const e = parseEvent('uanataca', payload);
      return `${e.event_type}: request ${e.request.status}, ${e.certificates.length} certificate(s)`;
    }
    case 'onespan': {
      const e = parseEvent('onespan', payload);
      return `${e.trigger}: ${e.previous_status ?? '∅'} → ${e.status}`;
    }
    case 'reestro': {
      const e = parseEvent('reestro', payload);
      return 'signEvent' in e
        ? `signEvent ${e.signEvent.signState} for form ${e.certificateId}`
        : `certificateFormEvent ${e.certificateFormEvent.formState} for form ${e.certificateId}`;
    }
    case 'thales': {
      const e = parseEvent('thales', payload);
      return `${e.ImageId} ${e.ImageState}${e.RejectionCode ? ` (RejectionCode ${e.RejectionCode})` : ''}`;
    }
    default: {
      const e = parseEvent('native', payload);
      return `${e.type}`;
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startDemoReceiver(options: ReceiverOptions) {
  const keys = jwks(options.jwksUrl);
  const tries = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const eventId = String(req.headers['x-correlation-id'] ?? '');
    const attempt = (tries.get(eventId) ?? 0) + 1;
    tries.set(eventId, attempt);
    const system = options.systems[req.url ?? ''];
    if (!system) return res.writeHead(404).end();
    if (attempt === 1 && options.refuseOnce(req.url ?? '')) {
      options.onRefused(eventId);
      return res.writeHead(503, { 'retry-after': '1' }).end();
    }
    try {
      const now = () => options.now().getTime();
      const push = await verifyWebhook({ headers: req.headers, body }, system.keys, { now });
      const format = system.format;
      let text: string;
      if (format === 'set') {
        const set = await verifySet(String(push.payload), keys, { currentDate: options.now() });
        const claims = parseEvent('set', set.claims);
        text = `SET ${set.eventUri.slice(set.eventUri.lastIndexOf('/') + 1)} for ${claims.sub} (${set.header.alg} signature verified)`;
      } else text = summary(format, push.payload);
      options.onPush({ eventId, attempt, summary: text, format });
      res.writeHead(204).end();
    } catch (error) {
      const code = error instanceof TidingsSdkError ? error.code : 'error';
      options.onError(`${code}: ${(error as Error).message}`);
      res.writeHead(400).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
