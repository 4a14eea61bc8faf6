/*
 * A slow disk for the benches: preloaded, every fsync and fdatasync of the
 * process sleeps SLOWSYNC_US microseconds after the real call, as a network
 * volume's flush would take. It reaches SQLite's own fsync (better-sqlite3
 * links libc's) and Node's fs.fdatasync alike, so both SQLite fsync modes
 * can be compared where fsync is slow (bench/RESULTS.md, session 12).
 *
 *   gcc -shared -fPIC -O2 -o /tmp/slow-fsync.so bench/slow-fsync.c -ldl
 *   SLOWSYNC_US=3000 LD_PRELOAD=/tmp/slow-fsync.so BENCH_ONLY=mixed node dist/bench/run.js
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void pause_after_sync(void) {
  const char *value = getenv("SLOWSYNC_US");
  long us = value ? atol(value) : 0;
  if (us <= 0) return;
  struct timespec t = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&t, 0);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  int result = real(fd);
  pause_after_sync();
  return result;
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  int result = real(fd);
  pause_after_sync();
  return result;
}
