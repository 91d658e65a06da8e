// The catalogue of queries: each request that is answered, with how its answers are gathered. The adapter and the
// emitter both run them through `Requests.run`, so each is written once.
import {
  type BroadcastOptions,
  type EventPacket,
  type FetchedSocket,
  RequestType,
  type Room,
  type SocketSelector,
} from "@sio-redis/protocol";
import { ackCollector, eachServer, gather, type QuerySpec } from "./requests.js";

/** What every query needs: who asks (answers go to its channel) and how long it waits. */
export interface QueryOrigin {
  uid: string;
  timeoutMs: number;
}

/**
 * Every room of the namespace on the servers that answer, folded into `rooms` (which may hold this server's own).
 *
 * @example
 * ```ts
 * const rooms = await requests.run(allRoomsQuery({ uid, timeoutMs: 1000 }));
 * ```
 */
export function allRoomsQuery(origin: QueryOrigin, rooms = new Set<Room>()): QuerySpec<Set<Room>> {
  return {
    name: "allRooms",
    type: RequestType.ALL_ROOMS,
    timeoutMs: origin.timeoutMs,
    build: (requestId) => ({ type: RequestType.ALL_ROOMS, uid: origin.uid, requestId }),
    collector: (expected) =>
      eachServer(
        expected,
        (r) => {
          if (r.type === RequestType.ALL_ROOMS) for (const room of r.rooms) rooms.add(room);
        },
        () => rooms,
      ),
  };
}

/** The sockets `opts` selects on the servers that answer, in arrival order. */
export function fetchSocketsQuery(origin: QueryOrigin, opts: SocketSelector): QuerySpec<FetchedSocket[]> {
  return {
    name: "fetchSockets",
    type: RequestType.REMOTE_FETCH,
    timeoutMs: origin.timeoutMs,
    build: (requestId) => ({ type: RequestType.REMOTE_FETCH, uid: origin.uid, requestId, opts }),
    collector: (expected) => gather(expected, (r) => (r.type === RequestType.REMOTE_FETCH ? r.sockets : undefined)),
  };
}

/** `serverSideEmit` with an acknowledgement: one answer per server that listens to the event. */
export function serverSideEmitQuery(
  origin: QueryOrigin,
  data: unknown[],
  name = "serverSideEmit",
): QuerySpec<unknown[]> {
  return {
    name,
    type: RequestType.SERVER_SIDE_EMIT,
    timeoutMs: origin.timeoutMs,
    build: (requestId) => ({ type: RequestType.SERVER_SIDE_EMIT, uid: origin.uid, requestId, data }),
    collector: (expected) => gather(expected, (r) => (r.type === RequestType.SERVER_SIDE_EMIT ? [r.data] : undefined)),
  };
}

/** A broadcast whose clients acknowledge it: every client's first ack argument, from every server. */
export function broadcastWithAckQuery(
  origin: QueryOrigin,
  packet: EventPacket,
  opts: BroadcastOptions,
  name = "broadcastWithAck",
): QuerySpec<unknown[]> {
  return {
    name,
    type: RequestType.BROADCAST,
    timeoutMs: origin.timeoutMs,
    build: (requestId) => ({ type: RequestType.BROADCAST, uid: origin.uid, requestId, packet, opts }),
    collector: ackCollector,
  };
}

/** Legacy SOCKETS (adapters ≤ 7 `sockets()`, `allSockets()`): the ids of the sockets in any of `rooms`. */
export function socketsQuery(origin: QueryOrigin, rooms: Room[]): QuerySpec<string[]> {
  return {
    name: "sockets",
    type: RequestType.SOCKETS,
    timeoutMs: origin.timeoutMs,
    build: (requestId) => ({ type: RequestType.SOCKETS, uid: origin.uid, requestId, rooms }),
    collector: (expected) => gather(expected, (r) => (r.type === RequestType.SOCKETS ? r.sockets : undefined)),
  };
}
