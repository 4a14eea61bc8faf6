import type { EndpointRecord } from '../delivery/endpoint.js';
import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import { mapSecrets } from '../delivery/storage/sealed-delivery-store.js';
import type { Store } from '../storage/store.js';
import { privateKeyRow } from './generate-signing-key.js';
import type { KeyStorage } from './key-storage.js';
import type { RowIdentity, SecretSealer } from './secret-sealer.js';

export interface ReencryptCounts {
  /** Values sealed anew under the current key (older key, older format, or stored unsealed). */
  reencrypted: number;
  /** Values already sealed under the current key, left as they were. */
  unchanged: number;
}

export interface ReencryptReport {
  keyId: string;
  signingKeys: ReencryptCounts;
  endpointSecrets: ReencryptCounts;
}

/** Endpoints read per page. */
const PAGE = 200;

/**
 * Seals every stored secret under the sealer's current key: signing keys'
 * private halves and endpoints' secrets and credentials. Each value is opened
 * with whichever configured key sealed it (or read as stored, when it was
 * unsealed or in the format before key ids) and sealed again for its own row.
 * A value already under the current key is left alone, so a second run
 * changes nothing; a value that opens with no configured key stops the run
 * with its SealError before anything of its row is written.
 */
export async function reencryptSecrets(deps: {
  sealer: SecretSealer;
  store: Store;
  keys: KeyStorage;
  /** The backend's own store, not the sealing wrapper: it reads and writes the stored (sealed) values. */
  deliveries: DeliveryStore;
}): Promise<ReencryptReport> {
  const { sealer, store, keys, deliveries } = deps;
  const keyId = sealer.currentKeyId;
  if (keyId === null) throw new TypeError('no key encryption key is configured to re-encrypt under');
  const reseal = async (value: string, at: RowIdentity, counts: ReencryptCounts, unsealed?: (t: string) => string) => {
    if (sealer.isCurrent(value)) {
      counts.unchanged++;
      return value;
    }
    counts.reencrypted++;
    return sealer.seal(await sealer.open(value, at), at, unsealed);
  };

  const signingKeys: ReencryptCounts = { reencrypted: 0, unchanged: 0 };
  for (const key of await keys.listKeys()) {
    const before = signingKeys.reencrypted;
    const sealed = await reseal(key.privateKey, privateKeyRow(key.kid), signingKeys);
    if (signingKeys.reencrypted > before) await keys.updatePrivateKey(key.kid, sealed);
  }

  const endpointSecrets: ReencryptCounts = { reencrypted: 0, unchanged: 0 };
  for (const tenant of await store.listTenants()) {
    let after: string | undefined;
    for (;;) {
      const page: EndpointRecord[] = await deliveries.listEndpoints(tenant.id, {
        ...(after !== undefined ? { after } : {}),
        limit: PAGE,
      });
      for (const endpoint of page) {
        const before = endpointSecrets.reencrypted;
        const resealed = await mapSecrets(endpoint, (value, at) => reseal(value, at, endpointSecrets));
        if (endpointSecrets.reencrypted > before) await deliveries.updateEndpoint(resealed);
      }
      if (page.length < PAGE) break;
      after = page.at(-1)?.id;
    }
  }
  return { keyId, signingKeys, endpointSecrets };
}
