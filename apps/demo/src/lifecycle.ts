// How every child process of the demo ends: on SIGTERM/SIGINT, or when its supervisor goes away (Ctrl-C on the
// launcher, a failed test), it runs its clean-up and exits; within 1 s in any case, since a Redis client still
// waiting for an answer must not keep it alive.

/**
 * Installs the stop handlers; call it first thing, so that a stop during startup is honoured too. Returns a
 * function that registers clean-up work (run in order, errors ignored).
 *
 * @example
 * ```ts
 * const onStop = exitOnStop();
 * onStop(() => redis.close());
 * ```
 */
export function exitOnStop(): (cleanup: () => unknown) => void {
  const cleanups: Array<() => unknown> = [];
  const stop = () => {
    setTimeout(() => process.exit(0), 1000).unref();
    const run = async () => {
      for (const cleanup of cleanups) {
        try {
          await cleanup();
        } catch {
          // already closed, or never opened: nothing left to clean
        }
      }
    };
    run().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.once("disconnect", stop);
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
