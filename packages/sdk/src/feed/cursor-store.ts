/**
 * Where a consumer keeps its place: the id of the last event it handled.
 * `save` is awaited after each handled event, so a crash replays at most the
 * event in hand (at-least-once). Implement it over any store (a database row,
 * KV, localStorage); `fileCursorStore` from `@tidings/sdk/node` writes a file.
 */
export interface CursorStore {
  load(): Promise<string | null>;
  save(cursor: string): Promise<void>;
}

/**
 * A cursor kept in memory only: the consumer starts from `initial` again after a restart.
 *
 * @example
 * ```ts
 * const cursorStore = memoryCursorStore();
 * for await (const event of feed({ url, apiKey, cursorStore })) console.log(event.type);
 * ```
 */
export function memoryCursorStore(initial: string | null = null): CursorStore & { readonly cursor: string | null } {
  let cursor = initial;
  return {
    get cursor() {
      return cursor;
    },
    load: async () => cursor,
    save: async (next) => {
      cursor = next;
    },
  };
}
