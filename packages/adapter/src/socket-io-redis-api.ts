// The socket.io-redis 5 API (clients, clientRooms, remoteJoin, remoteLeave, remoteDisconnect, customRequest) on
// top of requests that @socket.io/redis-adapter 8.3 also answers, so that it works in mixed clusters too.
// customRequest is the one extension (type 100): official servers do not answer it.
import { type FetchedSocket, RequestType, type Room } from "@sio-redis/protocol";
import {
  fetchSocketsQuery,
  gather,
  noop,
  type QuerySpec,
  QueryTimeoutError,
  quiet,
  toError,
} from "@sio-redis/transport";
import type { SocketId } from "socket.io-adapter";

/** A Node-style callback: `(err)` on failure, `(null, result)` on success. */
export type NodeCallback<T> = (err: Error | null, result?: T) => void;

/**
 * With `cb`, calls it once `promise` settles (through `run`, which rethrows what a callback throws) and returns
 * nothing; without, returns the promise, which may be ignored (socket.io-redis callers often fire and forget):
 * awaiting it still throws. A timed-out query calls back with the error and what arrived (`cb(err, partial)`,
 * as socket.io-redis did).
 */
export function callbackOrPromise<T>(
  promise: Promise<T>,
  cb: NodeCallback<T> | undefined,
  run: (call: () => void) => void,
): Promise<T> | undefined {
  if (!cb) return quiet(promise);
  promise.then(
    (result) => run(() => cb(null, result)),
    (err: unknown) =>
      run(() => {
        if (err instanceof QueryTimeoutError)
          cb(err, (err.partial instanceof Set ? [...err.partial] : err.partial) as T);
        else cb(toError(err));
      }),
  );
  return undefined;
}

/** A socket of this server, as much of it as the adapter uses. */
export interface LocalSocket {
  join(room: Room): unknown;
  leave(room: Room): unknown;
  disconnect(close?: boolean): unknown;
}

/** What the seed API needs from its adapter. */
export interface SeedContext {
  local(id: SocketId): LocalSocket | undefined;
  localRooms(id: SocketId): Set<Room> | undefined;
  /** Socket ids in any of `rooms` on every server. */
  sockets(rooms: Set<string>): Promise<Set<SocketId>>;
  /** This server's customHook answer; never rejects (a hook that throws answers null). */
  hook(data: unknown): Promise<unknown>;
  query<T>(spec: QuerySpec<T>): Promise<T>;
  uid(): string;
  timeoutMs(): number;
}

/** Resolves with `value` after `ms`, without keeping the process alive. */
function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

type RemoteType =
  | typeof RequestType.REMOTE_JOIN
  | typeof RequestType.REMOTE_LEAVE
  | typeof RequestType.REMOTE_DISCONNECT;
const NAMES: Record<RemoteType, string> = {
  [RequestType.REMOTE_JOIN]: "remoteJoin",
  [RequestType.REMOTE_LEAVE]: "remoteLeave",
  [RequestType.REMOTE_DISCONNECT]: "remoteDisconnect",
};

export function seedApi(ctx: SeedContext) {
  /**
   * Finds socket `id` on the other servers with a fetchSockets restricted to its own room (every server
   * answers that, official ones included), done as soon as it turns up. Rejects naming the request when no
   * server has it.
   */
  async function find(name: string, id: SocketId): Promise<FetchedSocket> {
    let asked = 0;
    let answered = 0;
    const query = fetchSocketsQuery({ uid: ctx.uid(), timeoutMs: ctx.timeoutMs() }, { rooms: [id], except: [] });
    const found = await ctx.query({
      ...query,
      name,
      collector: (expected) => {
        asked = expected;
        const inner = query.collector(expected);
        return {
          ...inner,
          // done as soon as the socket turned up
          add: (r) => {
            answered++;
            return inner.add(r) || inner.result().length > 0;
          },
        };
      },
    });
    const socket = found.find((s) => s.id === id);
    if (!socket) {
      throw new Error(
        `${name}: no socket ${JSON.stringify(id)} on any server (${answered} of ${asked} other servers answered)`,
      );
    }
    return socket;
  }

  return {
    async clients(rooms: Room[]): Promise<SocketId[]> {
      return [...(await ctx.sockets(new Set(rooms.map(String))))];
    },

    async clientRooms(id: SocketId): Promise<Room[]> {
      const local = ctx.localRooms(id);
      if (local) return [...local];
      return (await find("clientRooms", id)).rooms;
    },

    async remote(type: RemoteType, id: SocketId, args: { room?: Room; close?: boolean }): Promise<void> {
      const name = NAMES[type];
      const local = ctx.local(id);
      if (local) {
        if (type === RequestType.REMOTE_JOIN) await local.join(args.room as Room);
        else if (type === RequestType.REMOTE_LEAVE) await local.leave(args.room as Room);
        else local.disconnect(args.close === true);
        return;
      }
      await find(name, id);
      // the owner exists: ask it by id (the form every adapter answers, official 8.3 included), done at its answer
      await ctx.query({
        name,
        type,
        timeoutMs: ctx.timeoutMs(),
        build: (requestId) =>
          type === RequestType.REMOTE_DISCONNECT
            ? { type, uid: ctx.uid(), requestId, sid: id, close: args.close === true }
            : { type, uid: ctx.uid(), requestId, sid: id, room: args.room as Room },
        // done at the owner's answer; if the owner dies first, the request times out
        collector: () => {
          let answered = 0;
          return { add: () => ++answered > 0, result: noop, answered: () => answered };
        },
      });
    },

    async customRequest(data: unknown): Promise<unknown[]> {
      // this server's hook runs alongside the request, bounded by the same deadline
      const NO_ANSWER = Symbol("no answer");
      const own = Promise.race([ctx.hook(data), delay(ctx.timeoutMs(), NO_ANSWER)]);
      const withOwn = async (replies: unknown[]) => {
        const mine = await own;
        return mine === NO_ANSWER ? replies : [mine, ...replies];
      };
      try {
        const replies = await ctx.query({
          name: "customRequest",
          type: RequestType.CUSTOM_REQUEST,
          timeoutMs: ctx.timeoutMs(),
          build: (requestId) => ({ type: RequestType.CUSTOM_REQUEST, uid: ctx.uid(), requestId, data }),
          collector: (expected) =>
            gather(expected, (r) => (r.type === RequestType.CUSTOM_REQUEST ? [r.data] : undefined)),
        });
        return await withOwn(replies);
      } catch (err) {
        if (!(err instanceof QueryTimeoutError)) throw err;
        // the same error, with this server's reply among the partial ones
        Object.assign(err, { partial: await withOwn(err.partial as unknown[]) });
        throw err;
      }
    },
  };
}
