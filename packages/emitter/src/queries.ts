// Request/response correlation over the classic request protocol that Socket.IO Redis adapters already answer.
// The emitter is not a server, so every subscriber of the request channel is a server that will answer.
import { randomBytes } from "node:crypto";
import {
  type ClassicChannels,
  type ClassicRequest,
  type ClassicResponse,
  decodeResponse,
  encodeRequest,
  type Parser,
  ProtocolError,
  RequestType,
} from "@sio-redis/protocol";
import createDebug from "debug";
import type { RedisSeam } from "./redis-client.js";

const debug = createDebug("sio-redis:emitter");

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
export class QueryTimeoutError<T = unknown> extends Error {
  override readonly name = "QueryTimeoutError";
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
  ) {
    super(
      `${request} request ${requestId} timed out after ${timeoutMs} ms: ${answered} of ${expected} servers answered${detail}`,
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
}

/** One request to send: its name in errors, how to encode it with an id, and how to gather the answers. */
export interface QuerySpec<T> {
  name: string;
  type: RequestType;
  timeoutMs: number;
  build(requestId: string): ClassicRequest;
  collector(expected: number): Collector<T>;
}

interface Pending {
  readonly type: RequestType;
  onResponse(response: ClassicResponse): void;
  fail(error: Error): void;
}

export interface QueriesOptions {
  pub: RedisSeam;
  sub: RedisSeam;
  channels: ClassicChannels;
  /** This emitter's uid: responders with `publishOnSpecificResponseChannel` answer on `nodeResponse(uid)`. */
  uid: string;
  parser?: Parser | undefined;
  /** At most this many requests wait for answers at once; more are refused rather than left to pile up. */
  maxPending: number;
}

/** The pending requests of one namespace and its subscription to the response channels. */
export class Queries {
  readonly #opts: QueriesOptions;
  readonly #pending = new Map<string, Pending>();
  #active = 0;
  #subscribed: Promise<void> | undefined;
  #closed = false;

  constructor(opts: QueriesOptions) {
    this.#opts = opts;
  }

  /** Requests waiting for answers (for tests and metrics). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  // Bound once so unsubscribe() can hand the same function back to the client.
  readonly #onMessage = (channel: string, message: Buffer): void => {
    const response = decodeResponse(message, (id) => this.#pending.get(id)?.type, { parser: this.#opts.parser });
    if (response === null) return; // another requester's answer (shared response channel)
    if (response instanceof ProtocolError) {
      debug("ignoring malformed response on %s: %s", channel, response.message);
      return;
    }
    const pending = this.#pending.get(response.requestId);
    try {
      pending?.onResponse(response);
    } catch (err) {
      // a response this request cannot take fails the request, never the Redis client's event loop
      debug("response to %s failed: %s", response.requestId, (err as Error).message);
      pending?.fail(err instanceof Error ? err : new Error(String(err)));
    }
  };

  /** Subscribes to the response channels once. Never to the request channel: that would count as a server. */
  #ready(): Promise<void> {
    if (!this.#subscribed) {
      const { channels, uid, sub } = this.#opts;
      const subscribing = sub.subscribe([channels.response, channels.nodeResponse(uid)], this.#onMessage);
      // a failed subscription is retried by the next request
      subscribing.catch(() => {
        if (this.#subscribed === subscribing) this.#subscribed = undefined;
      });
      this.#subscribed = subscribing;
    }
    return this.#subscribed;
  }

  /** PUBSUB NUMSUB of the request channel: how many servers (adapter subscriptions) serve this namespace. */
  serverCount(): Promise<number> {
    return this.#opts.pub.numsub(this.#opts.channels.request);
  }

  /** Sends one request and gathers the answers until all expected servers answered or the deadline passed. */
  async run<T>(spec: QuerySpec<T>): Promise<T> {
    if (this.#closed) throw new Error(`${spec.name}: the emitter is closed`);
    // counted from the first moment, not once subscribed and counted: concurrent calls must see each other
    if (this.#active >= this.#opts.maxPending) {
      throw new Error(`${spec.name}: too many pending requests (${this.#opts.maxPending}); try again later`);
    }
    this.#active++;
    try {
      return await this.#send(spec);
    } finally {
      this.#active--;
    }
  }

  async #send<T>(spec: QuerySpec<T>): Promise<T> {
    await this.#ready();
    const expected = await this.serverCount();
    if (this.#closed) throw new Error(`${spec.name}: the emitter was closed`);
    const collector = spec.collector(expected);
    if (expected === 0) return collector.result(); // nobody to ask
    const requestId = randomBytes(8).toString("hex");
    const payload = encodeRequest(spec.build(requestId), { parser: this.#opts.parser });
    return new Promise<T>((resolve, reject) => {
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        if (error) reject(error);
        else resolve(collector.result());
      };
      const timer = setTimeout(() => {
        debug("%s %s timed out (%d of %d answered)", spec.name, requestId, collector.answered(), expected);
        const detail = collector.detail?.() ?? "";
        finish(
          new QueryTimeoutError(
            spec.name,
            requestId,
            collector.answered(),
            expected,
            collector.result(),
            spec.timeoutMs,
            detail,
          ),
        );
      }, spec.timeoutMs);
      this.#pending.set(requestId, {
        type: spec.type,
        onResponse: (response) => {
          if (collector.add(response)) finish(null);
        },
        fail: finish,
      });
      debug("sending %s %s to %d servers", spec.name, requestId, expected);
      this.#opts.pub.publish(this.#opts.channels.request, payload).catch((err: unknown) => {
        finish(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  /** Fails every pending request and unsubscribes from the response channels. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of [...this.#pending.values()]) pending.fail(new Error("the emitter was closed"));
    const subscribed = this.#subscribed;
    this.#subscribed = undefined;
    if (!subscribed) return;
    try {
      await subscribed;
    } catch {
      return; // never subscribed
    }
    const { channels, uid, sub } = this.#opts;
    await sub.unsubscribe([channels.response, channels.nodeResponse(uid)], this.#onMessage);
  }
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
  };
}
