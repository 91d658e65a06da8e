// The Emitter: @socket.io/redis-emitter 5.1's API and bytes, plus queries and acknowledgements.
import { randomBytes } from "node:crypto";
import {
  classicChannels,
  DEFAULT_PREFIX,
  EMITTER_UID,
  encodeRequest,
  normalizeNamespace,
  type Parser,
  RequestType,
  type Room,
  SERVER_RESERVED_EVENTS,
} from "@sio-redis/protocol";
import {
  allRoomsQuery,
  attempt,
  checkTimeout,
  QueryTimeoutError,
  quiet,
  RecentRooms,
  type RedisClient,
  type RedisSeam,
  Requests,
  SioRedisError,
  type Subscriptions,
  serverSideEmitQuery,
  subscriptionsOf,
  wrapRedisClient,
} from "@sio-redis/transport";
import createDebug from "debug";
import {
  type AckCallback,
  type AckParams,
  type AckResponse,
  BroadcastOperator,
  checkEventName,
  type DefaultEventsMap,
  type EmitArgs,
  type EmitterParser,
  type EventNames,
  type EventsMap,
  type NamespaceContext,
  type RemoteSocket,
} from "./operator.js";

const debug = createDebug("sio-redis:emitter");

/**
 * Options of {@link Emitter}.
 *
 * @example
 * ```ts
 * const emitter = new Emitter(redis, { key: "myapp", subClient: sub, requestsTimeout: 2000 });
 * ```
 */
export interface EmitterOptions {
  /** Channel prefix; must match the adapters' `key`. Default `"socket.io"`. */
  key?: string;
  /** Replaces msgpack, like the adapters' `parser` option (give `decode` too for `emitWithAck`). */
  parser?: EmitterParser;
  /**
   * A second connection, used only to SUBSCRIBE to the response channels: enables `serverCount`,
   * `fetchSockets`, `allRooms`, `emitWithAck` and `serverSideEmitWithAck`. Use a dedicated one
   * (`redisClient.duplicate()`, connected): a subscribed connection cannot run other commands.
   */
  subClient?: RedisClient;
  /** How long queries wait for every server's answer, in ms. Default 5000. */
  requestsTimeout?: number;
  /** How many queries may wait for answers at once; more are refused. Default 1000. */
  maxPendingRequests?: number;
}

// State shared by an Emitter and every Emitter that `of()` derives from it.
interface Core {
  readonly pub: RedisSeam;
  readonly sub: Subscriptions | undefined;
  readonly key: string;
  readonly parser: Parser | undefined;
  readonly uid: string;
  readonly requestsTimeout: number;
  readonly maxPending: number;
  /** The query state of each namespace that has pending queries or had some in the last IDLE_MS. */
  readonly queries: Map<string, Requests>;
  readonly idle: Map<string, NodeJS.Timeout>;
  /** Rooms joined with socketsJoin in the last 2 s, by room channel: every namespace's. */
  readonly recentJoins: RecentRooms;
  readonly options: EmitterOptions;
}

/**
 * How long a namespace's query state (its subscription to two response channels) outlives its last query: an
 * emitter that queries thousands of namespaces once must not stay subscribed to all of them.
 */
const IDLE_MS = 30_000;

/** A seam for `new Emitter(null)`: the official emitter accepts it, and fails only when asked to publish. */
function missingClient(): RedisSeam {
  const fail = () =>
    quiet(
      Promise.reject(
        new SioRedisError("NO_CLIENT", "this Emitter has no Redis client: new Emitter(redisClient) to publish"),
      ),
    );
  return {
    ...wrapRedisClient({ publish: fail }, { role: "redisClient" }),
    publish: fail,
    numsub: fail,
  };
}

function toParser(parser: EmitterParser | undefined): Parser | undefined {
  if (!parser) return undefined;
  return {
    encode: (value) => parser.encode(value),
    decode: (bytes) => {
      if (!parser.decode) throw new Error("the parser option has no decode(): acknowledgements cannot be read");
      return parser.decode(bytes);
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

/** How of() hands its core to the constructor: a class of this module, so that no options object poses as one. */
class Inherited {
  constructor(readonly core: Core) {}
}

/**
 * Publishes to Socket.IO servers that use a Redis adapter (`@socket.io/redis-adapter` or ours), from any Node
 * process. Drop-in for `@socket.io/redis-emitter` 5.1 (same constructor, same bytes on Redis), except that
 * publishing calls return Promises.
 *
 * @typeParam EmitEvents - the server-to-client events map, as for Socket.IO's `Server`.
 * @typeParam SocketData - the type of `socket.data` seen through `fetchSockets()`.
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * import { Emitter } from "@sio-redis/emitter";
 *
 * const redis = createClient({ url: "redis://localhost:6379" });
 * const sub = redis.duplicate();
 * await Promise.all([redis.connect(), sub.connect()]);
 *
 * const emitter = new Emitter(redis, { subClient: sub });
 * await emitter.to("room1").emit("hello", "world");
 * const sockets = await emitter.fetchSockets();
 * ```
 */
export class Emitter<EmitEvents extends EventsMap = DefaultEventsMap, SocketData = unknown> {
  /** The namespace, with its leading `/`. */
  readonly nsp: string;
  readonly #core: Core;
  readonly #ctx: NamespaceContext;

  /**
   * @param redisClient - publishes; `null` is accepted like the official emitter does (then publishing rejects).
   * @param opts - see {@link EmitterOptions}.
   * @param nsp - the namespace (a missing leading `/` is added). Default `/`.
   */
  constructor(redisClient: RedisClient | null, opts?: EmitterOptions, nsp = "/") {
    this.nsp = normalizeNamespace(nsp);
    if (opts instanceof Inherited) {
      this.#core = opts.core;
    } else {
      const options = { ...opts };
      if (options.subClient !== undefined && options.subClient === redisClient) {
        // SUBSCRIBE would turn the publishing connection into a subscriber that cannot PUBLISH any more
        throw new TypeError("subClient must be a separate connection, e.g. redisClient.duplicate()");
      }
      this.#core = {
        pub:
          redisClient === null || redisClient === undefined
            ? missingClient()
            : wrapRedisClient(redisClient, { role: "redisClient" }),
        sub: options.subClient === undefined ? undefined : subscriptionsOf(options.subClient, { role: "subClient" }),
        key: options.key ?? DEFAULT_PREFIX,
        parser: toParser(options.parser),
        // a fresh uid per emitter: servers answer some requests on a channel named after it
        uid: `emitter-${randomBytes(6).toString("hex")}`,
        requestsTimeout: checkTimeout(options.requestsTimeout ?? 5000, "requestsTimeout"),
        maxPending: positive(options.maxPendingRequests, 1000, "maxPendingRequests"),
        queries: new Map(),
        idle: new Map(),
        recentJoins: new RecentRooms(),
        options,
      };
    }
    const core = this.#core;
    const channels = classicChannels(core.key, this.nsp);
    const nspName = this.nsp;
    this.#ctx = {
      nsp: nspName,
      channels,
      pub: core.pub,
      parser: core.parser,
      uid: core.uid,
      requestsTimeout: core.requestsTimeout,
      recentJoins: core.recentJoins,
      queries(what) {
        const sub = core.sub;
        if (!sub) {
          throw new Error(
            `${what}() needs a subscriber connection: new Emitter(redis, { subClient: redis.duplicate() })`,
          );
        }
        clearTimeout(core.idle.get(nspName));
        core.idle.delete(nspName);
        let queries = core.queries.get(nspName);
        if (!queries) {
          const created: Requests = new Requests({
            pub: core.pub,
            subs: sub,
            channels,
            uid: core.uid,
            parser: core.parser,
            maxPending: core.maxPending,
            self: 0, // the emitter is no server: every subscriber of the request channel answers
            owner: "the emitter",
            recountMs: 250,
            onIdle: () => {
              const timer = setTimeout(() => {
                core.idle.delete(nspName);
                if (core.queries.get(nspName) !== created || created.pendingCount > 0) return;
                core.queries.delete(nspName);
                void created.close();
              }, IDLE_MS);
              timer.unref();
              clearTimeout(core.idle.get(nspName));
              core.idle.set(nspName, timer);
            },
          });
          queries = created;
          core.queries.set(nspName, queries);
        }
        return queries;
      },
    };
  }

  // Operators are immutable, so one root operator serves every call.
  #root: BroadcastOperator<EmitEvents, SocketData> | undefined;

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    this.#root ??= new BroadcastOperator<EmitEvents, SocketData>(this.#ctx);
    return this.#root;
  }

  /**
   * An emitter for another namespace (a missing leading `/` is added), sharing this one's connections.
   *
   * @example
   * ```ts
   * await emitter.of("admin").emit("stats", stats); // namespace "/admin"
   * ```
   */
  of(nsp: string): Emitter<EmitEvents, SocketData> {
    return new Emitter<EmitEvents, SocketData>(null, new Inherited(this.#core) as EmitterOptions, nsp);
  }

  /**
   * Emits to every client of the namespace. See {@link BroadcastOperator.emit}.
   *
   * @example
   * ```ts
   * await emitter.emit("hello", "world");
   * ```
   */
  emit<E extends EventNames<EmitEvents>>(ev: E, ...args: EmitArgs<EmitEvents, E>): Promise<void> {
    return this.#operator().emit(ev, ...args);
  }

  /**
   * Emits an acknowledged event to every client. See {@link BroadcastOperator.emitWithAck}.
   *
   * @example
   * ```ts
   * const answers = await emitter.timeout(1000).emitWithAck("ping");
   * ```
   */
  emitWithAck<E extends EventNames<EmitEvents>>(
    ev: E,
    ...args: AckParams<EmitEvents, E>
  ): Promise<AckResponse<EmitEvents, E>[]> {
    return this.#operator().emitWithAck(ev, ...args);
  }

  /**
   * Targets a room (or rooms). See {@link BroadcastOperator.to}.
   *
   * @example
   * ```ts
   * await emitter.to("room1").emit("hello");
   * ```
   */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Same as {@link Emitter.to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().in(room);
  }

  /**
   * Leaves out a room (or rooms). See {@link BroadcastOperator.except}.
   *
   * @example
   * ```ts
   * await emitter.except("room2").emit("hello");
   * ```
   */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /**
   * See {@link BroadcastOperator.volatile}.
   *
   * @example
   * ```ts
   * await emitter.volatile.emit("tick");
   * ```
   */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().volatile;
  }

  /**
   * See {@link BroadcastOperator.compress}.
   *
   * @example
   * ```ts
   * await emitter.compress(false).emit("tick");
   * ```
   */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().compress(compress);
  }

  /**
   * See {@link BroadcastOperator.timeout}.
   *
   * @example
   * ```ts
   * const sockets = await emitter.timeout(500).fetchSockets();
   * ```
   */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().timeout(ms);
  }

  /**
   * Makes every socket of the namespace join `rooms`. See {@link BroadcastOperator.socketsJoin}.
   *
   * @example
   * ```ts
   * await emitter.socketsJoin("everyone");
   * ```
   */
  socketsJoin(rooms: Room | readonly Room[]): Promise<void> {
    return this.#operator().socketsJoin(rooms);
  }

  /**
   * Makes every socket of the namespace leave `rooms`.
   *
   * @example
   * ```ts
   * await emitter.socketsLeave("everyone");
   * ```
   */
  socketsLeave(rooms: Room | readonly Room[]): Promise<void> {
    return this.#operator().socketsLeave(rooms);
  }

  /**
   * Disconnects every socket of the namespace.
   *
   * @example
   * ```ts
   * await emitter.disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): Promise<void> {
    return this.#operator().disconnectSockets(close);
  }

  /**
   * Every socket of the namespace, on every server. See {@link BroadcastOperator.fetchSockets}.
   *
   * @example
   * ```ts
   * const sockets = await emitter.fetchSockets();
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.#operator().fetchSockets();
  }

  /**
   * Emits an event to the servers themselves (their `io.on(ev)` listeners, Socket.IO ≥ 4.1).
   * With a function as last argument, each server's acknowledgement is collected and the function is called
   * with `(err, responses)`; `err` is a {@link QueryTimeoutError} when some server did not answer in time
   * (servers without a listener for `ev` never answer). Needs `subClient` for that form.
   *
   * @example
   * ```ts
   * await emitter.serverSideEmit("config-changed", { theme: "dark" });
   * emitter.serverSideEmit("health", (err, responses) => console.log(responses));
   * ```
   */
  serverSideEmit(ev: string, ...args: unknown[]): Promise<void> {
    checkEventName(ev, SERVER_RESERVED_EVENTS);
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const callback = last as AckCallback;
      const answers = this.serverSideEmitWithAck(ev, ...args.slice(0, -1));
      void answers.then(
        (responses) => callback(null, responses),
        (err: Error) => callback(err, err instanceof QueryTimeoutError ? (err.partial as unknown[]) : []),
      );
      return quiet(answers.then(() => undefined));
    }
    const ctx = this.#ctx;
    const payload = encodeRequest({ type: RequestType.SERVER_SIDE_EMIT, uid: EMITTER_UID, data: [ev, ...args] });
    debug("publishing server-side event %s", ev);
    return ctx.pub.publish(ctx.channels.request, payload);
  }

  /**
   * Emits an event to the servers and resolves with one acknowledgement per server. Rejects with a
   * {@link QueryTimeoutError} (its `partial` holds the answers received) when some server did not answer
   * within `requestsTimeout`. Needs `subClient`.
   *
   * @example
   * ```ts
   * // on each server: io.on("health", (cb) => cb({ load: os.loadavg()[0] }));
   * const loads = await emitter.serverSideEmitWithAck("health");
   * ```
   */
  serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]> {
    const ctx = this.#ctx;
    return attempt(() => {
      checkEventName(ev, SERVER_RESERVED_EVENTS);
      return ctx
        .queries("serverSideEmitWithAck")
        .run(
          serverSideEmitQuery({ uid: ctx.uid, timeoutMs: ctx.requestsTimeout }, [ev, ...args], "serverSideEmitWithAck"),
        );
    });
  }

  /**
   * How many servers serve this namespace: the subscribers of its request channel (PUBSUB NUMSUB). Servers
   * sharing one subscriber connection count once. Works without `subClient`.
   *
   * @example
   * ```ts
   * console.log(`${await emitter.serverCount()} servers online`);
   * ```
   */
  serverCount(): Promise<number> {
    const ctx = this.#ctx;
    return attempt(async () => {
      const [servers = 0] = await ctx.pub.numsub([ctx.channels.request]);
      return servers;
    });
  }

  /**
   * Every room of the namespace across all servers (each socket's own id room included). Needs `subClient`.
   *
   * @example
   * ```ts
   * const rooms = await emitter.allRooms(); // Set { "room1", "Xc3l…", … }
   * ```
   */
  allRooms(): Promise<Set<Room>> {
    const ctx = this.#ctx;
    return attempt(() => ctx.queries("allRooms").run(allRoomsQuery({ uid: ctx.uid, timeoutMs: ctx.requestsTimeout })));
  }

  /**
   * Stops listening for answers: pending queries fail and the response channels are unsubscribed, for this
   * emitter and every emitter derived with `of()` (a later query subscribes again). The Redis clients stay
   * open; closing them is yours.
   *
   * @example
   * ```ts
   * await emitter.close();
   * await Promise.all([redis.quit(), sub.quit()]);
   * ```
   */
  async close(): Promise<void> {
    const all = [...this.#core.queries.values()];
    this.#core.queries.clear();
    for (const timer of this.#core.idle.values()) clearTimeout(timer);
    this.#core.idle.clear();
    await Promise.all(all.map((q) => q.close()));
  }
}
