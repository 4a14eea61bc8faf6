import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals private keys for storage. With a 32-byte key: AES-256-GCM, stored as
 * `aes256gcm:<iv>.<tag>.<ciphertext>` (base64url). Without one: the PEM as is,
 * marked `pem:`, so a later start with a key can still read older rows.
 */
export class PrivateKeyBox {
  constructor(private readonly key: Buffer | null = null) {
    if (key !== null && key.length !== 32) throw new TypeError('the private key encryption key must be 32 bytes');
  }

  get encrypts(): boolean {
    return this.key !== null;
  }

  seal(pem: string): string {
    if (this.key === null) return `pem:${pem}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
    return `aes256gcm:${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
  }

  open(sealed: string): string {
    if (sealed.startsWith('pem:')) return sealed.slice(4);
    if (!sealed.startsWith('aes256gcm:')) throw new Error('unknown private key encoding');
    if (this.key === null) throw new Error('a signing key is encrypted but no encryption key is configured');
    const [iv, tag, body] = sealed
      .slice('aes256gcm:'.length)
      .split('.')
      .map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body) throw new Error('malformed encrypted private key');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}
