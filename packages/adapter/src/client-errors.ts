// Errors of the Redis clients: one listener per client, shared by every adapter using it. Having a listener keeps
// an `error` event from crashing the process. A client that cannot reach Redis raises an error at every attempt
// to reconnect: each adapter is told of the first one of an outage (and re-emits it as its own `error` event),
// later ones are only counted until the client is ready again. When nobody listens anywhere we warn once.
import { describeError, type RedisSeam, toError } from "@sio-redis/transport";
import createDebug from "debug";

const debug = createDebug("sio-redis:adapter");

/** Told about every error of a client it watches. */
export interface ErrorSink {
  /**
   * `repeat`: the client has failed before without being ready since (count it, do not report it again).
   * Returns true when someone took the error (an `error` listener on the adapter).
   */
  clientError(err: Error, role: string, repeat: boolean): boolean;
}

interface Watch {
  readonly sinks: Set<ErrorSink>;
  stop(): void;
  warned: boolean;
}

const watches = new WeakMap<RedisSeam, Watch>();

/** Errors this far apart belong to two outages. */
const QUIET_MS = 30_000;

/** Routes `seam`'s `error` events to `sink` until the returned function is called. */
export function watchErrors(seam: RedisSeam, role: string, sink: ErrorSink): () => void {
  let watch = watches.get(seam);
  if (!watch) {
    const sinks = new Set<ErrorSink>();
    let failing = false;
    let lastError = 0;
    const stopReady = seam.onReady(() => {
      failing = false;
    });
    const stopError = seam.onError((raw) => {
      // a client that reconnects without a `ready` event (a node-redis cluster) ends an outage by going quiet
      const repeat = failing && Date.now() - lastError < QUIET_MS;
      failing = true;
      lastError = Date.now();
      // node-redis reports a refused `localhost` with an empty message
      const err = raw.message === "" ? Object.assign(toError(raw), { message: describeError(raw) }) : raw;
      let taken = false;
      for (const s of sinks) taken = s.clientError(err, role, repeat) || taken;
      // ours is one listener; any other on the client is the application's
      if (taken || repeat || seam.errorListenerCount() > 1) return;
      if (current.warned) {
        debug("%s error: %s", role, err.message);
        return;
      }
      current.warned = true;
      console.warn(
        `sio-redis: Redis ${role} error: ${err.message}. Add an 'error' listener to the Redis client or to ` +
          `io.of("/").adapter; further errors are logged with DEBUG=sio-redis:adapter.`,
      );
    });
    const current: Watch = {
      sinks,
      warned: false,
      stop: () => {
        stopReady();
        stopError();
      },
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
