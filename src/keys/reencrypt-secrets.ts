import type { EndpointRecord } from '../delivery/endpoint.js';
import type { DeliveryStore } from '../delivery/storage/delivery-store.js';
import { mapSecrets, tokenRow } from '../delivery/storage/sealed-delivery-store.js';
import type { Store } from '../storage/store.js';
import type { DestinationKeyStorage } from './destination-key-storage.js';
import { destinationKeyRow } from './destination-keys.js';
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
  /** FIT-Connect destinations' private keys (`destination_keys`). */
  destinationKeys: ReencryptCounts;
  endpointSecrets: ReencryptCounts;
  /** The OAuth 2.0 access tokens workers share (`endpoint_tokens`). */
  endpointTokens: ReencryptCounts;
}

/** Endpoints read per page. */
const PAGE = 200;

/**
 * Seals every stored secret under the sealer's current key: signing keys' and
 * destination keys' private halves, endpoints' secrets and credentials, and
 * the OAuth 2.0 access tokens workers share. Each value is opened
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
  destinationKeys: DestinationKeyStorage;
  /** The backend's own store, not the sealing wrapper: it reads and writes the stored (sealed) values. */
  deliveries: DeliveryStore;
}): Promise<ReencryptReport> {
  const { sealer, store, keys, destinationKeys, deliveries } = deps;
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

  const destinationCounts: ReencryptCounts = { reencrypted: 0, unchanged: 0 };
  for (const { tenantId, key } of await destinationKeys.listAllKeys()) {
    const before = destinationCounts.reencrypted;
    const sealed = await reseal(key.privateKey, destinationKeyRow(tenantId, key.kid), destinationCounts);
    if (destinationCounts.reencrypted > before) await destinationKeys.updatePrivateKey(tenantId, key.kid, sealed);
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

  const endpointTokens: ReencryptCounts = { reencrypted: 0, unchanged: 0 };
  for (const token of await deliveries.listTokens()) {
    const before = endpointTokens.reencrypted;
    const sealed = await reseal(token.accessToken, tokenRow(token.endpointId), endpointTokens);
    if (endpointTokens.reencrypted > before) await deliveries.updateTokenValue(token.endpointId, sealed);
  }
  return { keyId, signingKeys, destinationKeys: destinationCounts, endpointSecrets, endpointTokens };
}
