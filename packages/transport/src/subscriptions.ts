// The channels and patterns of one subscriber connection, shared by every adapter (one per namespace) and
// emitter using it. Handlers are counted per name, so that one user leaving does not cut off another, and the
// (un)subscriptions of one tick go to Redis as one command each: joining 1000 rooms costs one SUBSCRIBE.
import createDebug from "debug";
import { SioRedisError } from "./errors.js";
import { quiet } from "./promises.js";
import { wrapRedisClient } from "./redis-client.js";
import type { RedisSeam, SeamOptions } from "./seam.js";

const debug = createDebug("sio-redis:transport");

/** Gets the messages of one channel (or, for a pattern, of every channel it matches), as bytes. */
export type MessageHandler = (channel: string, message: Buffer) => void;

/** Names per SUBSCRIBE command: keeps one command's reply (one entry per name) of reasonable size. */
const MAX_NAMES_PER_COMMAND = 1000;

/**
 * One kind of name (channels or patterns): the handlers per name and what changed since the last flush. A handler
 * is counted per name: two rooms whose names become the same channel (say "\uD800" and "\uFFFD", both sent as
 * EF BF BD) hold it twice, and the channel stays until both let go.
 */
class Registry {
  readonly handlers = new Map<string, Map<MessageHandler, number>>();
  /** Names touched since the last flush (a handler added to a new name, or a name's last handler removed). */
  readonly changes = new Set<string>();
  /** Names Redis has (or is being asked for): subscribed, not unsubscribed since, nor lost with a connection. */
  readonly active = new Set<string>();
  /** SUBSCRIBEs sent and not yet answered, by name. */
  readonly inFlight = new Map<string, Promise<void>>();

  add(name: string, handler: MessageHandler): void {
    let counts = this.handlers.get(name);
    if (!counts) {
      counts = new Map();
      this.handlers.set(name, counts);
      this.changes.add(name);
    }
    counts.set(handler, (counts.get(handler) ?? 0) + 1);
  }

  remove(name: string, handler: MessageHandler): void {
    const counts = this.handlers.get(name);
    const count = counts?.get(handler);
    if (!counts || count === undefined) return;
    if (count > 1) {
      counts.set(handler, count - 1);
      return;
    }
    counts.delete(handler);
    if (counts.size > 0) return;
    this.handlers.delete(name);
    this.changes.add(name);
  }

  /** True when `name` has handlers and its SUBSCRIBE has not been sent yet. */
  pending(name: string): boolean {
    return this.changes.has(name) && this.handlers.has(name) && !this.active.has(name);
  }

  settle(names: readonly string[], command: Promise<void>): void {
    for (const name of names) if (this.inFlight.get(name) === command) this.inFlight.delete(name);
  }

  /** Names whose SUBSCRIBE failed: the next flush asks again. */
  retry(names: readonly string[]): void {
    for (const name of names) {
      this.active.delete(name);
      if (this.handlers.has(name)) this.changes.add(name);
    }
  }

  /**
   * After a reconnection every name is asked again. The client library restores what it was subscribed to,
   * including names let go while the connection was down (their UNSUBSCRIBE was held back): those stay active,
   * so that the next flush unsubscribes them.
   */
  resubscribeAll(): void {
    this.changes.clear();
    for (const name of this.active) if (!this.handlers.has(name)) this.changes.add(name);
    for (const name of this.handlers.keys()) {
      this.active.delete(name);
      this.changes.add(name);
    }
  }

  /**
   * What to send, from the state Redis should be in and the state it is in: a name added and removed in one turn,
   * or removed and added again, costs nothing.
   */
  take(): { on: string[]; off: string[] } {
    const on: string[] = [];
    const off: string[] = [];
    for (const name of this.changes) {
      const wanted = this.handlers.has(name);
      if (wanted && !this.active.has(name)) {
        on.push(name);
        this.active.add(name);
      } else if (!wanted && this.active.has(name)) {
        off.push(name);
        this.active.delete(name);
      }
    }
    this.changes.clear();
    return { on, off };
  }
}

function chunks(names: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < names.length; i += MAX_NAMES_PER_COMMAND) out.push(names.slice(i, i + MAX_NAMES_PER_COMMAND));
  return out;
}

/**
 * The subscriptions of one subscriber connection. Get it with {@link subscriptionsOf}.
 *
 * @example
 * ```ts
 * const subs = subscriptionsOf(subClient);
 * await subs.subscribe(["socket.io-request#/#"], (channel, message) => handle(message));
 * ```
 */
export class Subscriptions {
  readonly seam: RedisSeam;
  readonly #channels = new Registry();
  readonly #patterns = new Registry();
  #flush: Promise<void> | undefined;
  #epoch = 0;
  #nextReady: Promise<void> | undefined;

  constructor(seam: RedisSeam) {
    this.seam = seam;
    seam.listen({
      message: (channel, message) => this.#dispatch(this.#channels.handlers.get(channel), channel, message),
      pmessage: (pattern, channel, message) => this.#dispatch(this.#patterns.handlers.get(pattern), channel, message),
    });
    // The client libraries restore their subscriptions after a reconnection. Asking again on every `ready` costs one
    // command and also covers names whose SUBSCRIBE was lost with the connection; Redis ignores repeats.
    seam.onReady(() => {
      this.#epoch++;
      const { size } = this.#channels.handlers;
      debug("connection ready: subscribing to %d channels, %d patterns", size, this.#patterns.handlers.size);
      this.#channels.resubscribeAll();
      this.#patterns.resubscribeAll();
      quiet(this.#schedule());
    });
  }

  /**
   * Counts the connection's `ready` events. Whatever was published to this connection's channels while it was
   * down is lost to it: a request sent under one epoch and still pending under another may have lost answers.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Resolves once the connection is ready and every one of `channels` that has a handler is subscribed (its
   * SUBSCRIBE confirmed by Redis). Rejects when the application closed the connection.
   */
  async ready(channels: Iterable<string>): Promise<void> {
    const names = [...channels];
    for (;;) {
      const state = this.seam.state();
      if (state === "closed") throw new SioRedisError("CLOSED", "the subscriber connection is closed");
      if (state === "ready") {
        const pending = this.whenSubscribed(names);
        if (!pending) return;
        await pending;
        continue; // it may have gone down meanwhile
      }
      await this.#afterReady();
    }
  }

  /** Channels with at least one handler. */
  get channelCount(): number {
    return this.#channels.handlers.size;
  }

  /**
   * Resolves once Redis has confirmed the SUBSCRIBE of each of `channels` that is queued or on its way;
   * `undefined` when there is none. Never rejects: a failed SUBSCRIBE is retried later.
   */
  whenSubscribed(channels: Iterable<string>): Promise<void> | undefined {
    const waits: Array<Promise<void>> = [];
    for (const name of channels) {
      if (this.#channels.pending(name)) waits.push(this.#schedule());
      const sent = this.#channels.inFlight.get(name);
      if (sent) waits.push(sent);
    }
    return waits.length === 0 ? undefined : Promise.allSettled(waits).then(() => undefined);
  }

  /** Adds `handler` to each channel; resolves once Redis confirmed the batch this went into. */
  subscribe(channels: Iterable<string>, handler: MessageHandler): Promise<void> {
    return this.#change(this.#channels, channels, handler, true);
  }

  /** Removes `handler`; channels left without handlers are unsubscribed in the next batch. */
  unsubscribe(channels: Iterable<string>, handler: MessageHandler): Promise<void> {
    return this.#change(this.#channels, channels, handler, false);
  }

  /** Like {@link subscribe}, for patterns (PSUBSCRIBE): the handler gets the matching channel's name. */
  psubscribe(patterns: Iterable<string>, handler: MessageHandler): Promise<void> {
    return this.#change(this.#patterns, patterns, handler, true);
  }

  punsubscribe(patterns: Iterable<string>, handler: MessageHandler): Promise<void> {
    return this.#change(this.#patterns, patterns, handler, false);
  }

  #change(registry: Registry, names: Iterable<string>, handler: MessageHandler, add: boolean): Promise<void> {
    for (const name of names) {
      if (add) registry.add(name, handler);
      else registry.remove(name, handler);
    }
    return this.#schedule();
  }

  /**
   * The promise of the next flush. It runs after the current turn of the event loop, so that the rooms of every
   * connection accepted in one turn (not only in one call) share a command.
   */
  #schedule(): Promise<void> {
    if (!this.#flush) {
      this.#flush = quiet(
        new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          this.#flush = undefined;
          return this.#send();
        }),
      );
    }
    return this.#flush;
  }

  async #send(): Promise<void> {
    const state = this.seam.state();
    // A connection that is down gets everything again on its next `ready`: sending now would only queue commands
    // in the client (ioredis Cluster even fails its own ready check on a SUBSCRIBE sent while handshaking).
    if (state === "down") return this.#afterReady();
    const channels = this.#channels.take();
    const patterns = this.#patterns.take();
    // a client the application closed never answers: there is nothing to (un)subscribe any more
    if (state === "closed") return;
    const { seam } = this;
    const commands: Array<Promise<void>> = [];
    const send = (registry: Registry, names: string[], command: (chunk: string[]) => Promise<void>, on: boolean) => {
      for (const chunk of chunks(names)) {
        const sent = command(chunk);
        if (on) {
          for (const name of chunk) registry.inFlight.set(name, sent);
          sent.then(
            () => registry.settle(chunk, sent),
            () => {
              registry.settle(chunk, sent);
              // a refused or lost SUBSCRIBE is asked again at the next change or reconnection
              registry.retry(chunk);
            },
          );
        }
        commands.push(sent);
      }
    };
    // unsubscribes first: a name dropped in an earlier tick and wanted again is subscribed after, in order
    send(this.#channels, channels.off, (chunk) => seam.unsubscribe(chunk), false);
    send(this.#patterns, patterns.off, (chunk) => seam.punsubscribe(chunk), false);
    send(this.#channels, channels.on, (chunk) => seam.subscribe(chunk), true);
    send(this.#patterns, patterns.on, (chunk) => seam.psubscribe(chunk), true);
    if (commands.length === 0) return;
    debug(
      "subscribe %d, unsubscribe %d channels; psubscribe %d, punsubscribe %d patterns",
      channels.on.length,
      channels.off.length,
      patterns.on.length,
      patterns.off.length,
    );
    const results = await Promise.allSettled(commands);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** The flush that follows the connection's next `ready` (the constructor's listener queues it first). */
  #afterReady(): Promise<void> {
    // one listener however many flushes wait (churn during an outage must not pile up listeners on the client)
    this.#nextReady ??= new Promise<void>((resolve) => {
      const stop = this.seam.onReady(() => {
        stop();
        this.#nextReady = undefined;
        resolve();
      });
    });
    return this.#nextReady.then(() => this.#schedule());
  }

  #dispatch(handlers: Map<MessageHandler, number> | undefined, channel: string, message: Buffer): void {
    if (!handlers) return; // someone else's channel on a shared connection, or one just dropped
    for (const handler of handlers.keys()) {
      try {
        handler(channel, message);
      } catch (err) {
        // a handler's bug must not reach the Redis client's event loop (nor skip the other handlers)
        debug("handler for %s threw: %s", channel, (err as Error).message);
      }
    }
  }
}

const registry = new WeakMap<object, Subscriptions>();

/**
 * The {@link Subscriptions} of a subscriber connection (a node-redis or ioredis client), created on first use:
 * everything subscribed through the same client shares it. Throws a TypeError for anything else.
 */
export function subscriptionsOf(client: unknown, options: SeamOptions = {}): Subscriptions {
  const seam = wrapRedisClient(client, options); // checks the client's shape first
  let subs = registry.get(client as object);
  if (!subs) {
    subs = new Subscriptions(seam);
    registry.set(client as object, subs);
  }
  return subs;
}
