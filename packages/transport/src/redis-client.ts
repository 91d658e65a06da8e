// The one place that knows how each Redis client library spells publish, subscribe and PUBSUB NUMSUB.
//
// Supported shapes, told apart by duck typing (never by `instanceof`, so duplicate installs still work):
// - node-redis 4.x / 5.x / 6.x: camelCase `pSubscribe`, `subscribe(channels, listener, bufferMode)`,
//   `sendCommand(args[])`, `isOpen` / `isReady`.
// - ioredis 5.x / 6.x (and `Cluster`): lowercase `psubscribe`, `subscribe(...channels)` plus the
//   connection-wide `messageBuffer` event, `call(cmd, ...args)` (or the older `send_command`).
//
// PUBLISHes made in the same tick are sent together, in order: as one EVAL of a small Lua script that publishes
// them (both clients spend far more per command and per argument than Redis spends per PUBLISH) or, where
// Redis refuses to run scripts (ACLs, proxies, replicas), as one pipeline of PUBLISHes.

import createDebug from "debug";
import { attempt, noop, quiet } from "./promises.js";

const debug = createDebug("sio-redis:transport");

/** Any Redis client: both libraries have `publish(channel, message)`. The rest is checked at run time. */
export interface RedisClient {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
}

/**
 * Where a subscriber connection delivers what it receives: every message of every channel and pattern this
 * connection is subscribed to, as bytes. {@link Subscriptions} routes them to their handlers.
 */
export interface PubSubSink {
  message(channel: string, message: Buffer): void;
  pmessage(pattern: string, channel: string, message: Buffer): void;
}

/** What the adapter and the emitter need from a Redis connection, whatever the client library. */
export interface RedisSeam {
  readonly library: "node-redis" | "ioredis";
  /**
   * PUBLISH. Resolves when Redis answered; rejects (and never throws) when it did not. Publishes of the same
   * tick share one batch and one promise, which already has a handler: ignoring it is safe.
   */
  publish(channel: string, payload: Buffer | string): Promise<void>;
  /** PUBSUB NUMSUB of one channel, summed over the nodes of an ioredis Cluster. */
  numsub(channel: string): Promise<number>;
  /** Sets where this connection's pub/sub messages go. Called once, before the first (p)subscribe. */
  listen(sink: PubSubSink): void;
  /** SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE in buffer mode, several names per command. */
  subscribe(channels: readonly string[]): Promise<void>;
  unsubscribe(channels: readonly string[]): Promise<void>;
  psubscribe(patterns: readonly string[]): Promise<void>;
  punsubscribe(patterns: readonly string[]): Promise<void>;
  /** Listens to the client's `error` events; returns a function that stops listening. */
  onError(listener: (err: Error) => void): () => void;
  /** Listens to the client's `ready` events (the first connection and each reconnection). */
  onReady(listener: () => void): () => void;
  /** Listeners on the client's `error` event, ours included. */
  errorListenerCount(): number;
  /**
   * Where the connection stands: `ready` (commands and subscriptions work), `down` (reconnecting or not yet
   * connected: commands wait), or `closed` (by the application: nothing will happen any more).
   */
  state(): "ready" | "down" | "closed";
}

/** Options of {@link wrapRedisClient}. */
export interface SeamOptions {
  /** Names the client in errors, e.g. `subClient`. */
  role?: string;
  /**
   * The event an ioredis-style client emits messages with (default `messageBuffer`); patterns use the same
   * name with a `p` in front.
   */
  subEvent?: string;
}

type Loose = Record<string, unknown>;

// node-redis calls listeners as (message, channel); in buffer mode both are Buffers.
type NodeRedisListener = (message: Buffer, channel: Buffer) => void;

interface NodeRedisLike {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  multi?: () => {
    publish(channel: string, message: string | Buffer): unknown;
    execAsPipeline?: () => Promise<unknown>;
  };
  subscribe(channels: string[], listener: NodeRedisListener, bufferMode: true): Promise<unknown>;
  unsubscribe(channels: string[], listener: NodeRedisListener, bufferMode: true): Promise<unknown>;
  pSubscribe(patterns: string[], listener: NodeRedisListener, bufferMode: true): Promise<unknown>;
  pUnsubscribe(patterns: string[], listener: NodeRedisListener, bufferMode: true): Promise<unknown>;
  sendCommand(args: Array<string | Buffer>): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
}

interface IoRedisLike {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  pipeline?: () => {
    publish(channel: string, message: string | Buffer): unknown;
    exec(): Promise<Array<[Error | null, unknown]> | null>;
  };
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
  call?: (command: string, ...args: Array<string | Buffer>) => Promise<unknown>;
  send_command?: (command: string, ...args: Array<string | Buffer>) => Promise<unknown>;
  isCluster?: boolean;
  nodes?: (role?: string) => IoRedisLike[];
}

function has(client: unknown, method: string): boolean {
  return typeof client === "object" && client !== null && typeof (client as Loose)[method] === "function";
}

/**
 * True for node-redis ≥ 4 (`createClient()` / `duplicate()`), whose methods are camelCase.
 *
 * @example
 * ```ts
 * isNodeRedis(createClient()); // true
 * ```
 */
export function isNodeRedis(client: unknown): boolean {
  return has(client, "pSubscribe") && has(client, "sendCommand");
}

/**
 * True for ioredis `Redis` and `Cluster` instances.
 *
 * @example
 * ```ts
 * isIoRedis(new Redis({ lazyConnect: true })); // true
 * ```
 */
export function isIoRedis(client: unknown): boolean {
  // `call` tells ioredis (≥ 4) from the callback-style redis@2/3 clients, which have the other two as well
  return has(client, "psubscribe") && has(client, "on") && has(client, "call");
}

// PUBSUB NUMSUB answers [channel, count]; RESP3 and old clients may give the count as a string.
function readNumsub(reply: unknown): number {
  const n = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`unexpected PUBSUB NUMSUB reply: ${JSON.stringify(reply)}`);
  return n;
}

type Message = readonly [channel: string, payload: Buffer | string];

/**
 * Most PUBLISHes in one batch: large enough to amortise the client's per-command cost, small enough that Redis
 * starts on the first batch while the caller is still producing the next (measured in apps/bench).
 */
const MAX_BATCH = 256;
/**
 * Batches handed to the client before earlier ones are answered. The rest wait in our queue as
 * (channel, bytes) pairs, far smaller than a client's queued command, so a loop that emits 100k messages
 * without waiting holds megabytes, not hundreds of megabytes.
 */
const MAX_IN_FLIGHT = 4;
/**
 * Payload bytes waiting behind the batches in flight. Beyond it (Redis down or far behind) publishes fail at once
 * instead of growing the heap without bound.
 */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

interface Batch {
  readonly messages: Message[];
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newBatch(): Batch {
  let resolve = noop;
  let reject: (err: unknown) => void = noop;
  const promise = new Promise<void>((res, rej) => {
    resolve = () => res();
    reject = rej;
  });
  promise.catch(noop); // shared by up to MAX_BATCH callers: an ignored one must not be unhandled
  return { messages: [], promise, resolve, reject };
}

/**
 * Queues PUBLISHes in order and sends them in batches of up to MAX_BATCH through `sendBatch`, with at most
 * MAX_IN_FLIGHT batches unanswered. Every caller gets its batch's promise. A lone message is a batch too, so
 * nothing can overtake a batch that is still in flight.
 */
function batchedPublish(
  sendBatch: (messages: readonly Message[], alone: boolean) => Promise<unknown>,
): RedisSeam["publish"] {
  const queue: Batch[] = [];
  let inFlight = 0;
  let scheduled = false;

  let queuedBytes = 0;
  const send = (batch: Batch) => {
    for (const [, payload] of batch.messages) queuedBytes -= payload.length;
    // nothing before it can still be sent again after it, so a lone message may take the cheapest path
    const alone = inFlight === 0 && batch.messages.length === 1;
    inFlight++;
    attempt(() => sendBatch(batch.messages, alone))
      .then(batch.resolve, batch.reject)
      .finally(() => {
        inFlight--;
        pump();
      });
  };
  const pump = () => {
    scheduled = false;
    while (inFlight < MAX_IN_FLIGHT) {
      const batch = queue.shift();
      if (!batch) return;
      send(batch);
    }
  };

  return (channel, payload) => {
    if (queuedBytes + payload.length > MAX_QUEUED_BYTES) {
      return quiet(
        Promise.reject(new Error(`publish refused: ${MAX_QUEUED_BYTES >> 20} MiB are already waiting for Redis`)),
      );
    }
    queuedBytes += payload.length;
    let batch = queue[queue.length - 1];
    if (!batch || batch.messages.length >= MAX_BATCH) {
      batch = newBatch();
      queue.push(batch);
    }
    batch.messages.push([channel, payload]);
    // A full batch leaves at once when there is room, so that Redis works on it while the caller goes on
    // producing; a partial one waits for the end of the caller's synchronous code.
    if (batch.messages.length >= MAX_BATCH && queue[0] === batch && inFlight < MAX_IN_FLIGHT) {
      queue.shift();
      send(batch);
      return batch.promise;
    }
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(pump);
    }
    return batch.promise;
  };
}

// Publishes runs of messages: ARGV is `channel, n, message1 … messageN` repeated, so that a batch to one channel
// (the usual case: every broadcast of a namespace) names it once. Like a pipeline, a PUBLISH that fails (an ACL
// on one channel) does not stop the others; the first failure is answered, marked so that it cannot be taken
// for a refusal to run the script at all. Redis counts each PUBLISH in INFO commandstats as usual.
const FAILED_INSIDE = "SIOREDIS";
const PUBLISH_SCRIPT = [
  "local i, total, failure = 1, 0, nil",
  "while i <= #ARGV do",
  "  local channel, n = ARGV[i], tonumber(ARGV[i + 1])",
  "  for j = i + 2, i + 1 + n do",
  "    local reply = redis.pcall('PUBLISH', channel, ARGV[j])",
  "    if type(reply) == 'table' and reply.err then failure = failure or reply.err end",
  "  end",
  "  total, i = total + n, i + 2 + n",
  "end",
  `if failure then return redis.error_reply('${FAILED_INSIDE} ' .. failure) end`,
  "return total",
].join("\n");

/** The arguments of EVAL for a batch: the script, no keys, then runs of `channel, n, messages…`. */
function scriptArgs(messages: readonly Message[]): Array<string | Buffer> {
  const args: Array<string | Buffer> = ["EVAL", PUBLISH_SCRIPT, "0"];
  let previous: string | undefined;
  let countAt = 0; // where the current run's message count goes
  for (const [channel, payload] of messages) {
    if (channel !== previous) {
      if (previous !== undefined) args[countAt] = String(args.length - countAt - 1);
      previous = channel;
      args.push(channel, "");
      countAt = args.length - 1;
    }
    args.push(payload);
  }
  args[countAt] = String(args.length - countAt - 1);
  return args;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Errors by which Redis refuses EVAL before running any of it: safe to send the batch again as PUBLISHes.
// Permanent: no permission for EVAL, no such command (proxies), a read-only replica, a script Redis cannot compile.
const SCRIPTS_REFUSED = /^(NOPERM|ERR unknown command|READONLY|ERR Error compiling script)/;

/** An error reply of Redis (the command was refused or failed), as opposed to a lost connection or a timeout. */
function isReplyError(err: unknown): boolean {
  // node-redis: ErrorReply (and its SimpleError / BlobError subclasses); ioredis: ReplyError
  for (let proto = Object.getPrototypeOf(err); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === "ErrorReply" || name === "ReplyError") return true;
  }
  return false;
}

/**
 * Sends a batch through the publish script, or through `pipeline` once Redis has refused scripts. A batch
 * refused before it ran is sent again as a pipeline; one that failed while running is not (its other messages
 * went out), nor one whose fate is unknown (a lost connection): the callers get the error instead.
 */
function scriptedPublish(
  command: (args: Array<string | Buffer>) => Promise<unknown>,
  pipeline: (messages: readonly Message[]) => Promise<unknown>,
): (messages: readonly Message[], alone: boolean) => Promise<unknown> {
  let scripts = true;
  return async (messages, alone) => {
    // a script costs more than one PUBLISH (its text travels too): worth it from two messages on
    if (!scripts || alone) return pipeline(messages);
    try {
      return await command(scriptArgs(messages));
    } catch (err) {
      const text = errorText(err);
      if (text.startsWith(FAILED_INSIDE)) throw new Error(text.slice(FAILED_INSIDE.length + 1), { cause: err });
      if (SCRIPTS_REFUSED.test(text)) {
        if (scripts) debug("Redis refuses scripts (%s): publishing batches as pipelines", text);
        scripts = false;
      } else if (!isReplyError(err) && !/^OOM/.test(text)) {
        throw err; // the connection failed: whether the script ran is unknown, so it is not sent again
      }
      // Any other error reply (OOM at maxmemory, a proxy's refusal, BUSY) means the script did not run: this
      // batch goes as PUBLISHes.
      return pipeline(messages);
    }
  };
}

/** `error` / `ready` listeners and their count, the same for both libraries (both are EventEmitters). */
// node-redis: isOpen (connect() called, not closed) and isReady; ioredis: status.
function stateOf(client: { isOpen?: boolean; isReady?: boolean; status?: string }): "ready" | "down" | "closed" {
  if (typeof client.status === "string") {
    if (client.status === "ready") return "ready";
    return client.status === "end" ? "closed" : "down";
  }
  if (client.isReady === true) return "ready";
  return client.isOpen === false ? "closed" : "down";
}

function events(client: NodeRedisLike | IoRedisLike) {
  const listen = (event: string, listener: (...args: never[]) => void) => {
    client.on(event, listener);
    return () => {
      client.off(event, listener);
    };
  };
  return {
    onError: (listener: (err: Error) => void) => listen("error", listener),
    onReady: (listener: () => void) => listen("ready", listener),
    errorListenerCount: () => client.listenerCount("error"),
    state: () => stateOf(client as { isOpen?: boolean; isReady?: boolean; status?: string }),
  };
}

function nodeRedisSeam(client: NodeRedisLike): RedisSeam {
  let sink: PubSubSink | undefined;
  // node-redis keeps listeners per channel and per pattern: ours are these, so that unsubscribing removes
  // exactly ours and leaves the user's listeners on the same client alone.
  const onMessage: NodeRedisListener = (message, channel) => sink?.message(channel.toString(), message);
  const patternListeners = new Map<string, NodeRedisListener>();
  const patternListener = (pattern: string) => {
    let listener = patternListeners.get(pattern);
    if (!listener) {
      listener = (message, channel) => sink?.pmessage(pattern, channel.toString(), message);
      patternListeners.set(pattern, listener);
    }
    return listener;
  };
  return {
    library: "node-redis",
    publish: batchedPublish(
      scriptedPublish(
        (args) => client.sendCommand(args),
        (messages) => {
          const multi = client.multi?.();
          if (messages.length === 1 || !multi?.execAsPipeline) {
            return Promise.all(messages.map(([c, p]) => client.publish(c, p)));
          }
          for (const [channel, payload] of messages) multi.publish(channel, payload);
          return multi.execAsPipeline();
        },
      ),
    ),
    async numsub(channel) {
      return readNumsub(await attempt(() => client.sendCommand(["PUBSUB", "NUMSUB", channel])));
    },
    listen(next) {
      sink = next;
    },
    subscribe: (channels) => attempt(() => client.subscribe([...channels], onMessage, true)).then(noop),
    unsubscribe: (channels) => attempt(() => client.unsubscribe([...channels], onMessage, true)).then(noop),
    // one listener per pattern (it names the pattern), so one call each; there is one pattern per namespace
    psubscribe: (patterns) =>
      attempt(() => Promise.all(patterns.map((p) => client.pSubscribe([p], patternListener(p), true)))).then(noop),
    punsubscribe: (patterns) =>
      attempt(() =>
        Promise.all(
          patterns.map(async (pattern) => {
            await client.pUnsubscribe([pattern], patternListener(pattern), true);
            patternListeners.delete(pattern);
          }),
        ),
      ).then(noop),
    ...events(client),
  };
}

function ioRedisCommand(client: IoRedisLike, args: Array<string | Buffer>): Promise<unknown> {
  const [command, ...rest] = args as [string, ...Array<string | Buffer>];
  if (client.call) return attempt(() => (client.call as NonNullable<IoRedisLike["call"]>)(command, ...rest));
  return attempt(() => (client.send_command as NonNullable<IoRedisLike["send_command"]>)(command, ...rest));
}

const asBuffer = (value: Buffer | string) => (typeof value === "string" ? Buffer.from(value) : value);

function ioRedisSeam(client: IoRedisLike, subEvent: string): RedisSeam {
  let sink: PubSubSink | undefined;
  const onMessage = (channel: Buffer | string, message: Buffer | string) =>
    sink?.message(channel.toString(), asBuffer(message));
  const onPMessage = (pattern: Buffer | string, channel: Buffer | string, message: Buffer | string) =>
    sink?.pmessage(pattern.toString(), channel.toString(), asBuffer(message));
  return {
    library: "ioredis",
    publish: batchedPublish(
      scriptedPublish(
        (args) => ioRedisCommand(client, args),
        async (messages) => {
          const pipeline = client.pipeline?.();
          if (messages.length === 1 || !pipeline) return Promise.all(messages.map(([c, p]) => client.publish(c, p)));
          for (const [channel, payload] of messages) pipeline.publish(channel, payload);
          // a pipeline resolves with one [error, reply] per command
          for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
        },
      ),
    ),
    async numsub(channel) {
      // In a Redis Cluster each node only counts its own subscribers.
      if (client.isCluster && typeof client.nodes === "function") {
        const counts = await Promise.all(
          client.nodes().map(async (node) => readNumsub(await ioRedisCommand(node, ["PUBSUB", "NUMSUB", channel]))),
        );
        return counts.reduce((a, b) => a + b, 0);
      }
      return readNumsub(await ioRedisCommand(client, ["PUBSUB", "NUMSUB", channel]));
    },
    listen(next) {
      // ioredis has one event for the whole connection, installed once
      if (!sink) {
        client.on(subEvent, onMessage);
        client.on(`p${subEvent}`, onPMessage);
      }
      sink = next;
    },
    subscribe: (channels) => attempt(() => client.subscribe(...channels)).then(noop),
    unsubscribe: (channels) => attempt(() => client.unsubscribe(...channels)).then(noop),
    psubscribe: (patterns) => attempt(() => client.psubscribe(...patterns)).then(noop),
    punsubscribe: (patterns) => attempt(() => client.punsubscribe(...patterns)).then(noop),
    ...events(client),
  };
}

/**
 * Wraps a node-redis or ioredis client, once per client: every user of a connection shares its publish queue
 * (which keeps their call order) and its subscriptions. Throws a TypeError naming what is missing for
 * anything else.
 *
 * @example
 * ```ts
 * const seam = wrapRedisClient(createClient());
 * await seam.publish("socket.io#/#", bytes);
 * ```
 */
export function wrapRedisClient(client: unknown, options: SeamOptions = {}): RedisSeam {
  const known = typeof client === "object" && client !== null ? seams.get(client) : undefined;
  if (known) return known;
  const seam = createSeam(client, options.role ?? "redisClient", options.subEvent ?? "messageBuffer");
  seams.set(client as object, seam);
  return seam;
}

const seams = new WeakMap<object, RedisSeam>();

function createSeam(client: unknown, role: string, subEvent: string): RedisSeam {
  if (isNodeRedis(client)) return nodeRedisSeam(client as NodeRedisLike);
  if (isIoRedis(client)) return ioRedisSeam(client as IoRedisLike, subEvent);
  if (has(client, "publish")) {
    // publish-only clients (test doubles, thin wrappers): enough for everything but queries
    const publisher = client as RedisClient;
    const unsupported = (what: string) => () =>
      Promise.reject(new TypeError(`${role} is neither node-redis ≥ 4 nor ioredis: cannot ${what}`));
    const emitter = has(client, "on") && has(client, "off") && has(client, "listenerCount");
    return {
      library: "node-redis",
      publish: batchedPublish((messages) => Promise.all(messages.map(([c, p]) => publisher.publish(c, p)))),
      numsub: unsupported("run PUBSUB NUMSUB"),
      listen: noop,
      subscribe: unsupported("subscribe"),
      unsubscribe: unsupported("unsubscribe"),
      psubscribe: unsupported("psubscribe"),
      punsubscribe: unsupported("punsubscribe"),
      ...(emitter
        ? events(client as IoRedisLike)
        : { onError: () => noop, onReady: () => noop, errorListenerCount: () => 0, state: () => "ready" as const }),
    };
  }
  throw new TypeError(`${role} must be a node-redis (≥ 4) or ioredis client: it has no publish() method`);
}
