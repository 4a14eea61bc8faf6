/**
 * The body of the checkpoint thread (`background-checkpoints.ts`): its own
 * connection to the database file, which copies the WAL back into the file
 * whenever another connection has committed since its last look.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Settings {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as Settings;
const db = new Database(path);
db.pragma('busy_timeout = 1000');
// A checkpoint syncs the WAL before copying it and the file after, whatever this level (NORMAL or FULL).
db.pragma('synchronous = FULL');
let seen = -1;

function checkpoint(): void {
  // data_version moves when another connection commits: idle databases cost no checkpoint, no fsync.
  const version = db.pragma('data_version', { simple: true }) as number;
  if (version === seen) return;
  // PASSIVE: copies what it can without waiting for, or blocking, the writer and readers.
  db.pragma('wal_checkpoint(PASSIVE)');
  seen = version; // only once it went through: a failed checkpoint is tried again next time
}

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (error) {
    // SQLITE_BUSY and the like: the writer's own checkpoints are the safety net; try again next time.
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}, intervalMs);

parentPort?.on('message', (message: { op: 'stop' }) => {
  if (message.op !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage({ stopped: true });
});
