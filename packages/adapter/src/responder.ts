// Answering the other servers' requests with this server's own part: what socket.io-adapter's in-memory Adapter
// knows and does locally. Who answers what follows @socket.io/redis-adapter 8.3 (PROTOCOL.md §6).
import {
  type BroadcastFlags,
  type ClassicRequest,
  type ClassicResponse,
  type EventPacket,
  type FetchedSocket,
  RequestType,
  type Room,
  wireRoom,
} from "@sio-redis/protocol";
import type { BroadcastOptions, Room as LocalRoom, SocketId } from "socket.io-adapter";
import type { LocalSocket } from "./socket-io-redis-api.js";

/** What socket.io-adapter's `fetchSockets` gives for a local socket. */
interface LocalSocketDetails {
  id: SocketId;
  handshake: Record<string, unknown>;
  rooms: Set<Room>;
  data: unknown;
}

/** This server's side of the requests: the in-memory adapter's operations, and how to report a failure. */
export interface LocalServer {
  rooms(): Iterable<LocalRoom>;
  socket(id: SocketId): LocalSocket | undefined;
  sockets(rooms: Set<LocalRoom>): Promise<Set<SocketId>>;
  fetchSockets(opts: BroadcastOptions): Promise<unknown[]>;
  addSockets(opts: BroadcastOptions, rooms: LocalRoom[]): void;
  delSockets(opts: BroadcastOptions, rooms: LocalRoom[]): void;
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  broadcastWithAck(
    packet: EventPacket,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: (arg: unknown) => void,
  ): void;
  /** Hands an event (`[name, ...args]`, maybe ending with an ack function) to the namespace's listeners. */
  serverSideEmit(args: unknown[]): void;
  /** The application's customHook, called once per request. */
  customHook(data: unknown, reply: (answer: unknown) => void): void;
  failed(what: string): (err: unknown) => void;
}

/** Rooms from the wire as the adapter holds them: JSON can carry a lone surrogate, which msgpack cannot. */
function localRooms(rooms: Room[]): LocalRoom[] {
  return rooms.map(wireRoom) as LocalRoom[];
}

/**
 * The options socket.io-adapter wants, from what came over the wire. Rooms stay as they came (a server that
 * joined the number 1 holds the room 1, not "1"), but for lone surrogates (see wireRoom).
 */
export function localOptions(opts: { rooms: Room[]; except: Room[]; flags?: BroadcastFlags }): BroadcastOptions {
  const options: BroadcastOptions = {
    rooms: new Set(localRooms(opts.rooms)),
    except: new Set(localRooms(opts.except)),
  };
  if (opts.flags) options.flags = opts.flags;
  return options;
}

/** A local socket as a REMOTE_FETCH answer describes it. */
function describe(socket: LocalSocketDetails): FetchedSocket {
  const { sessionStore: _circular, ...handshake } = socket.handshake;
  return { id: socket.id, handshake, rooms: [...socket.rooms], data: socket.data } as FetchedSocket;
}

/**
 * Carries out another server's (or an emitter's) request on this server and answers it through `respond` where
 * the protocol expects an answer. May throw (an application handler that throws); the caller reports it.
 */
export function answer(
  request: ClassicRequest,
  local: LocalServer,
  respond: (response: ClassicResponse) => void,
): void {
  switch (request.type) {
    case RequestType.SOCKETS:
      local.sockets(new Set(localRooms(request.rooms))).then((ids) => {
        respond({ type: request.type, requestId: request.requestId, sockets: [...ids] });
      }, local.failed("sockets"));
      return;
    case RequestType.ALL_ROOMS:
      respond({ type: request.type, requestId: request.requestId, rooms: [...local.rooms()] });
      return;
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
      if ("sid" in request) {
        const socket = local.socket(request.sid);
        if (!socket) return; // the owner answers
        const joined =
          request.type === RequestType.REMOTE_JOIN ? socket.join(request.room) : socket.leave(request.room);
        Promise.resolve(joined)
          .then(() => respond({ type: request.type, requestId: request.requestId }))
          .catch(local.failed("remoteJoin/remoteLeave"));
        return;
      }
      if (request.type === RequestType.REMOTE_JOIN) {
        local.addSockets(localOptions(request.opts), localRooms(request.rooms));
      } else {
        local.delSockets(localOptions(request.opts), localRooms(request.rooms));
      }
      return;
    case RequestType.REMOTE_DISCONNECT:
      if ("sid" in request) {
        const socket = local.socket(request.sid);
        if (!socket) return;
        socket.disconnect(request.close === true);
        respond({ type: request.type, requestId: request.requestId });
        return;
      }
      local.disconnectSockets(localOptions(request.opts), request.close === true);
      return;
    case RequestType.REMOTE_FETCH:
      local.fetchSockets(localOptions(request.opts)).then((sockets) => {
        const described = (sockets as LocalSocketDetails[]).map(describe);
        respond({ type: request.type, requestId: request.requestId, sockets: described });
      }, local.failed("fetchSockets"));
      return;
    case RequestType.SERVER_SIDE_EMIT: {
      const { requestId } = request;
      if (requestId === undefined) {
        local.serverSideEmit(request.data);
        return;
      }
      let answered = false;
      const reply = (arg: unknown) => {
        if (answered) return; // one answer per server
        answered = true;
        respond({ type: RequestType.SERVER_SIDE_EMIT, requestId, data: arg });
      };
      local.serverSideEmit([...request.data, reply]);
      return;
    }
    case RequestType.BROADCAST: {
      const { requestId } = request;
      // flags are not applied to acknowledged broadcasts, as by the official adapter
      local.broadcastWithAck(
        request.packet,
        localOptions({ rooms: request.opts.rooms, except: request.opts.except }),
        (clientCount) => respond({ type: RequestType.BROADCAST_CLIENT_COUNT, requestId, clientCount }),
        (arg) => respond({ type: RequestType.BROADCAST_ACK, requestId, packet: arg }),
      );
      return;
    }
    case RequestType.CUSTOM_REQUEST: {
      const { requestId } = request;
      local.customHook(request.data, (data) => respond({ type: RequestType.CUSTOM_REQUEST, requestId, data }));
      return;
    }
  }
}
