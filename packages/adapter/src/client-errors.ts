// Errors of the Redis clients: one listener per client, shared by every adapter using it. Having a listener keeps
// an `error` event from crashing the process; each adapter then re-emits it as its own `error` event, and when
// nobody listens anywhere we warn once instead of staying silent.
import type { RedisSeam } from "@sio-redis/transport";
import createDebug from "debug";

const debug = createDebug("sio-redis:adapter");

/** Told about every error of a client it watches. */
export interface ErrorSink {
  /** Returns true when someone took the error (an `error` listener on the adapter). */
  clientError(err: Error, role: string): boolean;
}

interface Watch {
  readonly sinks: Set<ErrorSink>;
  stop(): void;
  warned: boolean;
}

const watches = new WeakMap<RedisSeam, Watch>();

/** Routes `seam`'s `error` events to `sink` until the returned function is called. */
export function watchErrors(seam: RedisSeam, role: string, sink: ErrorSink): () => void {
  let watch = watches.get(seam);
  if (!watch) {
    const sinks = new Set<ErrorSink>();
    const current: Watch = {
      sinks,
      warned: false,
      stop: seam.onError((err) => {
        let taken = false;
        for (const s of sinks) taken = s.clientError(err, role) || taken;
        // ours is one listener; any other on the client is the application's
        if (taken || seam.errorListenerCount() > 1) return;
        if (current.warned) {
          debug("%s error: %s", role, err.message);
          return;
        }
        current.warned = true;
        console.warn(
          `sio-redis: Redis ${role} error: ${err.message}. Add an 'error' listener to the Redis client or to ` +
            `io.of("/").adapter; further errors are logged with DEBUG=sio-redis:adapter.`,
        );
      }),
    };
    watch = current;
    watches.set(seam, watch);
  }
  const { sinks } = watch;
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
    if (sinks.size === 0 && watches.get(seam) === watch) {
      watch.stop();
      watches.delete(seam);
    }
  };
}
