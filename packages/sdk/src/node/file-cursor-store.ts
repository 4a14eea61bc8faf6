import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CursorStore } from '../feed/cursor-store.js';

/**
 * A cursor kept in a file (Node, Bun, Deno with Node compatibility). Each save
 * writes a temporary file and renames it over the old one, so a crash leaves
 * the old cursor or the new one, never half of one.
 *
 * @example
 * ```ts
 * for await (const event of feed({ url, apiKey, cursorStore: fileCursorStore('./tidings.cursor') })) { ... }
 * ```
 */
export function fileCursorStore(path: string): CursorStore {
  const temporary = `${path}.tmp`;
  return {
    async load() {
      try {
        const text = (await readFile(path, 'utf8')).trim();
        return text === '' ? null : text;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async save(cursor) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, cursor);
      await rename(temporary, path);
    },
  };
}
