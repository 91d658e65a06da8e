// The seam: what the adapter and the emitter need from a Redis connection, whatever the client library.
// The per-library implementations live beside this file (node-redis.ts, node-redis-3.ts, ioredis.ts);
// redis-client.ts picks one.

/** Any Redis client: every supported library has `publish(channel, message)`. The rest is checked at run time. */
export interface RedisClient {
  publish(channel: string, message: string | Buffer): unknown;
}

/**
 * Where a subscriber connection delivers what it receives: every message of every channel and pattern this
 * connection is subscribed to, as bytes. {@link Subscriptions} routes them to their handlers.
 */
export interface PubSubSink {
  message(channel: string, message: Buffer): void;
  pmessage(pattern: string, channel: string, message: Buffer): void;
}

/** Where a connection stands; see {@link RedisSeam.state}. */
export type ConnectionState = "ready" | "down" | "closed";

/** What the adapter and the emitter need from a Redis connection, whatever the client library. */
export interface RedisSeam {
  readonly library: "node-redis" | "node-redis-3" | "ioredis";
  /** True for cluster clients (node-redis `createCluster`, ioredis `Cluster`). */
  readonly cluster: boolean;
  /**
   * PUBLISH. Resolves when Redis answered; rejects (and never throws) when it did not. Publishes of the same
   * tick share one batch and one promise, which already has a handler: ignoring it is safe.
   */
  publish(channel: string, payload: Buffer | string): Promise<void>;
  /** PUBSUB NUMSUB of `channels`, each summed over the nodes of a cluster, in the order asked. */
  numsub(channels: readonly string[]): Promise<number[]>;
  /** Sets where this connection's pub/sub messages go. Called once, before the first (p)subscribe. */
  listen(sink: PubSubSink): void;
  /** SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE in buffer mode, several names per command. */
  subscribe(channels: readonly string[]): Promise<void>;
  unsubscribe(channels: readonly string[]): Promise<void>;
  psubscribe(patterns: readonly string[]): Promise<void>;
  punsubscribe(patterns: readonly string[]): Promise<void>;
  /** Listens to the client's `error` events; returns a function that stops listening. */
  onError(listener: (err: Error) => void): () => void;
  /**
   * Listens to the client's `ready` events: the first connection and each reconnection (a node-redis cluster
   * client tells of its first connection only; see node-redis.ts).
   */
  onReady(listener: () => void): () => void;
  /** Listeners on the client's `error` event, ours included. */
  errorListenerCount(): number;
  /**
   * Where the connection stands: `ready` (commands and subscriptions work), `down` (reconnecting or not yet
   * connected: commands wait), or `closed` (by the application: nothing will happen any more).
   */
  state(): ConnectionState;
}

/** Options of {@link wrapRedisClient}. */
export interface SeamOptions {
  /** Names the client in errors, e.g. `subClient`. */
  role?: string;
  /**
   * The event an event-style client (ioredis, node-redis 3) emits messages with (default `messageBuffer`);
   * patterns use the same name with a `p` in front.
   */
  subEvent?: string;
}

/** Both libraries' clients are EventEmitters. */
export interface Emitting {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
}

/** `error` / `ready` listeners and their count, the same for every library. */
export function events(client: Emitting, state: () => ConnectionState) {
  const listen = (event: string, listener: (...args: never[]) => void) => {
    client.on(event, listener);
    return () => {
      // node-redis 3 predates EventEmitter#off (an alias added in Node 10 that it does not forward)
      if (typeof client.off === "function") client.off(event, listener);
      else client.removeListener?.(event, listener);
    };
  };
  return {
    onError: (listener: (err: Error) => void) => listen("error", listener),
    onReady: (listener: () => void) => listen("ready", listener),
    errorListenerCount: () => client.listenerCount("error"),
    state,
  };
}

// PUBSUB NUMSUB answers [channel, count, channel, count…]; RESP3 and old clients may give counts as strings,
// node-redis ≥ 4's own command as an object.
export function readNumsub(reply: unknown, channels: readonly string[]): number[] {
  const counts = channels.map((channel, i) => {
    const raw = Array.isArray(reply) ? reply[2 * i + 1] : undefined;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new Error(`unexpected PUBSUB NUMSUB reply for ${channel}: ${JSON.stringify(reply)}`);
    }
    return n;
  });
  return counts;
}

/** Adds up per-node NUMSUB answers, channel by channel. */
export function sumCounts(perNode: readonly number[][], channels: readonly string[]): number[] {
  return channels.map((_, i) => perNode.reduce((sum, counts) => sum + (counts[i] ?? 0), 0));
}

const asBuffer = (value: Buffer | string): Buffer => (typeof value === "string" ? Buffer.from(value) : value);

/**
 * `listen` for event-style clients (ioredis, node-redis 3): every message of the connection comes through one
 * event, `event` for channels and `p${event}` for patterns, whose listeners are installed once.
 */
export function connectionEvents(client: Emitting, event: string): (sink: PubSubSink) => void {
  let sink: PubSubSink | undefined;
  return (next) => {
    if (!sink) {
      client.on(event, (channel: Buffer | string, message: Buffer | string) =>
        sink?.message(channel.toString(), asBuffer(message)),
      );
      client.on(`p${event}`, (pattern: Buffer | string, channel: Buffer | string, message: Buffer | string) =>
        sink?.pmessage(pattern.toString(), channel.toString(), asBuffer(message)),
      );
    }
    sink = next;
  };
}
