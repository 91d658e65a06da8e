// Request/response correlation over the classic request protocol: request ids, how many answers to wait for,
// deadlines and partial results. Shared by the emitter (which is not a server: every subscriber of the request
// channel answers it) and the adapter (which is one: every subscriber but itself answers).
import { randomBytes } from "node:crypto";
import {
  type ClassicChannels,
  type ClassicRequest,
  type ClassicResponse,
  decodeResponse,
  encodeRequest,
  type Parser,
  type Payload,
  ProtocolError,
  RequestType,
} from "@sio-redis/protocol";
import createDebug from "debug";
import { SioRedisError, toError } from "./errors.js";
import { noop } from "./promises.js";
import type { RedisSeam } from "./seam.js";
import type { Subscriptions } from "./subscriptions.js";

const debug = createDebug("sio-redis:transport");

/**
 * A query or acknowledged emit that did not get every answer before its deadline. `partial` holds what did
 * arrive (the sockets, rooms or acknowledgements of the servers that answered).
 *
 * @example
 * ```ts
 * try {
 *   await emitter.fetchSockets();
 * } catch (err) {
 *   if (err instanceof QueryTimeoutError) console.warn(err.message, err.partial);
 * }
 * ```
 */
export class QueryTimeoutError<T = unknown> extends SioRedisError {
  override name = "QueryTimeoutError";
  declare readonly code: "QUERY_TIMEOUT";
  constructor(
    /** What was asked: `fetchSockets`, `allRooms`, `emitWithAck`, `serverSideEmitWithAck`. */
    readonly request: string,
    readonly requestId: string,
    /** Servers that answered. */
    readonly answered: number,
    /** Servers expected to answer (subscribers of the request channel when the request was sent). */
    readonly expected: number,
    /** Whatever arrived before the deadline. */
    readonly partial: T,
    timeoutMs: number,
    detail = "",
    /** Put in front of the message, e.g. the official adapter's wording that applications match on. */
    lead = "",
  ) {
    super(
      "QUERY_TIMEOUT",
      `${lead}${request} request ${requestId} timed out after ${timeoutMs} ms: ${answered} of ${expected} servers answered${detail}`,
    );
  }
}

/** Gathers the responses of one request. */
export interface Collector<T> {
  /** Takes one response; returns true when the request is complete. */
  add(response: ClassicResponse): boolean;
  result(): T;
  answered(): number;
  /** Extra text for the timeout error, e.g. `, 3 of 4 acknowledgements received`. */
  detail?(): string;
  /**
   * Only `live` servers are left to answer (the others are gone): returns true when the request is complete
   * with what it has. Without it a request always waits for the servers counted when it was sent.
   */
  settle?(live: number): boolean;
}

/** One request to send: its name in errors, how to encode it with an id, and how to gather the answers. */
export interface QuerySpec<T> {
  name: string;
  type: RequestType;
  timeoutMs: number;
  build(requestId: string): ClassicRequest;
  collector(expected: number): Collector<T>;
  /** Put in front of the timeout error's message. */
  timeoutLead?: string;
  /** How many servers will answer, when the caller already knows; else they are counted. */
  responders?: Promise<number>;
}

interface Pending {
  readonly type: RequestType;
  /** The subscriber connection's epoch when the request was sent. */
  readonly epoch: number;
  onResponse(response: ClassicResponse): void;
  /** Called with the number of live servers that can answer; completes the request if all of them did. */
  onRecount(live: number): void;
  fail(error: Error): void;
}

export interface RequestsOptions {
  pub: RedisSeam;
  subs: Subscriptions;
  channels: ClassicChannels;
  /** This node's uid: responders answer on `nodeResponse(uid)`. */
  uid: string;
  parser?: Parser | undefined;
  /** At most this many requests wait for answers at once; more are refused rather than left to pile up. */
  maxPending: number;
  /**
   * 1 when the owner is itself a server (an adapter, subscribed to the request channel: it does not answer
   * itself), 0 for an emitter.
   */
  self: 0 | 1;
  /**
   * Queries (all requests but acknowledged broadcasts) published and not yet complete; the next ones wait
   * for a slot, within their own deadline. Their answers all come to this one subscriber connection: thousands
   * at once overflow Redis's `client-output-buffer-limit pubsub` and Redis drops the connection. Default 32.
   */
  maxConcurrent?: number;
  /** Names the owner in errors: "the emitter", "the adapter". */
  owner: string;
  /**
   * While requests are pending, the responders are counted again this often (ms), so that a request completes
   * as soon as every server still alive has answered instead of waiting for its deadline. 0 disables it.
   */
  recountMs?: number;
  /** Told about every message on the response channels, and whether it was malformed (the adapter counts). */
  observe?: (malformed: boolean) => void;
  /** Called when the last pending request completes (the emitter releases idle namespaces). */
  onIdle?: () => void;
  /** Publishes a request (default: `pub.publish`); the adapter passes its own to count them. */
  publish?: (channel: string, payload: Payload) => Promise<void>;
}

/** The pending requests of one namespace and its subscription to the response channels. */
export class Requests {
  readonly #opts: RequestsOptions;
  readonly #pending = new Map<string, Pending>();
  /** Queries waiting for a slot (see `maxConcurrent`), in call order. */
  readonly #waiting: Array<{ alive(): boolean; start(): void }> = [];
  #running = 0;
  #subscribed: Promise<void> | undefined;
  #subscribedOk = false;
  #recount: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: RequestsOptions) {
    this.#opts = opts;
  }

  /** Requests waiting for answers (for tests and metrics). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  // Bound once so unsubscribe() can hand the same function back.
  readonly #onMessage = (channel: string, message: Buffer): void => {
    const response = decodeResponse(message, (id) => this.#pending.get(id)?.type, { parser: this.#opts.parser });
    const malformed = response instanceof ProtocolError;
    this.#opts.observe?.(malformed);
    if (response === null) return; // another requester's answer (shared response channel)
    if (malformed) {
      debug("ignoring malformed response on %s: %s", channel, response.message);
      return;
    }
    const pending = this.#pending.get(response.requestId);
    try {
      pending?.onResponse(response);
    } catch (err) {
      // a response this request cannot take fails the request, never the Redis client's event loop
      debug("response to %s failed: %s", response.requestId, (err as Error).message);
      pending?.fail(toError(err));
    }
  };

  /**
   * Subscribers of the request channel: the servers, this one included for an adapter. Asked in one command with
   * this requester's own response channel, so that a count taken while its subscriber connection is away (and
   * which therefore misses this server) is never believed: it waits for the connection and asks again.
   */
  async servers(): Promise<number> {
    const { pub, subs, channels, uid } = this.#opts;
    const own = channels.nodeResponse(uid);
    for (let attempt = 1; ; attempt++) {
      await this.ready();
      await subs.ready([channels.response, own]);
      const [servers = 0, mine = 0] = await pub.numsub([channels.request, own]);
      if (mine > 0) return servers;
      // subscribed as far as the client knows, not (yet) in Redis: it dropped the connection, or a
      // SUBSCRIBE is in flight on a cluster's other node
      if (attempt >= 3) {
        throw new SioRedisError(
          "NOT_SUBSCRIBED",
          `${this.#opts.owner}'s subscriber connection is not subscribed in Redis`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }

  /** The servers that will answer a request sent now: all of them but this one. */
  async #responders(): Promise<number> {
    return Math.max(0, (await this.servers()) - this.#opts.self);
  }

  /** Subscribes to the response channels once. Never to the request channel: that would count as a server. */
  ready(): Promise<void> {
    if (!this.#subscribed) {
      const { channels, uid, subs } = this.#opts;
      const subscribing = subs.subscribe([channels.response, channels.nodeResponse(uid)], this.#onMessage);
      subscribing.then(
        () => {
          if (this.#subscribed === subscribing) this.#subscribedOk = true;
        },
        // a failed subscription is retried by the next request
        () => {
          if (this.#subscribed === subscribing) this.#subscribed = undefined;
        },
      );
      this.#subscribed = subscribing;
    }
    return this.#subscribed;
  }

  /**
   * Sends one request and gathers the answers until every expected server answered or the deadline passed.
   * The request is encoded and queued for publishing at once (once the response channels are subscribed), so it
   * keeps its place among the caller's other publishes; the deadline runs from the call, whatever Redis does.
   */
  run<T>(spec: QuerySpec<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new SioRedisError("CLOSED", `${spec.name}: ${this.#opts.owner} is closed`));
    // counted from the first moment: concurrent calls must see each other
    if (this.#pending.size >= this.#opts.maxPending) {
      return Promise.reject(
        new SioRedisError(
          "TOO_MANY_PENDING",
          `${spec.name}: too many pending requests (${this.#opts.maxPending}); try again later`,
        ),
      );
    }
    let payload: Payload;
    const requestId = randomBytes(8).toString("base64url");
    try {
      payload = encodeRequest(spec.build(requestId), { parser: this.#opts.parser });
    } catch (err) {
      return Promise.reject(err);
    }
    // acknowledged broadcasts go out at once (they are broadcasts); queries take a slot
    const limited = spec.type !== RequestType.BROADCAST;
    return new Promise<T>((resolve, reject) => {
      let collector: Collector<T> | undefined;
      let expected = 0;
      let started = false;
      const early: ClassicResponse[] = []; // answers that beat the server count
      const finish = (error: Error | null) => {
        if (!this.#pending.delete(requestId)) return;
        clearTimeout(timer);
        if (limited && started) this.#release();
        if (this.#pending.size === 0) {
          this.#stopRecount();
          this.#opts.onIdle?.();
        }
        if (error) reject(error);
        else resolve((collector ?? spec.collector(0)).result());
      };
      const timer = setTimeout(() => {
        const got = collector ?? spec.collector(expected);
        debug("%s %s timed out (%d of %d answered)", spec.name, requestId, got.answered(), expected);
        const error = new QueryTimeoutError(
          spec.name,
          requestId,
          got.answered(),
          expected,
          got.result(),
          spec.timeoutMs,
          got.detail?.() ?? "",
          spec.timeoutLead,
        );
        finish(error);
      }, spec.timeoutMs);
      const pending: Pending = {
        type: spec.type,
        epoch: this.#opts.subs.epoch,
        onResponse: (response) => {
          if (!collector) early.push(response);
          else if (collector.add(response)) finish(null);
        },
        onRecount: (live) => {
          if (collector && live < expected && collector.settle?.(live)) {
            debug("%s %s: %d of %d servers left, all answered", spec.name, requestId, live, expected);
            finish(null);
          }
        },
        fail: finish,
      };
      this.#pending.set(requestId, pending);
      const publish = () => {
        if (!this.#pending.has(requestId)) return;
        debug("sending %s %s", spec.name, requestId);
        this.#publish(this.#opts.channels.request, payload).catch((err: unknown) => {
          finish(toError(err));
        });
      };
      // the servers are counted when the request leaves (a query may wait for its slot while servers come and go)
      const countServers = () =>
        (spec.responders ?? this.#responders()).then(
          (n) => {
            if (!this.#pending.has(requestId)) return;
            expected = n;
            collector = spec.collector(n);
            if (n === 0) return finish(null); // nobody to ask
            for (const response of early.splice(0)) if (collector.add(response)) return finish(null);
            this.#startRecount();
          },
          (err: unknown) => finish(toError(err)),
        );
      const start = () => {
        if (!this.#pending.has(requestId)) return; // timed out while waiting for a slot
        started = true;
        countServers();
        // answers can only be received once subscribed: publish right away when that is done, else right after
        if (this.#subscribedOk) publish();
        else this.ready().then(publish, (err: unknown) => finish(toError(err)));
      };
      if (!limited) start();
      else this.#acquire({ alive: () => this.#pending.has(requestId), start });
    });
  }

  #acquire(query: { alive(): boolean; start(): void }): void {
    if (this.#running < (this.#opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT)) {
      this.#running++;
      query.start();
    } else {
      this.#waiting.push(query);
    }
  }

  #release(): void {
    this.#running--;
    // the queries that timed out while waiting are skipped
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) {
      if (!next.alive()) continue;
      this.#running++;
      next.start();
      return;
    }
  }

  #publish(channel: string, payload: Payload): Promise<void> {
    return this.#opts.publish ? this.#opts.publish(channel, payload) : this.#opts.pub.publish(channel, payload);
  }

  #startRecount(): void {
    const every = this.#opts.recountMs ?? 0;
    if (every <= 0 || this.#recount) return;
    let counting = false; // one count at a time, shared by every pending request
    this.#recount = setInterval(() => {
      if (counting) return;
      counting = true;
      const { subs } = this.#opts;
      const epoch = subs.epoch;
      this.#responders()
        .then(
          (live) => {
            // Answers sent while this subscriber connection was away are lost: a request sent before the
            // connection's last reconnection can complete with every answer, never with fewer.
            if (subs.epoch !== epoch || subs.seam.state() !== "ready") return;
            for (const pending of [...this.#pending.values()]) if (pending.epoch === epoch) pending.onRecount(live);
          },
          (err: unknown) => debug("recount failed: %s", (err as Error).message),
        )
        .finally(() => {
          counting = false;
        });
    }, every);
    this.#recount.unref();
  }

  #stopRecount(): void {
    clearInterval(this.#recount);
    this.#recount = undefined;
  }

  /**
   * Fails every pending request and unsubscribes from the response channels. Resolves when Redis confirmed
   * it, or after `waitMs` (a Redis that is down must not hold up a shutdown).
   */
  async close(waitMs = 1000): Promise<void> {
    this.#closed = true;
    // first the waiting ones: failing a started query frees a slot, which must not start (publish) another
    this.#waiting.length = 0;
    for (const pending of [...this.#pending.values()]) {
      pending.fail(new SioRedisError("CLOSED", `${this.#opts.owner} was closed`));
    }
    this.#stopRecount();
    if (!this.#subscribed) return;
    this.#subscribed = undefined;
    this.#subscribedOk = false;
    const { channels, uid, subs } = this.#opts;
    await withDeadline(subs.unsubscribe([channels.response, channels.nodeResponse(uid)], this.#onMessage), waitMs);
  }
}

/** Queries in flight per requester by default (see `maxConcurrent`). */
const DEFAULT_MAX_CONCURRENT = 32;

// setTimeout fires at once for anything above 2^31 - 1 ms (about 24.8 days).
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Throws a RangeError naming `name` unless `ms` is a usable timer delay (0 to 2^31 - 1; a longer one would fire
 * at once).
 *
 * @example
 * ```ts
 * const requestsTimeout = checkTimeout(options.requestsTimeout ?? 5000, "requestsTimeout");
 * ```
 */
export function checkTimeout(ms: unknown, name: string): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be a number of ms from 0 to ${MAX_TIMEOUT_MS}, got ${String(ms)}`);
  }
  return ms;
}

/** Waits for `promise` (never rejecting) at most `ms`. */
export function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise.then(noop, noop), deadline]).finally(() => clearTimeout(timer));
}

/**
 * Broadcast with acknowledgements: each server first says how many clients got the packet (type 8), then
 * forwards each client's acknowledgement (type 9). Complete when every server counted and every ack arrived.
 */
export function ackCollector(expected: number): Collector<unknown[]> {
  let servers = 0;
  let clients = 0;
  const acks: unknown[] = [];
  return {
    add(response) {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) {
        servers++;
        clients += response.clientCount;
      } else if (response.type === RequestType.BROADCAST_ACK) {
        acks.push(response.packet);
      }
      return servers >= expected && acks.length >= clients;
    },
    result: () => acks,
    answered: () => servers,
    detail: () => `, ${acks.length} of ${servers < expected ? "at least " : ""}${clients} acknowledgements received`,
    settle: (live) => servers >= live && acks.length >= clients,
  };
}

/**
 * Requests answered once by each server: `take` folds each answer in. Complete when every server counted at
 * sending time answered, or every one still alive.
 *
 * @example
 * ```ts
 * const rooms = new Set<Room>();
 * eachServer(expected, (r) => { if (r.type === RequestType.ALL_ROOMS) for (const room of r.rooms) rooms.add(room); }, () => rooms);
 * ```
 */
export function eachServer<T>(
  expected: number,
  take: (response: ClassicResponse) => void,
  result: () => T,
): Collector<T> {
  let answered = 0;
  return {
    add(response) {
      take(response);
      return ++answered >= expected;
    },
    result,
    answered: () => answered,
    settle: (live) => answered >= live,
  };
}

/**
 * Requests answered once by each server with a list: the items `pick` finds in each answer, in arrival order.
 * `pick` gives nothing for answers of another type.
 *
 * @example
 * ```ts
 * gather(expected, (r) => (r.type === RequestType.SOCKETS ? r.sockets : undefined));
 * ```
 */
export function gather<I>(
  expected: number,
  pick: (response: ClassicResponse) => Iterable<I> | undefined,
): Collector<I[]> {
  const items: I[] = [];
  return eachServer(
    expected,
    (response) => {
      // one by one: spreading an answer of 100k+ sockets would overflow the stack
      for (const item of pick(response) ?? []) items.push(item);
    },
    () => items,
  );
}
