// Immutable broadcast operators: every modifier returns a new operator, so rooms never leak into the next call.
import {
  type BroadcastFlags,
  broadcastEncoder,
  CLIENT_RESERVED_EVENTS,
  type ClassicChannels,
  EMITTER_UID,
  encodeRequest,
  type FetchedSocket,
  PacketType,
  type Parser,
  type Payload,
  RequestType,
  type Room,
} from "@sio-redis/protocol";
import {
  attempt,
  broadcastWithAckQuery,
  checkTimeout,
  fetchSocketsQuery,
  noop,
  type QuerySpec,
  QueryTimeoutError,
  quiet,
  type RecentRooms,
  type RedisSeam,
  type Requests,
} from "@sio-redis/transport";
import createDebug from "debug";

const debug = createDebug("sio-redis:emitter");

/**
 * A map of event names to listener signatures, as in Socket.IO. The last parameter may be an acknowledgement
 * callback, which types the answers of `emitWithAck`.
 *
 * @example
 * ```ts
 * interface ServerToClientEvents {
 *   hello: (name: string) => void;
 *   ask: (question: string, ack: (answer: number) => void) => void;
 * }
 * const emitter = new Emitter<ServerToClientEvents>(redis, { subClient });
 * const answers: number[] = await emitter.timeout(1000).emitWithAck("ask", "?");
 * ```
 */
export type EventsMap = object;

/** Any event name and any arguments: what an untyped Emitter accepts. */
export interface DefaultEventsMap {
  [event: string]: (...args: unknown[]) => void;
}

/** The event names of an events map. */
export type EventNames<Ev extends EventsMap> = keyof Ev & string;

/** The arguments of event `E`. */
export type EventParams<Ev extends EventsMap, E extends EventNames<Ev>> = Ev[E] extends (...args: infer P) => unknown
  ? P
  : never;

type LastOf<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
type InitOf<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? H : T;

/** The arguments of event `E` without its trailing acknowledgement callback (for `emitWithAck`). */
export type AckParams<Ev extends EventsMap, E extends EventNames<Ev>> =
  LastOf<EventParams<Ev, E>> extends (...args: never[]) => unknown ? InitOf<EventParams<Ev, E>> : EventParams<Ev, E>;

/** What one client acknowledges for event `E`: the first argument of its acknowledgement callback. */
export type AckResponse<Ev extends EventsMap, E extends EventNames<Ev>> =
  LastOf<EventParams<Ev, E>> extends (response: infer R, ...rest: never[]) => unknown ? R : unknown;

/** The callback form of an acknowledged emit: `responses` holds every ack received, even on timeout. */
export type AckCallback<R = unknown> = (err: Error | null, responses: R[]) => void;

/**
 * The arguments `emit()` takes for event `E`: its parameters, where a trailing acknowledgement callback becomes
 * an {@link AckCallback} (the emitter gathers every client's answer, as Socket.IO's `io.timeout().emit()` does).
 */
export type EmitArgs<Ev extends EventsMap, E extends EventNames<Ev>> =
  EventParams<Ev, E> extends infer P extends readonly unknown[]
    ? number extends P["length"]
      ? P
      : LastOf<P> extends (...args: never[]) => unknown
        ? [...InitOf<P>, AckCallback<AckResponse<Ev, E>>]
        : P
    : never;

/**
 * The `parser` option: replaces msgpack for broadcasts (and, with `decode`, for acknowledgements). It must be
 * the adapters' `parser` too.
 *
 * @example
 * ```ts
 * const parser = { encode: (v: unknown) => JSON.stringify(v), decode: (b: Buffer) => JSON.parse(b.toString()) };
 * const emitter = new Emitter(redis, { parser });
 * ```
 */
export interface EmitterParser {
  encode(value: unknown): Uint8Array | string;
  /** Needed only for `emitWithAck`, whose acknowledgements travel in the parser's format. */
  decode?(bytes: Buffer): unknown;
}

/** What every operator of one namespace shares. Internal. */
export interface NamespaceContext {
  readonly nsp: string;
  readonly channels: ClassicChannels;
  readonly pub: RedisSeam;
  readonly parser: Parser | undefined;
  /** This emitter's uid for requests that are answered (never used for broadcasts, which carry "emitter"). */
  readonly uid: string;
  readonly requestsTimeout: number;
  /** Room channels this emitter just made sockets join: their broadcasts take the broadcast channel for a while. */
  readonly recentJoins: RecentRooms;
  /** The request machinery; throws when the emitter has no subscriber connection. */
  queries(what: string): Requests;
}

/**
 * Throws for an event name that Socket.IO reserves: the clients' list for emits, the servers' list
 * (`SERVER_RESERVED_EVENTS`) for server-side emits.
 */
export function checkEventName(ev: unknown, reserved: ReadonlySet<string> = CLIENT_RESERVED_EVENTS): void {
  if (typeof ev === "string" && reserved.has(ev)) {
    throw new Error(`"${ev}" is a reserved event name and cannot be emitted`);
  }
}

function toList(rooms: Room | readonly Room[]): Room[] {
  return Array.isArray(rooms) ? [...(rooms as readonly Room[])] : [rooms as Room];
}

const NO_ROOMS: ReadonlySet<Room> = new Set();
const EMPTY: Room[] = [];

// The hot path of emit(): no array allocation for the common "no rooms" case (encoders only read it).
function listOf(rooms: ReadonlySet<Room>): Room[] {
  return rooms.size === 0 ? EMPTY : [...rooms];
}

/**
 * Selects sockets (rooms, exceptions) and carries flags; created by `emitter.to()`, `.except()`, `.volatile`,
 * `.compress()` and `.timeout()`. Operators are immutable: reuse one as often as you like.
 *
 * @example
 * ```ts
 * const admins = emitter.to("admins");
 * await admins.emit("alert", "disk full");
 * await admins.except("on-call").volatile.emit("fyi", 1); // `admins` itself is unchanged
 * ```
 */
export class BroadcastOperator<Ev extends EventsMap = DefaultEventsMap, SocketData = unknown> {
  readonly #ctx: NamespaceContext;
  readonly #rooms: ReadonlySet<Room>;
  readonly #except: ReadonlySet<Room>;
  readonly #flags: Readonly<BroadcastFlags>;
  readonly #timeout: number | undefined;

  /** @internal Use `emitter.to()` and friends. */
  constructor(
    ctx: NamespaceContext,
    rooms: ReadonlySet<Room> = NO_ROOMS,
    except: ReadonlySet<Room> = NO_ROOMS,
    flags: Readonly<BroadcastFlags> = {},
    timeout?: number,
  ) {
    this.#ctx = ctx;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
    this.#timeout = timeout;
  }

  #with(rooms: ReadonlySet<Room>, except: ReadonlySet<Room>, flags: Readonly<BroadcastFlags>, timeout?: number) {
    return new BroadcastOperator<Ev, SocketData>(this.#ctx, rooms, except, flags, timeout);
  }

  /**
   * Targets the sockets in `room` (or in any of `rooms`), in addition to rooms already chosen.
   *
   * @example
   * ```ts
   * await emitter.to("room1").to(["room2", "room3"]).emit("hello");
   * ```
   */
  to(room: Room | readonly Room[]): BroadcastOperator<Ev, SocketData> {
    const rooms = new Set(this.#rooms);
    for (const r of toList(room)) rooms.add(r);
    return this.#with(rooms, this.#except, this.#flags, this.#timeout);
  }

  /** Same as {@link BroadcastOperator.to}. */
  in(room: Room | readonly Room[]): BroadcastOperator<Ev, SocketData> {
    return this.to(room);
  }

  /**
   * Leaves out the sockets in `room` (or in any of `rooms`); a socket id works as a room.
   *
   * @example
   * ```ts
   * await emitter.except("banned").emit("news", item);
   * ```
   */
  except(room: Room | readonly Room[]): BroadcastOperator<Ev, SocketData> {
    const except = new Set(this.#except);
    for (const r of toList(room)) except.add(r);
    return this.#with(this.#rooms, except, this.#flags, this.#timeout);
  }

  /**
   * Whether the servers should compress the packet (per-message deflate).
   *
   * @example
   * ```ts
   * await emitter.compress(false).emit("tick", Date.now());
   * ```
   */
  compress(compress: boolean): BroadcastOperator<Ev, SocketData> {
    return this.#with(this.#rooms, this.#except, { ...this.#flags, compress }, this.#timeout);
  }

  /**
   * Marks the packet as droppable: clients that are not ready to receive it skip it.
   *
   * @example
   * ```ts
   * await emitter.volatile.emit("position", x, y);
   * ```
   */
  get volatile(): BroadcastOperator<Ev, SocketData> {
    return this.#with(this.#rooms, this.#except, { ...this.#flags, volatile: true }, this.#timeout);
  }

  /**
   * How long `emitWithAck`, `emit(..., callback)` and `fetchSockets` wait for answers (default: the
   * `requestsTimeout` option, 5000 ms).
   *
   * @example
   * ```ts
   * const answers = await emitter.timeout(1000).emitWithAck("are-you-there");
   * ```
   */
  timeout(ms: number): BroadcastOperator<Ev, SocketData> {
    checkTimeout(ms, "timeout");
    return this.#with(this.#rooms, this.#except, this.#flags, ms);
  }

  /**
   * Emits an event to the selected clients of every server. Resolves when Redis accepted the PUBLISH and
   * rejects if it did not; an ignored promise never becomes an unhandled rejection.
   *
   * With a function as last argument the emit asks for acknowledgements (needs `subClient`): the function is
   * called with `(err, responses)` once every client answered or the timeout passed.
   *
   * Throws synchronously for a reserved event name or a value that cannot be encoded (such as a BigInt).
   *
   * @example
   * ```ts
   * await emitter.to("room1").emit("hello", "world", { at: new Date() }, Buffer.from([1, 2]));
   * emitter.timeout(2000).emit("ping", (err, responses) => console.log(err, responses));
   * ```
   */
  emit<E extends EventNames<Ev>>(ev: E, ...args: EmitArgs<Ev, E>): Promise<void> {
    checkEventName(ev);
    const last: unknown = args[args.length - 1];
    if (typeof last === "function") {
      const callback = last as AckCallback;
      const acks = this.#withAck(ev, args.slice(0, -1));
      // no catch on this chain: an exception thrown by the callback is the caller's bug and must surface
      void acks.then(
        (responses) => callback(null, responses),
        (err: Error) => callback(err, err instanceof QueryTimeoutError ? (err.partial as unknown[]) : []),
      );
      return quiet(acks.then(noop));
    }
    const { channel, encode } = this.#broadcast();
    const ctx = this.#ctx;
    // after socketsJoin(room), servers that had no member of it may not be listening on its channel yet
    const where = ctx.recentJoins.channelFor(channel, ctx.channels.broadcast);
    return ctx.pub.publish(where, encode([ev, ...args]));
  }

  // Operators are immutable, so the channel and the bytes of all but the event are worked out once per operator.
  #prepared: { channel: string; rooms: Room[]; encode: (event: unknown[]) => Payload } | undefined;

  #broadcast() {
    if (!this.#prepared) {
      const ctx = this.#ctx;
      const rooms = listOf(this.#rooms);
      const opts = { rooms, except: listOf(this.#except), flags: this.#flags };
      this.#prepared = {
        channel: ctx.channels.forBroadcast(rooms),
        rooms,
        encode: broadcastEncoder({ uid: EMITTER_UID, nsp: ctx.nsp, opts }, { style: "emitter", parser: ctx.parser }),
      };
    }
    return this.#prepared;
  }

  /**
   * Emits an event that clients acknowledge, and resolves with every acknowledgement (one per client that got
   * it, on every server). Rejects with a {@link QueryTimeoutError} holding the acks received so far if some
   * did not arrive in time. Needs `subClient`.
   *
   * @example
   * ```ts
   * const answers = await emitter.to("room1").timeout(1000).emitWithAck("how-are-you");
   * ```
   */
  emitWithAck<E extends EventNames<Ev>>(ev: E, ...args: AckParams<Ev, E>): Promise<AckResponse<Ev, E>[]> {
    try {
      checkEventName(ev);
    } catch (err) {
      return quiet(Promise.reject(err));
    }
    return this.#withAck(ev, args) as Promise<AckResponse<Ev, E>[]>;
  }

  #withAck(ev: string, args: readonly unknown[]): Promise<unknown[]> {
    const ctx = this.#ctx;
    const timeout = this.#timeout ?? ctx.requestsTimeout;
    const rooms = [...this.#rooms];
    const except = [...this.#except];
    const flags: BroadcastFlags = { ...this.#flags, timeout };
    return attempt(() =>
      ctx
        .queries("emitWithAck")
        .run(
          broadcastWithAckQuery(
            { uid: ctx.uid, timeoutMs: timeout },
            { type: PacketType.EVENT, data: [ev, ...args], nsp: ctx.nsp },
            { rooms, except, flags },
            "emitWithAck",
          ),
        ),
    );
  }

  #request(type: typeof RequestType.REMOTE_JOIN | typeof RequestType.REMOTE_LEAVE, rooms: Room | readonly Room[]) {
    const ctx = this.#ctx;
    // no uid: byte-identical with @socket.io/redis-emitter, and every server, none excluded, applies it
    const payload = encodeRequest({
      type,
      opts: { rooms: [...this.#rooms], except: [...this.#except] },
      rooms: toList(rooms),
    });
    debug("publishing %s request on %s", type === RequestType.REMOTE_JOIN ? "join" : "leave", ctx.channels.request);
    return ctx.pub.publish(ctx.channels.request, payload);
  }

  /**
   * Makes the selected sockets join `rooms`, on every server.
   *
   * @example
   * ```ts
   * await emitter.in("user:42").socketsJoin("room:7");
   * ```
   */
  socketsJoin(rooms: Room | readonly Room[]): Promise<void> {
    const { recentJoins, channels } = this.#ctx;
    recentJoins.add(toList(rooms).map((room) => channels.room(room)));
    return this.#request(RequestType.REMOTE_JOIN, rooms);
  }

  /**
   * Makes the selected sockets leave `rooms`, on every server.
   *
   * @example
   * ```ts
   * await emitter.in("room:7").socketsLeave("room:7");
   * ```
   */
  socketsLeave(rooms: Room | readonly Room[]): Promise<void> {
    return this.#request(RequestType.REMOTE_LEAVE, rooms);
  }

  /**
   * Disconnects the selected sockets; with `close` the underlying connection is closed too.
   *
   * @example
   * ```ts
   * await emitter.in("user:42").disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): Promise<void> {
    const ctx = this.#ctx;
    const payload = encodeRequest({
      type: RequestType.REMOTE_DISCONNECT,
      opts: { rooms: [...this.#rooms], except: [...this.#except] },
      close,
    });
    return ctx.pub.publish(ctx.channels.request, payload);
  }

  /**
   * The selected sockets of every server, with their id, rooms, data and handshake. Needs `subClient`.
   * Rejects with a {@link QueryTimeoutError} (holding the sockets of the servers that answered) when a server
   * does not answer in time.
   *
   * @example
   * ```ts
   * for (const socket of await emitter.in("room1").fetchSockets()) {
   *   console.log(socket.id, socket.rooms, socket.data);
   *   if (socket.data.banned) await socket.disconnect(true);
   * }
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<Ev, SocketData>[]> {
    const ctx = this.#ctx;
    const opts = { rooms: [...this.#rooms], except: [...this.#except] };
    const timeoutMs = this.#timeout ?? ctx.requestsTimeout;
    return attempt(() =>
      ctx.queries("fetchSockets").run(remoteSockets(ctx, fetchSocketsQuery({ uid: ctx.uid, timeoutMs }, opts))),
    );
  }
}

/** The catalogue's fetchSockets, with each socket as a {@link RemoteSocket}. */
function remoteSockets<Ev extends EventsMap, SocketData>(
  ctx: NamespaceContext,
  query: QuerySpec<FetchedSocket[]>,
): QuerySpec<RemoteSocket<Ev, SocketData>[]> {
  return {
    ...query,
    collector: (expected) => {
      const found = query.collector(expected);
      return { ...found, result: () => found.result().map((s) => new RemoteSocket<Ev, SocketData>(ctx, s)) };
    },
  };
}

/**
 * A socket connected to some server, as returned by `fetchSockets()`: its details at the time of the query,
 * and shortcuts that target it by id.
 *
 * @example
 * ```ts
 * const [socket] = await emitter.in("user:42").fetchSockets();
 * if (socket) {
 *   await socket.join("premium");
 *   await socket.emit("welcome", socket.data);
 * }
 * ```
 */
export class RemoteSocket<Ev extends EventsMap = DefaultEventsMap, SocketData = unknown> {
  /** The socket id. */
  readonly id: string;
  /** The rooms it was in (its own id included). */
  readonly rooms: ReadonlySet<Room>;
  /** `socket.data` on its server (JSON: binary and Dates do not survive). */
  readonly data: SocketData;
  /** Its handshake: headers, time, address, xdomain, secure, issued, url, query, auth. */
  readonly handshake: Readonly<Record<string, unknown>>;
  readonly #operator: BroadcastOperator<Ev, SocketData>;

  /** @internal */
  constructor(ctx: NamespaceContext, details: FetchedSocket) {
    this.id = details.id;
    this.rooms = new Set(details.rooms);
    this.data = details.data as SocketData;
    this.handshake = details.handshake;
    this.#operator = new BroadcastOperator<Ev, SocketData>(ctx, new Set([details.id]));
  }

  /** Emits to this socket only. */
  emit<E extends EventNames<Ev>>(ev: E, ...args: EmitArgs<Ev, E>): Promise<void> {
    return this.#operator.emit(ev, ...args);
  }

  /** Makes this socket join `rooms`. */
  join(rooms: Room | readonly Room[]): Promise<void> {
    return this.#operator.socketsJoin(rooms);
  }

  /** Makes this socket leave `rooms`. */
  leave(rooms: Room | readonly Room[]): Promise<void> {
    return this.#operator.socketsLeave(rooms);
  }

  /** Disconnects this socket (and with `close`, its connection). */
  disconnect(close = false): Promise<void> {
    return this.#operator.disconnectSockets(close);
  }
}
