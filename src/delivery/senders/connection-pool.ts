import type { EndpointRecord } from '../endpoint.js';

interface Entry<C> {
  version: number;
  connection: Promise<C>;
}

/**
 * One broker connection per destination endpoint, opened on its first push
 * and reused by every later one (as the push client keeps one undici Agent
 * per endpoint). A changed endpoint (`updatedAt`) gets a new connection; a
 * connection that failed is dropped so the next try reconnects.
 */
export class ConnectionPool<C> {
  private readonly entries = new Map<string, Entry<C>>();

  constructor(
    private readonly open: (endpoint: EndpointRecord) => Promise<C>,
    private readonly shut: (connection: C) => Promise<void>,
  ) {}

  get(endpoint: EndpointRecord): Promise<C> {
    const cached = this.entries.get(endpoint.id);
    if (cached && cached.version === endpoint.updatedAt) return cached.connection;
    if (cached) this.discard(cached);
    const connection = this.open(endpoint);
    const entry = { version: endpoint.updatedAt, connection };
    this.entries.set(endpoint.id, entry);
    // a connection that could not be opened is forgotten at once: the next try opens a new one
    connection.catch(() => {
      if (this.entries.get(endpoint.id) === entry) this.entries.delete(endpoint.id);
    });
    return connection;
  }

  /** Forgets and closes the endpoint's connection after a failed publish (it may be half-dead). */
  drop(endpoint: EndpointRecord): void {
    const cached = this.entries.get(endpoint.id);
    if (!cached) return;
    this.entries.delete(endpoint.id);
    this.discard(cached);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(entries.map(async (e) => this.shut(await e.connection)));
  }

  private discard(entry: Entry<C>): void {
    entry.connection.then((c) => this.shut(c)).catch(() => {});
  }
}
