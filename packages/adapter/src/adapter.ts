// The Socket.IO adapter: local delivery comes from socket.io-adapter's in-memory Adapter; this class publishes
// what must reach the other servers, receives what they publish, and answers their requests.
import { randomBytes } from "node:crypto";
import {
  type BroadcastFlags,
  type ClassicChannels,
  type ClassicRequest,
  type ClassicResponse,
  classicChannels,
  DEFAULT_PREFIX,
  decodeBroadcast,
  decodeRequest,
  type EventPacket,
  encodeBroadcast,
  encodeRequest,
  encodeResponse,
  type Parser,
  ProtocolError,
  RequestType,
  type Room,
  type BroadcastOptions as WireOptions,
  wireRoom,
} from "@sio-redis/protocol";
import {
  allRoomsQuery,
  broadcastWithAckQuery,
  type Collector,
  checkTimeout,
  describeError,
  fetchSocketsQuery,
  noop,
  type QueryOrigin,
  type QuerySpec,
  QueryTimeoutError,
  RecentRooms,
  type RedisSeam,
  Requests,
  type Subscriptions,
  serverSideEmitQuery,
  socketsQuery,
  subscriptionsOf,
  toError,
  withDeadline,
  wrapRedisClient,
} from "@sio-redis/transport";
import createDebug from "debug";
import { Adapter, type BroadcastOptions, type Room as LocalRoom, type SocketId } from "socket.io-adapter";
import { type ErrorSink, watchErrors } from "./client-errors.js";
import type { RedisClientLike } from "./client-like.js";
import { answer, type LocalServer, localOptions } from "./responder.js";
import { callbackOrPromise, type LocalSocket, type NodeCallback, seedApi } from "./socket-io-redis-api.js";

const debug = createDebug("sio-redis:adapter");

/** Options of {@link createAdapter}. */
export interface RedisAdapterOptions {
  /** Channel prefix. Default `socket.io`. Every server and emitter of a cluster must use the same one. */
  key?: string;
  /** How long cluster-wide queries wait for every server's answer, in ms. Default 1000. */
  requestsTimeout?: number;
  /**
   * Answer requests on the requester's own response channel (every requester since @socket.io/redis-adapter 7.1
   * listens there) rather than the shared one that every server receives. Default `true`.
   */
  publishOnSpecificResponseChannel?: boolean;
  /** Replaces msgpack for broadcasts and acknowledged broadcasts; must match the other servers'. */
  parser?: Parser;
  /**
   * How this server listens for broadcasts. Servers of either mode share a cluster, with official ones too.
   * - `"pattern"` (default): one PSUBSCRIBE per namespace, like @socket.io/redis-adapter. Every server receives
   *   every broadcast of the namespace and skips, before decoding, those to a single room it does not have. No
   *   broadcast is missed right after a join.
   * - `"dynamic"`: one SUBSCRIBE per room that has a local member, so that a server receives only the broadcasts
   *   that concern it. A room's channel is subscribed after the join, so a broadcast published by another
   *   server less than a Redis round trip after `socket.join(room)` can miss the new member;
   *   `await socket.join(room)` resolves once the subscription is in place.
   */
  subscriptionMode?: "pattern" | "dynamic";
  /**
   * `true` (default): a broadcast to exactly one room goes on that room's channel, as every adapter since
   * socket.io-redis 5 does, so that receivers skip other rooms before decoding. `false`: every broadcast goes on
   * the namespace channel. Either way every server, in either subscription mode, receives it.
   */
  withChannelMultiplexing?: boolean;
  /** For event-style clients (ioredis): the event messages come with. Default `messageBuffer`. */
  subEvent?: string;
}

/** What an adapter has seen since it was created. */
export interface AdapterCounters {
  /** Messages received from Redis on this namespace's channels. */
  readonly messagesIn: number;
  /** Messages published. */
  readonly messagesOut: number;
  /** Received messages thrown away as malformed, of an unknown type, or unsafe to deliver. */
  readonly dropped: number;
  /** Failed publishes and subscriptions, and errors of the Redis clients. */
  readonly errors: number;
}

/** Answers a {@link RedisAdapter.customRequest}: call `reply` once with this server's answer. */
export type CustomHook = (data: unknown, reply: (answer: unknown) => void) => void;

/** A Socket.IO namespace, as much of it as the adapter uses (socket.io types it loosely too). */
interface Namespace {
  readonly name: string;
  readonly sockets: Map<SocketId, LocalSocket>;
  _onServerSideEmit(args: unknown[]): void;
}

const DEFAULT_REQUESTS_TIMEOUT = 1000;
/** Requests one namespace may have waiting; more are refused rather than piling up. */
const MAX_PENDING_REQUESTS = 10_000;
/** While requests wait, servers are counted this often, so that a dead server costs ~this, not the timeout. */
const RECOUNT_MS = 100;
const UID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** 6 random alphanumerics, like the official adapter's uids (the emitter's "emitter" has 7). */
function newUid(): string {
  return [...randomBytes(6)].map((b) => UID_ALPHABET[b % UID_ALPHABET.length]).join("");
}

function selector(opts: BroadcastOptions): { rooms: Room[]; except: Room[] } {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])] };
}

function wireOptions(opts: BroadcastOptions): WireOptions {
  return { ...selector(opts), flags: (opts.flags ?? {}) as BroadcastFlags };
}

function subscriptionMode(mode: unknown): "pattern" | "dynamic" {
  if (mode === undefined || mode === "pattern" || mode === "dynamic") return mode ?? "pattern";
  throw new TypeError(`subscriptionMode must be "pattern" or "dynamic", got ${JSON.stringify(mode)}`);
}

/** `rooms` with every room as Redis carries it (see wireRoom); the same set when nothing changes (the usual case). */
function wireSafeSet(rooms: Set<LocalRoom>): Set<LocalRoom> {
  for (const room of rooms) if (wireRoom(room) !== room) return new Set([...rooms].map(wireRoom));
  return rooms;
}

/** `opts` with its rooms and exceptions as Redis carries them; the same object when nothing changes. */
function wireSafe(opts: BroadcastOptions): BroadcastOptions {
  const rooms = wireSafeSet(opts.rooms);
  const except = opts.except && wireSafeSet(opts.except);
  return rooms === opts.rooms && except === opts.except ? opts : { ...opts, rooms, except: except ?? new Set() };
}

/**
 * The Redis adapter of one namespace on one server. Socket.IO creates it through {@link createAdapter}; get it
 * with `io.of("/").adapter`.
 *
 * @example
 * ```ts
 * const adapter = io.of("/").adapter as RedisAdapter;
 * adapter.on("error", (err) => log.warn(err));
 * const rooms = await adapter.allRooms();
 * ```
 */
export class RedisAdapter<PubClient extends object = RedisClientLike, SubClient extends object = RedisClientLike>
  extends Adapter
  implements ErrorSink
{
  /** This adapter's id on the wire; it ignores its own messages by it. */
  readonly uid = newUid();
  readonly prefix: string;
  /** The client given as `pubClient`: publishes, and answers PUBSUB queries. */
  readonly pubClient: PubClient;
  /** The client given as `subClient`: subscriptions only. */
  readonly subClient: SubClient;
  readonly requestsTimeout: number;
  /**
   * Answers {@link customRequest}s from any server, this one included. The default answers `null`.
   *
   * @example
   * ```ts
   * adapter.customHook = (data, reply) => reply(data === "load" ? os.loadavg()[0] : null);
   * ```
   */
  customHook: CustomHook = (_data, reply) => reply(null);

  readonly #counters = { messagesIn: 0, messagesOut: 0, dropped: 0, errors: 0 };
  readonly #channels: ClassicChannels;
  readonly #pub: RedisSeam;
  readonly #subs: Subscriptions;
  readonly #requests: Requests;
  readonly #parser: Parser | undefined;
  readonly #specific: boolean;
  /** Room channels for single-room broadcasts (`withChannelMultiplexing`). */
  readonly #multiplex: boolean;
  /** A SUBSCRIBE per local room (`subscriptionMode: "dynamic"`). */
  readonly #perRoom: boolean;
  readonly #ready: Promise<void>;
  readonly #unwatch: Array<() => void>;
  readonly #recentJoins = new RecentRooms();
  /** The server count of the last acknowledged broadcast, handed to Socket.IO's own count (see broadcastWithAck). */
  #ackServerCount: Promise<number> | undefined;
  #closed = false;

  constructor(nsp: Namespace, pubClient: PubClient, subClient: SubClient, opts: RedisAdapterOptions = {}) {
    super(nsp);
    this.prefix = opts.key ?? DEFAULT_PREFIX;
    this.pubClient = pubClient;
    this.subClient = subClient;
    this.requestsTimeout = checkTimeout(opts.requestsTimeout ?? DEFAULT_REQUESTS_TIMEOUT, "requestsTimeout");
    this.#parser = opts.parser;
    this.#specific = opts.publishOnSpecificResponseChannel ?? true;
    this.#multiplex = opts.withChannelMultiplexing ?? true;
    this.#perRoom = subscriptionMode(opts.subscriptionMode) === "dynamic";
    this.#channels = classicChannels(this.prefix, nsp.name);
    this.#pub = wrapRedisClient(pubClient, { role: "pubClient" });
    this.#subs = subscriptionsOf(subClient, { role: "subClient", subEvent: opts.subEvent });
    this.#unwatch = [watchErrors(this.#pub, "pubClient", this), watchErrors(this.#subs.seam, "subClient", this)];
    this.#requests = new Requests({
      pub: this.#pub,
      subs: this.#subs,
      channels: this.#channels,
      uid: this.uid,
      parser: this.#parser,
      maxPending: MAX_PENDING_REQUESTS,
      self: 1, // every server but this one answers
      owner: "the adapter",
      recountMs: RECOUNT_MS,
      publish: (channel, payload) => this.#publish(channel, payload),
      observe: (malformed) => {
        this.#counters.messagesIn++;
        if (malformed) this.#counters.dropped++;
      },
    });
    if (this.#perRoom) {
      this.on("create-room", this.#onCreateRoom);
      this.on("delete-room", this.#onDeleteRoom);
    }
    this.#ready = this.#track(
      Promise.all([
        // first: Redis gets it in the same or an earlier SUBSCRIBE than our response channel, so a count that sees
        // our response channel subscribed counts this server (Requests.servers)
        this.#subs.subscribe([this.#channels.request], this.#onRequest),
        // the broadcast channel as a pattern in both modes: PUBSUB NUMSUB must not count it (literalBroadcast)
        this.#subs.psubscribe(
          [this.#perRoom ? this.#channels.literalBroadcast : this.#channels.pattern],
          this.#onBroadcast,
        ),
        this.#requests.ready(),
      ]).then(noop),
    );
    debug("[%s] adapter for %s (%s)", this.uid, nsp.name, this.#perRoom ? "room channels" : "pattern");
  }

  /** Resolves once Redis confirmed this adapter's subscriptions. Socket.IO calls it; it is safe to await. */
  override init(): Promise<void> {
    return this.#ready;
  }

  /** Messages in and out, dropped and errors, since this adapter was created. */
  get counters(): AdapterCounters {
    return { ...this.#counters };
  }

  /** Requests of this namespace waiting for answers (each has a deadline; at most 10,000 wait at once). */
  get pendingRequests(): number {
    return this.#requests.pendingCount;
  }

  /** Receives `error` events of both Redis clients; see client-errors.ts. */
  clientError(err: Error, role: string, repeat: boolean): boolean {
    this.#counters.errors++;
    debug("[%s] %s error: %s", this.uid, role, err.message);
    if (repeat || this.listenerCount("error") === 0) return false;
    this.emit("error", err);
    return true;
  }

  // --- publishing -------------------------------------------------------------------------------------------

  override broadcast(packet: EventPacket, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    opts = wireSafe(opts);
    if (!opts.flags?.local) {
      const wire = wireOptions(opts);
      this.#publish(
        this.#channelFor(wire.rooms),
        encodeBroadcast({ uid: this.uid, packet, opts: wire }, { parser: this.#parser }),
      );
    }
    super.broadcast(packet, opts);
  }

  /** Where a broadcast to `rooms` goes. */
  #channelFor(rooms: readonly Room[]): string {
    const { broadcast, forBroadcast } = this.#channels;
    if (!this.#multiplex) return broadcast;
    // after socketsJoin(room), a server subscribing per room and without a member may not be listening yet
    return this.#recentJoins.channelFor(forBroadcast(rooms), broadcast);
  }

  override broadcastWithAck(
    packet: EventPacket,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    packet.nsp = this.nsp.name;
    opts = wireSafe(opts);
    if (!opts.flags?.local) {
      // a copy: the local delivery below gives `packet` an ack id of this server
      const query = broadcastWithAckQuery(
        { uid: this.uid, timeoutMs: opts.flags?.timeout ?? this.requestsTimeout },
        { ...packet },
        wireOptions(opts),
      );
      // Socket.IO asks serverCount() right after this call and waits for that many client counts: give it the
      // count the request was sent with, so that both agree even while servers come and go.
      const servers = this.#requests.servers();
      servers.catch(noop); // reported by serverCount() or the request
      this.#ackServerCount = servers;
      queueMicrotask(() => {
        if (this.#ackServerCount === servers) this.#ackServerCount = undefined;
      });
      this.#query({
        ...query,
        responders: servers.then((n) => Math.max(0, n - 1)),
        collector: (expected) => {
          const acks = query.collector(expected);
          let counted = 0;
          return {
            ...acks,
            add(response) {
              if (response.type === RequestType.BROADCAST_CLIENT_COUNT) {
                counted++;
                clientCountCallback(response.clientCount);
              } else if (response.type === RequestType.BROADCAST_ACK) {
                ack(response.packet);
              }
              return acks.add(response);
            },
            settle(live) {
              if (!acks.settle?.(live)) return false;
              // servers gone before counting: Socket.IO still waits for their count, which is 0
              for (; counted < expected; counted++) clientCountCallback(0);
              return true;
            },
          } satisfies Collector<unknown[]>;
        },
      }).catch((err: unknown) => {
        // on timeout Socket.IO reports the missing acks itself
        if (!(err instanceof QueryTimeoutError)) this.#failed("broadcastWithAck")(err);
      });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /**
   * Servers serving this namespace: the subscribers of its request channel. When Redis cannot be asked, only
   * this one: Socket.IO calls it without handling a rejection, and without Redis only local clients are reached.
   */
  override serverCount(): Promise<number> {
    return (this.#ackServerCount ?? this.#requests.servers()).catch((err: unknown) => {
      this.#failed("counting servers")(err);
      return 1;
    });
  }

  /**
   * Adds a socket to rooms. With room channels, the returned promise (what `await socket.join(room)` waits for)
   * resolves once Redis confirmed the subscription to every new room's channel, or after `requestsTimeout` if
   * Redis does not answer: a broadcast sent after that reaches the socket.
   */
  override addAll(id: SocketId, rooms: Set<LocalRoom>): Promise<void> | void {
    rooms = wireSafeSet(rooms);
    super.addAll(id, rooms);
    if (!this.#perRoom) return;
    const subscribed = this.#subs.whenSubscribed([...rooms].map((room) => this.#channels.room(room)));
    return subscribed && withDeadline(subscribed, this.requestsTimeout);
  }

  override del(id: SocketId, room: LocalRoom): Promise<void> | void {
    return super.del(id, wireRoom(room));
  }

  override addSockets(opts: BroadcastOptions, rooms: LocalRoom[]): void {
    opts = wireSafe(opts);
    rooms = rooms.map(wireRoom);
    if (!opts.flags?.local) {
      // whatever this server's mode, some other server may subscribe per room
      this.#recentJoins.add(rooms.map((room) => this.#channels.room(room)));
      this.#publishRequest({ type: RequestType.REMOTE_JOIN, uid: this.uid, opts: selector(opts), rooms });
    }
    super.addSockets(opts, rooms);
  }

  override delSockets(opts: BroadcastOptions, rooms: LocalRoom[]): void {
    opts = wireSafe(opts);
    rooms = rooms.map(wireRoom);
    if (!opts.flags?.local) {
      this.#publishRequest({ type: RequestType.REMOTE_LEAVE, uid: this.uid, opts: selector(opts), rooms });
    }
    super.delSockets(opts, rooms);
  }

  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    opts = wireSafe(opts);
    if (!opts.flags?.local) {
      this.#publishRequest({ type: RequestType.REMOTE_DISCONNECT, uid: this.uid, opts: selector(opts), close });
    }
    super.disconnectSockets(opts, close);
  }

  override async fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    opts = wireSafe(opts);
    const local: unknown[] = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const remote = await this.#query({
      ...fetchSocketsQuery(this.#origin(), selector(opts)),
      timeoutLead: "timeout reached while waiting for fetchSockets response: ",
    });
    // one by one: spreading 100k+ sockets would overflow the stack
    for (const socket of remote) local.push(socket);
    return local;
  }

  /** Socket ids in any of `rooms` (all when empty), on every server. `io.in(room).allSockets()` uses it. */
  override async sockets(rooms: Set<LocalRoom>): Promise<Set<SocketId>> {
    rooms = wireSafeSet(rooms);
    const ids = await super.sockets(rooms);
    const remote = await this.#query({
      ...socketsQuery(this.#origin(), [...rooms]),
      timeoutLead: "timeout reached while waiting for sockets response: ",
    });
    for (const id of remote) ids.add(id);
    return ids;
  }

  override serverSideEmit(packet: unknown[]): void {
    const withAck = typeof packet[packet.length - 1] === "function";
    if (!withAck) {
      this.#publishRequest({ type: RequestType.SERVER_SIDE_EMIT, uid: this.uid, data: packet });
      return;
    }
    const ack = packet.pop() as (err: Error | null, responses: unknown[]) => void;
    const data = [...packet];
    this.#query(serverSideEmitQuery(this.#origin(), data)).then(
      (responses) => this.#callBack("serverSideEmit", () => ack(null, responses)),
      (err: Error) => {
        // the official adapter's wording, which applications match on
        const error =
          err instanceof QueryTimeoutError
            ? new Error(`timeout reached: only ${err.answered} responses received out of ${err.expected}`)
            : err;
        const partial = err instanceof QueryTimeoutError ? (err.partial as unknown[]) : [];
        this.#callBack("serverSideEmit", () => ack(error, partial));
      },
    );
  }

  /**
   * Every room of the namespace on every server (each socket's own id room included).
   *
   * @example
   * ```ts
   * const rooms = await adapter.allRooms(); // Set { "room1", "Xc3l…", … }
   * adapter.allRooms((err, rooms) => {}); // socket.io-redis style: rooms is an array
   * ```
   */
  allRooms(): Promise<Set<Room>>;
  allRooms(cb: NodeCallback<Room[]>): void;
  allRooms(cb?: NodeCallback<Room[]>): Promise<Set<Room>> | undefined {
    const all = this.#allRooms();
    if (!cb) return all;
    callbackOrPromise(
      all.then((rooms) => [...rooms]),
      cb,
      this.#runCallback,
    );
    return undefined;
  }

  async #allRooms(): Promise<Set<Room>> {
    const rooms = new Set<Room>(this.rooms.keys());
    const remote = await this.#query({
      ...allRoomsQuery(this.#origin(), rooms),
      timeoutLead: "timeout reached while waiting for allRooms response: ",
    });
    return remote;
  }

  // --- the socket.io-redis API (socket-io-redis-api.ts) ---------------------------------------------------------------

  /**
   * Ids of the sockets in any of `rooms` (every socket when none) on every server.
   *
   * @example
   * ```ts
   * adapter.clients(["room1"], (err, ids) => console.log(ids));
   * const all = await adapter.clients();
   * ```
   */
  clients(rooms?: Room[]): Promise<SocketId[]>;
  clients(cb: NodeCallback<SocketId[]>): void;
  clients(rooms: Room[], cb: NodeCallback<SocketId[]>): void;
  clients(rooms?: Room[] | NodeCallback<SocketId[]>, cb?: NodeCallback<SocketId[]>): Promise<SocketId[]> | undefined {
    if (typeof rooms === "function") return callbackOrPromise(this.#seed.clients([]), rooms, this.#runCallback);
    return callbackOrPromise(this.#seed.clients(rooms ?? []), cb, this.#runCallback);
  }

  /**
   * The rooms of socket `id`, wherever it is connected. Fails for an unknown id.
   *
   * @example
   * ```ts
   * const rooms = await adapter.clientRooms(socketId);
   * ```
   */
  clientRooms(id: SocketId): Promise<Room[]>;
  clientRooms(id: SocketId, cb: NodeCallback<Room[]>): void;
  clientRooms(id: SocketId, cb?: NodeCallback<Room[]>): Promise<Room[]> | undefined {
    return callbackOrPromise(this.#seed.clientRooms(id), cb, this.#runCallback);
  }

  /**
   * Makes socket `id`, wherever it is connected, join `room`; calls back once it has. Fails for an unknown id.
   *
   * @example
   * ```ts
   * await adapter.remoteJoin(socketId, "room1");
   * ```
   */
  remoteJoin(id: SocketId, room: Room): Promise<void>;
  remoteJoin(id: SocketId, room: Room, cb: NodeCallback<void>): void;
  remoteJoin(id: SocketId, room: Room, cb?: NodeCallback<void>): Promise<void> | undefined {
    return callbackOrPromise(this.#seed.remote(RequestType.REMOTE_JOIN, id, { room }), cb, this.#runCallback);
  }

  /**
   * Makes socket `id`, wherever it is connected, leave `room`. Fails for an unknown id.
   *
   * @example
   * ```ts
   * adapter.remoteLeave(socketId, "room1", (err) => {});
   * ```
   */
  remoteLeave(id: SocketId, room: Room): Promise<void>;
  remoteLeave(id: SocketId, room: Room, cb: NodeCallback<void>): void;
  remoteLeave(id: SocketId, room: Room, cb?: NodeCallback<void>): Promise<void> | undefined {
    return callbackOrPromise(this.#seed.remote(RequestType.REMOTE_LEAVE, id, { room }), cb, this.#runCallback);
  }

  /**
   * Disconnects socket `id` wherever it is connected (`close`: also close the underlying connection); calls
   * back once done. Fails for an unknown id.
   *
   * @example
   * ```ts
   * await adapter.remoteDisconnect(socketId, true);
   * ```
   */
  remoteDisconnect(id: SocketId, close: boolean): Promise<void>;
  remoteDisconnect(id: SocketId, close: boolean, cb: NodeCallback<void>): void;
  remoteDisconnect(id: SocketId, close: boolean, cb?: NodeCallback<void>): Promise<void> | undefined {
    return callbackOrPromise(this.#seed.remote(RequestType.REMOTE_DISCONNECT, id, { close }), cb, this.#runCallback);
  }

  /**
   * Sends `data` to every server's {@link customHook}, this one's included; gives their replies, this server's
   * first. Servers that do not implement it (official adapters) make it time out with the replies so far.
   *
   * @example
   * ```ts
   * adapter.customHook = (data, reply) => reply(process.memoryUsage().rss);
   * const rss = await adapter.customRequest("rss");
   * ```
   */
  customRequest(data: unknown): Promise<unknown[]>;
  customRequest(data: unknown, cb: NodeCallback<unknown[]>): void;
  customRequest(data: unknown, cb?: NodeCallback<unknown[]>): Promise<unknown[]> | undefined {
    return callbackOrPromise(this.#seed.customRequest(data), cb, this.#runCallback);
  }

  readonly #seed = seedApi({
    local: (id) => this.nsp.sockets.get(id) as LocalSocket | undefined,
    localRooms: (id) => this.sids.get(id),
    sockets: (rooms) => this.sockets(rooms),
    hook: (data) => new Promise((resolve) => this.#callHook(data, resolve)),
    query: (spec) => this.#query(spec),
    uid: () => this.uid,
    timeoutMs: () => this.requestsTimeout,
  });

  // --- receiving ------------------------------------------------------------------------------------------

  // With room channels: a room's channel is subscribed while the room has a local member.
  readonly #onCreateRoom = (room: LocalRoom): void => {
    this.#track(this.#subs.subscribe([this.#channels.room(room)], this.#onBroadcast));
  };
  readonly #onDeleteRoom = (room: LocalRoom): void => {
    this.#track(this.#subs.unsubscribe([this.#channels.room(room)], this.#onBroadcast));
  };

  readonly #onBroadcast = (channel: string, message: Buffer): void => {
    this.#counters.messagesIn++;
    const base = this.#channels.broadcast;
    if (channel !== base) {
      // a room channel: skip the decoding when no local socket is in the room (pattern mode gets them all)
      if (!channel.startsWith(base) || !channel.endsWith("#")) return;
      const room = channel.slice(base.length, -1);
      if (room !== "" && !this.#hasRoom(room)) return;
    }
    const decoded = decodeBroadcast(message, { parser: this.#parser });
    if (decoded instanceof ProtocolError) {
      this.#drop(channel, decoded.message);
      return;
    }
    const { uid, packet, opts } = decoded;
    if (uid === this.uid) return;
    if (packet.nsp !== this.nsp.name) return; // another namespace's message on a shared prefix
    const { id: _ackId, ...event } = packet; // plain broadcasts never expect acks
    try {
      super.broadcast(event, localOptions(opts));
    } catch (err) {
      this.#drop(channel, `local delivery failed: ${(err as Error).message}`);
    }
  };

  /** A channel names rooms as text: the room may be the number that text spells. */
  #hasRoom(room: string): boolean {
    if (this.rooms.has(room)) return true;
    const n = Number(room);
    return room.trim() !== "" && Number.isFinite(n) && this.rooms.has(n as unknown as LocalRoom);
  }

  readonly #onRequest = (channel: string, message: Buffer): void => {
    this.#counters.messagesIn++;
    const request = decodeRequest(message, { parser: this.#parser });
    if (request instanceof ProtocolError) {
      this.#drop(channel, request.message);
      return;
    }
    if (request.uid === this.uid) return; // our own, applied locally when sent
    try {
      answer(request, this.#local, (response) => this.#respond(request, response));
    } catch (err) {
      // e.g. an application's serverSideEmit handler that throws
      this.#failed(`answering a type ${request.type} request`)(err);
    }
  };

  /** This server's own part, for answering requests: socket.io-adapter's in-memory operations. */
  readonly #local: LocalServer = {
    rooms: () => this.rooms.keys(),
    socket: (id) => this.nsp.sockets.get(id) as LocalSocket | undefined,
    sockets: (rooms) => super.sockets(rooms),
    fetchSockets: (opts) => super.fetchSockets(opts),
    addSockets: (opts, rooms) => super.addSockets(opts, rooms),
    delSockets: (opts, rooms) => super.delSockets(opts, rooms),
    disconnectSockets: (opts, close) => super.disconnectSockets(opts, close),
    broadcastWithAck: (packet, opts, clientCount, ack) => super.broadcastWithAck(packet, opts, clientCount, ack),
    serverSideEmit: (args) => this.nsp._onServerSideEmit(args),
    customHook: (data, reply) => this.#callHook(data, reply),
    failed: (what) => this.#failed(what),
  };

  /** Runs the custom hook once, whatever it does: a hook that throws or answers twice cannot hurt the server. */
  #callHook(data: unknown, reply: (answer: unknown) => void): void {
    let answered = false;
    try {
      this.customHook(data, (answer) => {
        if (answered) return;
        answered = true;
        reply(answer);
      });
    } catch (err) {
      this.#failed("customHook")(err);
      if (!answered) reply(null); // a hook that throws answers null, so that the requester does not wait
    }
  }

  readonly #runCallback = (run: () => void): void => this.#callBack("callback", run);

  /**
   * Runs an application callback outside any promise chain. What it throws is the application's own exception:
   * counted, then thrown again on a turn of its own, where Node reports it as uncaught, as it does for a callback
   * of `fs` or `net` (and as socket.io-redis did), rather than an unhandled rejection or a log line nobody reads.
   */
  #callBack(what: string, run: () => void): void {
    try {
      run();
    } catch (err) {
      this.#counters.errors++;
      debug("[%s] %s threw: %s", this.uid, what, describeError(err));
      setImmediate(() => {
        throw err;
      });
    }
  }

  #respond(request: ClassicRequest, response: ClassicResponse): void {
    if (this.#closed) return;
    const channel =
      this.#specific && request.uid !== undefined ? this.#channels.nodeResponse(request.uid) : this.#channels.response;
    let payload: Buffer | string;
    try {
      payload = encodeResponse(response, { parser: this.#parser });
    } catch (err) {
      this.#failed("encoding a response")(err); // e.g. socket.data holding a BigInt
      return;
    }
    this.#publish(channel, payload);
  }

  // --- plumbing ----------------------------------------------------------------------------------------------

  #query<T>(spec: QuerySpec<T>): Promise<T> {
    return this.#requests.run(spec);
  }

  /** Who asks and how long it waits, for the catalogue's queries. */
  #origin(): QueryOrigin {
    return { uid: this.uid, timeoutMs: this.requestsTimeout };
  }

  #publishRequest(request: ClassicRequest): void {
    this.#publish(this.#channels.request, encodeRequest(request, { parser: this.#parser }));
  }

  /** Publishes that failed since the last one that went through (0: none is failing). */
  #failingPublishes = 0;

  /**
   * Publishes; a failure is counted and reported here, and the returned promise (safe to ignore) rejects. Of a
   * run of failures (Redis unreachable for a while) the first is told to `error` listeners, with what to expect;
   * the others are counted in `counters.errors` until a publish goes through again.
   */
  #publish(channel: string, payload: Buffer | string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#counters.messagesOut++;
    const sent = this.#pub.publish(channel, payload);
    sent.then(
      () => {
        if (this.#failingPublishes === 0) return;
        debug("[%s] publishing works again after %d failures", this.uid, this.#failingPublishes);
        this.#failingPublishes = 0;
      },
      (err: unknown) => {
        if (this.#failingPublishes++ > 0) {
          this.#counters.errors++;
          return;
        }
        const error = new Error(
          `publishing on ${channel} failed: ${describeError(err)} (further failures are counted in ` +
            `adapter.counters.errors, not reported, until a publish goes through)`,
          { cause: err },
        );
        this.#failed("publishing")(error);
      },
    );
    return sent;
  }

  /** Promises that must never become unhandled: counted, logged, and told to `error` listeners. */
  #track(promise: Promise<void>): Promise<void> {
    promise.catch(this.#failed("subscribing"));
    return promise;
  }

  #failed(what: string): (err: unknown) => void {
    return (err) => {
      this.#counters.errors++;
      const error = toError(err);
      debug("[%s] %s failed: %s", this.uid, what, error.message);
      if (this.listenerCount("error") > 0) this.emit("error", error);
    };
  }

  #drop(channel: string, why: string): void {
    this.#counters.dropped++;
    debug("[%s] dropped a message on %s: %s", this.uid, channel, why);
  }

  /**
   * Unsubscribes this namespace's channels and fails its pending requests. Socket.IO calls it on `io.close()`
   * and when `cleanupEmptyChildNamespaces` removes a namespace. The Redis clients stay open.
   */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { request, literalBroadcast, pattern } = this.#channels;
    const rooms = this.#perRoom ? [...this.rooms.keys()].map((room) => this.#channels.room(room)) : [];
    this.off("create-room", this.#onCreateRoom);
    this.off("delete-room", this.#onDeleteRoom);
    // a Redis that is down must not hold up Socket.IO's shutdown: wait for it at most requestsTimeout
    const done = Promise.all([
      withDeadline(
        Promise.all([
          this.#subs.unsubscribe([request], this.#onRequest),
          this.#subs.punsubscribe([this.#perRoom ? literalBroadcast : pattern], this.#onBroadcast),
          this.#subs.unsubscribe(rooms, this.#onBroadcast),
        ]),
        this.requestsTimeout,
      ),
      this.#requests.close(this.requestsTimeout),
    ]);
    for (const unwatch of this.#unwatch) unwatch();
    await done;
    await closeHooks.get(this)?.();
    debug("[%s] closed", this.uid);
  }
}

/** Work that close() finishes before it resolves, by adapter: the factory closes the clients it created. */
const closeHooks = new WeakMap<object, () => Promise<unknown>>();

/** Internal (not exported by the package): runs `hook` at the end of `adapter.close()`, which waits for it. */
export function whenClosed(adapter: RedisAdapter<object, object>, hook: () => Promise<unknown>): void {
  closeHooks.set(adapter, hook);
}

/** The function Socket.IO's `io.adapter()` takes: it calls it with `new` for each namespace. */
export type AdapterConstructor<
  PubClient extends object = RedisClientLike,
  SubClient extends object = RedisClientLike,
> = (nsp: unknown) => RedisAdapter<PubClient, SubClient>;

/**
 * Plugs the Redis adapter into a Socket.IO server: the signature of @socket.io/redis-adapter 8's
 * `createAdapter`. `pubClient` and `subClient` are two connected node-redis (3 or later) or ioredis clients, standalone or cluster;
 * `subClient` is used for subscriptions only.
 *
 * @example
 * ```ts
 * import { createClient } from "redis";
 * import { Server } from "socket.io";
 * import { createAdapter } from "@sio-redis/adapter";
 *
 * const pubClient = createClient({ url: "redis://localhost:6379" });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 *
 * const io = new Server({ adapter: createAdapter(pubClient, subClient) });
 * io.listen(3000);
 * ```
 */
export function createAdapter<PubClient extends object, SubClient extends object>(
  pubClient: PubClient,
  subClient: SubClient,
  opts?: RedisAdapterOptions,
): AdapterConstructor<PubClient, SubClient>;
/**
 * Clients typed `unknown`, as the previous signature took them: createAdapter checks at once that they are node-redis
 * or ioredis clients, and its adapters type them as {@link RedisClientLike}. Anything else TypeScript knows is not an
 * object (a string…) is refused.
 */
export function createAdapter<PubClient, SubClient>(
  pubClient: unknown extends PubClient ? PubClient : never,
  subClient: unknown extends SubClient ? SubClient : never,
  opts?: RedisAdapterOptions,
): AdapterConstructor;
export function createAdapter(
  pubClient: object,
  subClient: object,
  opts?: RedisAdapterOptions,
): AdapterConstructor<object, object> {
  // fail at once, not at the first namespace: the wrong object, or one client for both roles
  wrapRedisClient(pubClient, { role: "pubClient" });
  wrapRedisClient(subClient, { role: "subClient", subEvent: opts?.subEvent });
  if (pubClient === subClient) {
    throw new TypeError("pubClient and subClient must be two connections, e.g. subClient = pubClient.duplicate()");
  }
  if (opts?.requestsTimeout !== undefined) checkTimeout(opts.requestsTimeout, "requestsTimeout");
  // a function, not an arrow: Socket.IO calls it with `new`
  return function RedisAdapterFactory(nsp: unknown) {
    return new RedisAdapter(nsp as Namespace, pubClient, subClient, opts);
  };
}
