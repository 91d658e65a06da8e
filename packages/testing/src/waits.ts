// Bounded waits for tests: every wait names what it waited for and gives up after a deadline.
//
// A wait's clock starts when it is called, so call it once the awaited thing can start: after the process is up
// (spawning one, with `tsx` compiling it, takes seconds on a busy machine), the server listening, the client
// connected. `listen()` attaches a listener at once and starts the clock later.

/**
 * The default bound: how long an in-process step (a Redis round trip, a subscription, a websocket message) may
 * take on a loaded 2-core CI machine, where test processes and Redis fight for the cores. A bound, not a delay:
 * a wait ends as soon as its thing happens.
 */
export const WAIT_MS = 10_000;

/** Rejects with a message naming `what` if `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Something with `once` (and maybe `off`): an EventEmitter, a socket.io socket, a child process. */
export interface EventSource {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A listener attached by {@link listen}, whose clock has not started yet. */
export interface Listening {
  /** The event's arguments: at once if it already came, else within `ms` from this call (then the listener goes). */
  within(ms?: number): Promise<unknown[]>;
  /** Removes the listener (when the event is no longer awaited). */
  stop(): void;
}

/**
 * Listens for the next `event` on `target` from now on, with no clock yet: call `.within(ms)` once the thing that
 * sends it has had its chance to start, e.g. after a spawned CLI exited, so that its start-up is not counted.
 *
 * @example
 * ```ts
 * const got = listen(client, "hello"); // before the CLI runs: the event may come before it exits
 * assert.equal((await runCli(["emit", "hello"])).code, 0);
 * assert.deepEqual(await got.within(3000), ["world"]); // the clock starts now
 * ```
 */
export function listen(target: EventSource, event: string): Listening {
  let listener: ((...args: unknown[]) => void) | undefined;
  const arrived = new Promise<unknown[]>((resolve) => {
    listener = (...args: unknown[]) => resolve(args);
    target.once(event, listener);
  });
  const stop = () => {
    if (listener) target.off?.(event, listener);
  };
  return {
    within: (ms = WAIT_MS) =>
      within(arrived, `event "${event}"`, ms).catch((err: unknown) => {
        stop();
        throw err;
      }),
    stop,
  };
}

/** The arguments of the next `event` on `target`, within `ms` from now; on timeout its listener is removed. */
export function next(target: EventSource, event: string, ms = WAIT_MS): Promise<unknown[]> {
  return listen(target, event).within(ms);
}

/** Polls `check` until it is true (for state only observable by asking); bounded by `ms`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
