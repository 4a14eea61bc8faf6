/** The demo's story: one subject of each seed system through its life, each push verified as it arrives. */
import { type CloudEvent, jwks, verifySetLog } from '@tidings/sdk';
import { apiCaller, startIntegrator } from './demo-integrator.js';
import type { startDemoReceiver } from './demo-receiver.js';

export interface StoryContext {
  url: string;
  apiKey: string;
  clock: { now(): Date; jump(ms: number): void };
  /** Events the SDK feed consumer has read so far. */
  seen: CloudEvent[];
  say(line?: string): void;
  startReceiver: typeof startDemoReceiver;
}

const DAY_MS = 86_400_000;
const TAGS = { authenticationTags: { metadata: 'bWV0YWRhdGEtdGFn', data: 'ZGF0YS10YWc' } };
const CONTENT = (contentType: string, md5: string) => ({ contentId: crypto.randomUUID(), contentType, md5 });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function tellStory(ctx: StoryContext): Promise<{ ok: boolean; close(): Promise<void> }> {
  const { url, apiKey, clock, seen, say } = ctx;
  const call = apiCaller(url, apiKey);

  const { verified, problems, receiver } = await startIntegrator({
    url,
    call,
    clock,
    say,
    startReceiver: ctx.startReceiver,
  });

  /** Runs one step and waits until the feed shows what it caused and every one of those events was pushed and verified. */
  async function step(label: string, action: () => Promise<unknown>) {
    say(`  → ${label}`);
    const before = seen.length;
    await action();
    const deadline = Date.now() + 30_000;
    let count = -1;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      if (seen.length !== count) {
        count = seen.length;
        stableSince = Date.now();
      }
      const fresh = seen.slice(before);
      if (fresh.length > 0 && Date.now() - stableSince > 300 && fresh.every((e) => verified.has(e.id))) return;
      await sleep(50);
    }
    problems.push(`the pushes of "${label}" did not all arrive verified`);
    say(`      ✗ timed out waiting for the pushes of this step`);
  }
  const post = (path: string, body: unknown) => () => call('POST', path, body);

  say();
  say('1. Uanataca VideoID: a certificate request from video identification to an issued certificate');
  await step(
    'the request is created (REQUEST_CREATED)',
    post('/v1/subjects', { workflow: 'videoid-request', id: 'req-2026-001' }),
  );
  await step(
    'the applicant finished the video (VIDEOID_UPDATED)',
    post('/v1/subjects/req-2026-001/events', { type: 'VIDEOID_UPDATED', to: 'VIDEOREVIEW' }),
  );
  await step(
    'the registration officer approves (REQUEST_APPROVED)',
    post('/v1/subjects/req-2026-001/events', { type: 'REQUEST_APPROVED' }),
  );
  await step(
    'the certificate is issued (REQUEST_ENROLLED, one certificate)',
    post('/v1/subjects/req-2026-001/events', {
      type: 'REQUEST_ENROLLED',
      data: {
        certificates: [{ serial_number: '5A3F00C1', valid_from: '20260115 10:00:00', valid_to: '20280115 10:00:00' }],
      },
    }),
  );

  say();
  say('2. OneSpan IDV: a transaction, whose first push meets a receiver outage');
  await step(
    'the transaction is created (the receiver is down)',
    post('/v1/subjects', { workflow: 'idv-transaction', id: 'tx-2026-001' }),
  );
  await step('the signer starts the workflow', post('/v1/subjects/tx-2026-001/events', { type: 'workflow-started' }));
  await step('the workflow completes', post('/v1/subjects/tx-2026-001/events', { type: 'workflow-completed' }));
  await step('post-processing', post('/v1/subjects/tx-2026-001/events', { type: 'post-processing-started' }));
  await step('the transaction completes', post('/v1/subjects/tx-2026-001/events', { type: 'transaction-completed' }));

  say();
  say('3. FIT-Connect: a submission nobody picks up, rejected by its 14-day timer');
  await step('a case is opened', post('/v1/subjects', { workflow: 'fit-case', id: 'case-2026-001' }));
  await step(
    'a submission is created in it',
    post('/v1/subjects', { workflow: 'fit-submission', id: 'sub-2026-001', parentId: 'case-2026-001' }),
  );
  await step(
    'the sender submits it (submit-submission)',
    post('/v1/subjects/sub-2026-001/events', { type: 'submit-submission', data: TAGS }),
  );
  await step('⏩ the clock jumps 14 days: the timer rejects the submission', async () =>
    clock.jump(14 * DAY_MS + 1000),
  );

  say();
  say('4. Reestro crypto API: a certificate form with a validation error, corrected, released and signed');
  await step('the form is created', post('/v1/subjects', { workflow: 'crypto-certificate-form', id: 'form-2026-001' }));
  await step(
    'validation fails',
    post('/v1/subjects/form-2026-001/events', {
      type: 'form-validation-failed',
      data: { errors: [{ code: 'WrongFieldValue', message: 'snils has 10 digits, 11 expected', target: 'snils' }] },
    }),
  );
  await step('the form is corrected', post('/v1/subjects/form-2026-001/events', { type: 'form-corrected' }));
  await step(
    'the certificate is released',
    post('/v1/subjects/form-2026-001/events', {
      type: 'form-released',
      data: {
        certificate: CONTENT('cer', '0123456789ABCDEF0123456789ABCDEF'),
        receipt: CONTENT('pdf', 'FEDCBA9876543210FEDCBA9876543210'),
      },
    }),
  );
  await step(
    'a document is signed with it',
    post('/v1/subjects', {
      workflow: 'crypto-signature',
      id: 'sig-2026-001',
      parentId: 'form-2026-001',
      attributes: { signedFiles: { signatures: [CONTENT('sig', '00112233445566778899AABBCCDDEEFF')] } },
    }),
  );

  say();
  say('5. Thales image checking: a custom card image rejected, a gallery image accepted at once');
  await step(
    'a custom image is submitted (Pending)',
    post('/v1/subjects', {
      workflow: 'image-check',
      id: 'IMG-2026-001',
      attributes: { ImageType: 'Custom', Orientation: 'Horizontal' },
    }),
  );
  await step(
    'the checker rejects it (code 12)',
    post('/v1/subjects/IMG-2026-001/events', { type: 'image-rejected', data: { RejectionCode: '12' } }),
  );
  await step(
    'a gallery image is submitted (accepted without a check)',
    post('/v1/subjects', {
      workflow: 'image-check',
      id: 'IMG-2026-002',
      attributes: { ImageType: 'Gallery', Orientation: 'Vertical' },
    }),
  );

  say();
  say("Every subject's SET log, verified with the SDK (each log trusted only if all its SETs verify):");
  const keys = jwks(`${url}/.well-known/jwks.json`);
  const subjects = [...new Set(seen.map((e) => e.subject))];
  let sets = 0;
  for (const id of subjects) {
    const log = (await call('GET', `/v1/subjects/${encodeURIComponent(id)}/events?limit=500`)) as {
      eventLog: string[];
    };
    try {
      const verifiedLog = await verifySetLog(log.eventLog, keys, { currentDate: clock.now() });
      sets += verifiedLog.length;
      say(
        `  ✓ ${id.padEnd(36)} ${verifiedLog.length} SETs (${[...new Set(verifiedLog.map((s) => s.header.alg))].join(', ')})`,
      );
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
      say(`  ✗ ${id}: ${(error as Error).message}`);
    }
  }
  say();
  say(
    `${seen.length} events, ${verified.size} pushes verified (one after a retry), ${sets} SETs verified, ` +
      `${problems.length === 0 ? 'no problems' : `${problems.length} problem(s)`}.`,
  );
  return { ok: problems.length === 0 && verified.size === seen.length, close: receiver.close };
}
