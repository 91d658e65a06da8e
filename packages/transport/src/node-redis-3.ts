// The seam over node-redis 3 (`redis@3`, what socket.io-redis 5 applications still pass in): every command takes
// a Node-style callback (`publish(ch, msg, cb)`, `send_command(name, args, cb)`), messages come through the
// connection-wide `messageBuffer` / `pmessageBuffer` events (like ioredis), and `ready` / `connected` / `closing`
// flags say where the connection stands. It connects and reconnects by itself, and re-subscribes after a
// reconnection before it emits `ready`.
import createDebug from "debug";
import { attempt, noop } from "./promises.js";
import { publishQueue } from "./publish-queue.js";
import { scriptedPublish } from "./publish-script.js";
import { type ConnectionState, connectionEvents, events, type RedisSeam, readNumsub } from "./seam.js";

const debug = createDebug("sio-redis:transport");

type Callback = (err: Error | null, reply?: unknown) => void;

/** `batch()` (a pipeline) or `multi()` (a transaction): commands queue on it, `exec` sends them together. */
interface Pipeline {
  publish(channel: string, message: string | Buffer): unknown;
  /** Answers one reply per command; a failed command's reply is its Error (batch) or the whole call fails (multi). */
  exec(callback: (err: Error | null, replies?: unknown[]) => void): unknown;
}

export interface NodeRedis3Client {
  publish(channel: string, message: string | Buffer, callback: Callback): unknown;
  /** Lower-cases `command` and calls the client's own method for it when there is one. */
  send_command(command: string, args: Array<string | Buffer>, callback: Callback): unknown;
  // the array form: the variadic one would take a channel named like a function for the callback
  subscribe(channels: string[], callback: Callback): unknown;
  unsubscribe(channels: string[], callback: Callback): unknown;
  psubscribe(patterns: string[], callback: Callback): unknown;
  punsubscribe(patterns: string[], callback: Callback): unknown;
  batch?: () => Pipeline;
  multi?: () => Pipeline;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
  /** Commands go out at once (false: they wait in the client's offline queue). */
  readonly ready?: boolean;
  readonly connected?: boolean;
  /** `quit()` or `end()` was called, or the retry strategy gave up: it will not connect again. */
  readonly closing?: boolean;
  readonly options?: { readonly return_buffers?: boolean };
}

/**
 * node-redis 3 (and its callback-style predecessors): snake_case `send_command` and lowercase `psubscribe`.
 * Neither `call` (ioredis, which has the rest too) nor `pSubscribe` (node-redis ≥ 4, which also has an alias
 * `sendCommand` but not `send_command`).
 */
export function isNodeRedis3(client: unknown): boolean {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.send_command === "function" &&
    typeof c.psubscribe === "function" &&
    typeof c.on === "function" &&
    typeof c.call !== "function" &&
    typeof c.pSubscribe !== "function"
  );
}

/**
 * Where the connection stands. node-redis 3 sets `ready` before it re-subscribes after a reconnection and emits
 * its `ready` event only once those SUBSCRIBEs are answered: until then messages to those channels are still
 * lost, so the connection counts as down until the event (and from each new connection on).
 */
function connectionState(client: NodeRedis3Client): () => ConnectionState {
  // created on a connection that is up already: its `ready` event is past
  let announced = client.ready === true;
  client.on("connect", () => {
    announced = false;
  });
  client.on("ready", () => {
    announced = true;
  });
  return () => {
    if (client.closing === true) return "closed";
    if (client.ready === true) return announced ? "ready" : "down";
    // no flags at all: a wrapper or a double that only forwards commands
    return client.ready === undefined && client.connected === undefined ? "ready" : "down";
  };
}

/** Runs a callback-style command as a promise; a synchronous throw (a bad argument) rejects it too. */
function call(start: (callback: Callback) => unknown): Promise<unknown> {
  return attempt(
    () =>
      new Promise<unknown>((resolve, reject) => {
        start((err, reply) => (err ? reject(err) : resolve(reply)));
      }),
  );
}

// The events a node-redis 3 client emits messages with; anything else would never fire. `message` carries strings
// (decoded as UTF-8, which breaks msgpack payloads) unless the client was created with `return_buffers`; it stays
// allowed, as with ioredis, for text parsers.
const MESSAGE_EVENTS = new Set(["message", "message_buffer", "messageBuffer"]);

/**
 * The event carrying messages as bytes. A client created with `return_buffers` never emits the *Buffer events
 * (it only switches to them for clients that return strings): its plain `message` carries Buffers already.
 */
function messageEvent(client: NodeRedis3Client, subEvent: string, role: string): string {
  if (!MESSAGE_EVENTS.has(subEvent)) {
    throw new TypeError(
      `${role} is a node-redis 3 client, which never emits "${subEvent}": use subEvent "messageBuffer" (the default)`,
    );
  }
  if (client.options?.return_buffers === true && subEvent !== "message") {
    debug("node-redis 3 client with return_buffers: listening to 'message' instead of '%s'", subEvent);
    return "message";
  }
  return subEvent;
}

export function nodeRedis3Seam(client: NodeRedis3Client, subEvent: string, role: string): RedisSeam {
  // checked now, so that createAdapter() fails at once rather than the adapter hearing nothing
  const event = messageEvent(client, subEvent, role);
  const command = (args: Array<string | Buffer>) => {
    const [name, ...rest] = args as [string, ...Array<string | Buffer>];
    return call((cb) => client.send_command(name, rest, cb));
  };
  // installed before anyone can listen to `ready` through the seam, so that their listeners see it ready
  const state = connectionState(client);
  const seam = events(client, state);
  return {
    library: "node-redis-3",
    cluster: false,
    publish: publishQueue({
      send: scriptedPublish({
        command,
        publish: (channel, payload) => call((cb) => client.publish(channel, payload, cb)),
        async pipeline(messages) {
          // batch(): a plain pipeline; multi() (MULTI/EXEC) only for a wrapper that lacks it
          const pipeline = client.batch?.() ?? client.multi?.();
          if (!pipeline) return Promise.all(messages.map(([c, p]) => call((cb) => client.publish(c, p, cb))));
          for (const [channel, payload] of messages) pipeline.publish(channel, payload);
          // a batch answers every command, a failed one with its Error, and never fails as a whole
          const replies = await call((cb) => pipeline.exec(cb));
          for (const reply of Array.isArray(replies) ? replies : []) if (reply instanceof Error) throw reply;
        },
      }),
      state,
      onReady: seam.onReady,
    }),
    async numsub(channels) {
      return readNumsub(await command(["PUBSUB", "NUMSUB", ...channels]), channels);
    },
    // Listening to a *Buffer event switches the client to Buffer replies for good (it turns non-pub/sub
    // replies back into strings): the subscriber connection only, and only once.
    listen: connectionEvents(client, event),
    subscribe: (channels) => call((cb) => client.subscribe([...channels], cb)).then(noop),
    unsubscribe: (channels) => call((cb) => client.unsubscribe([...channels], cb)).then(noop),
    psubscribe: (patterns) => call((cb) => client.psubscribe([...patterns], cb)).then(noop),
    punsubscribe: (patterns) => call((cb) => client.punsubscribe([...patterns], cb)).then(noop),
    ...seam,
  };
}
