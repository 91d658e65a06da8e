// What test clients receive, and small promise tools, shared by every package's tests.
import { WAIT_MS, within } from "./waits.js";

/** A socket.io-client socket, as much of it as a Recorder uses (no dependency on socket.io-client here). */
export interface AnyEventSource {
  readonly id?: string | undefined;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  offAny(listener?: (event: string, ...args: unknown[]) => void): unknown;
}

/**
 * Records every event a client receives, so that a test can emit, then emit a "barrier" from the same server,
 * and once the client saw the barrier know exactly what it got before it (Redis and WebSockets keep the order).
 */
export class Recorder<S extends AnyEventSource = AnyEventSource> {
  readonly events: Array<[string, unknown[]]> = [];
  readonly socket: S;
  readonly #ignore: ReadonlySet<string>;

  readonly #listener = (event: string, ...args: unknown[]) => {
    if (!this.#ignore.has(event)) this.events.push([event, args]);
  };

  /** `ignore`: events of the test harness itself, left out of `events`. */
  constructor(socket: S, ignore: ReadonlySet<string> = new Set()) {
    this.socket = socket;
    this.#ignore = ignore;
    socket.onAny(this.#listener);
  }

  /** Stops recording. */
  stop(): void {
    this.socket.offAny(this.#listener);
  }

  /** Forgets what was recorded so far. */
  clear(): void {
    this.events.length = 0;
  }

  /** The events received before the barrier `id`, which it waits for; forgets them and the barrier. */
  async until(id: string, ms = WAIT_MS): Promise<Array<[string, unknown[]]>> {
    const seen = () => this.events.findIndex(([ev, args]) => ev === "barrier" && args[0] === id);
    let check: (() => void) | undefined;
    try {
      await within(
        new Promise<void>((resolve) => {
          check = () => {
            if (seen() >= 0) resolve();
          };
          this.socket.onAny(check);
          check();
        }),
        `barrier ${id} on client ${this.socket.id}`,
        ms,
      );
    } finally {
      if (check) this.socket.offAny(check);
    }
    const at = seen();
    const before = this.events.slice(0, at);
    this.events.splice(0, at + 1);
    return before;
  }
}

/** A promise and the function that resolves it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
