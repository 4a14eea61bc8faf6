import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Store } from '../storage/store.js';
import { generateApiKey, SCOPES } from '../tenants/api-key.js';

/** Creates a tenant with a first API key holding every scope; the key is returned once, only its hash is kept. */
export async function createTenantWithKey(store: Store, name: string) {
  const now = new Date();
  const tenant = { id: randomUUID(), name, createdAt: now.toISOString() };
  const { apiKey, record } = generateApiKey(tenant.id, 'initial', SCOPES, now);
  await store.createTenant(tenant, record);
  return { tenant, apiKey };
}

/**
 * Whether this process owns the terminal: `npm start &` puts it in a
 * background group, where reading the terminal would stop it (SIGTTIN).
 * Linux tells through /proc (process group beside the terminal's foreground
 * group); elsewhere the offer is made and a background start is the user's call.
 */
export function inForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after the name: state, ppid, pgrp, session, tty_nr, tpgid
    return fields[2] === fields[5];
  } catch {
    return true;
  }
}

/**
 * On a terminal with no tenant yet, `tidings serve` asks for a name and
 * creates the first tenant and key, so a newcomer needs no second command.
 * Enter alone skips; Ctrl+C still stops the server.
 */
export async function offerFirstTenant(store: Store): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  rl.on('SIGINT', () => {
    process.stdout.write('\n');
    rl.close();
    process.kill(process.pid, 'SIGINT');
  });
  try {
    const answer = await rl.question('No tenant yet. Name one to create it with an API key (Enter skips): ');
    const name = answer.trim();
    if (name === '') return;
    if (name.length > 200) {
      process.stdout.write(
        'A tenant name has 1-200 characters; create one later with npx tidings tenants create NAME\n',
      );
      return;
    }
    const { tenant, apiKey } = await createTenantWithKey(store, name);
    process.stdout.write(
      `tenant id: ${tenant.id}\napi key:   ${apiKey}\n(the key is shown once; store it now, e.g. export KEY=${apiKey})\n`,
    );
  } catch (error) {
    // stdin closed (Ctrl+D) ends the offer, not the server
    if ((error as { code?: string }).code !== 'ABORT_ERR') throw error;
  } finally {
    rl.close();
  }
}
