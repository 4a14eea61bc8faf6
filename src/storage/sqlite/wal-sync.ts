import { closeSync, fdatasync, fstatSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** `fs.fdatasync`'s shape: tests pass one that holds the sync until they let it go. */
export type DataSync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Makes a SQLite WAL file durable off the event loop. The store commits a
 * batch with `synchronous = NORMAL` (the frames reach the WAL file, no
 * fsync) and then asks for `sync()`: an `fdatasync` of the WAL file on
 * libuv's thread pool, which covers every frame written before it started.
 * That is the fsync `synchronous = FULL` would have made inside COMMIT, moved
 * out of the event loop, so pushes and requests keep running while it takes
 * its milliseconds, and every commit that arrives meanwhile joins the next.
 *
 * SQLite syncs the WAL itself before each checkpoint copies it into the
 * database file (NORMAL does that too), so a checkpoint that overtakes this
 * sync has already made the frames durable; fdatasync covers the WAL's size
 * and header as well. The descriptor is checked against the path on every
 * sync: should the file ever be replaced, the new one is opened (and its
 * directory entry synced) instead of syncing a file SQLite no longer writes.
 */
export class WalSync {
  private fd: number | null = null;
  private inode = -1;

  constructor(
    private readonly walPath: string,
    private readonly dataSync: DataSync = fdatasync,
  ) {}

  /** Resolves once every write made to the WAL file before the call is on disk. */
  sync(): Promise<void> {
    let fd: number;
    try {
      fd = this.descriptor();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.dataSync(fd, (error) => (error ? reject(error) : resolve())));
  }

  /** The WAL file's descriptor, reopened when the path names another file than the one open. */
  private descriptor(): number {
    const inode = statSync(this.walPath).ino;
    if (this.fd !== null && inode === this.inode) return this.fd;
    this.close();
    this.fd = openSync(this.walPath, 'r');
    this.inode = fstatSync(this.fd).ino;
    // a new file is durable only once its directory entry is
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.inode = -1;
  }
}
