// The classic transport (@socket.io/redis-adapter createAdapter, @socket.io/redis-emitter): broadcasts
// `[uid, packet, opts]` in msgpack, and numbered requests/responses, JSON except BROADCAST and BROADCAST_ACK.
import type { Room } from "./channels.js";
import {
  type DecodeOptions,
  decodeBinary,
  decodeSniffed,
  encodeBinary,
  encodeJson,
  hasBinary,
  type Parser,
  type Payload,
  toBuffer,
} from "./codec.js";
import { ProtocolError } from "./errors.js";
import {
  array,
  compact,
  count,
  fail,
  guard,
  nonEmptyStr,
  type Obj,
  obj,
  optBool,
  optStr,
  room,
  rooms,
  str,
} from "./fields.js";
import {
  type BroadcastOptions,
  decodeOptions,
  decodePacket,
  decodeSelector,
  type EventPacket,
  eventData,
  type FetchedSocket,
  fetchedSocket,
  PacketType,
  SERVER_RESERVED_EVENTS,
  type SocketSelector,
} from "./packet.js";

/** The uid every emitter puts in its messages. Adapter uids are 6 characters, so it never collides. */
export const EMITTER_UID = "emitter";

/** Request numbers on the request channel, as @socket.io/redis-adapter 7.2–8.3 numbers them. */
export const RequestType = {
  /** Socket ids in rooms (sent by adapters ≤ 7.x `sockets()`). */
  SOCKETS: 0,
  ALL_ROOMS: 1,
  /** `socketsJoin` (selector form) or, in the legacy form, one socket by id joins one room. */
  REMOTE_JOIN: 2,
  /** `socketsLeave` (selector form) or the legacy one-socket form. */
  REMOTE_LEAVE: 3,
  /** `disconnectSockets` (selector form) or the legacy one-socket form. */
  REMOTE_DISCONNECT: 4,
  /** `fetchSockets`. */
  REMOTE_FETCH: 5,
  /** `serverSideEmit`, with an ack when it has a requestId. */
  SERVER_SIDE_EMIT: 6,
  /** A broadcast with acknowledgements (msgpack). */
  BROADCAST: 7,
  /** Response to BROADCAST: how many clients got it. */
  BROADCAST_CLIENT_COUNT: 8,
  /** Response to BROADCAST: one client's ack (msgpack). */
  BROADCAST_ACK: 9,
  /**
   * sio-redis extension (no official version uses 100 and up): `customRequest(data)`, answered by every
   * sio-redis node's `customHook`. Official nodes ignore it.
   */
  CUSTOM_REQUEST: 100,
} as const;
export type RequestType = (typeof RequestType)[keyof typeof RequestType];

/** A broadcast on the broadcast or a room channel: `[uid, packet, opts]`. */
export interface BroadcastMessage {
  /** The sender's uid; receivers drop their own. */
  uid: string;
  packet: EventPacket;
  opts: BroadcastOptions;
}

/** Ask every other server for the ids of the sockets in `rooms` (all when empty). */
export interface SocketsRequest {
  type: typeof RequestType.SOCKETS;
  uid?: string;
  requestId: string;
  rooms: Room[];
}
/** Ask every other server for the rooms it has. */
export interface AllRoomsRequest {
  type: typeof RequestType.ALL_ROOMS;
  uid?: string;
  requestId: string;
}
/** Every server (the sender included) makes the selected sockets join/leave `rooms`. No response. */
export interface SocketsJoinLeaveRequest {
  type: typeof RequestType.REMOTE_JOIN | typeof RequestType.REMOTE_LEAVE;
  uid?: string;
  opts: SocketSelector;
  rooms: Room[];
}
/** Legacy: the server that has socket `sid` makes it join/leave `room` and answers. */
export interface RemoteJoinLeaveRequest {
  type: typeof RequestType.REMOTE_JOIN | typeof RequestType.REMOTE_LEAVE;
  uid?: string;
  requestId: string;
  sid: string;
  room: Room;
}
/** Every server (the sender included) disconnects the selected sockets. No response. */
export interface DisconnectSocketsRequest {
  type: typeof RequestType.REMOTE_DISCONNECT;
  uid?: string;
  opts: SocketSelector;
  close?: boolean;
}
/** Legacy: the server that has socket `sid` disconnects it and answers. */
export interface RemoteDisconnectRequest {
  type: typeof RequestType.REMOTE_DISCONNECT;
  uid?: string;
  requestId: string;
  sid: string;
  close?: boolean;
}
/** Ask every other server for its sockets matching `opts`. */
export interface FetchSocketsRequest {
  type: typeof RequestType.REMOTE_FETCH;
  uid?: string;
  requestId: string;
  opts: SocketSelector;
}
/** An event for the other servers; with `requestId` each answers once. */
export interface ServerSideEmitRequest {
  type: typeof RequestType.SERVER_SIDE_EMIT;
  uid?: string;
  requestId?: string;
  /** `[event, ...args]` */
  data: unknown[];
}
/** A broadcast whose clients' acks travel back as BROADCAST_CLIENT_COUNT and BROADCAST_ACK responses. */
export interface BroadcastWithAckRequest {
  type: typeof RequestType.BROADCAST;
  uid?: string;
  requestId: string;
  packet: EventPacket;
  opts: BroadcastOptions;
}

/** sio-redis extension: arbitrary `data` for every node's `customHook`; each answers once with its reply. */
export interface CustomRequest {
  type: typeof RequestType.CUSTOM_REQUEST;
  uid?: string;
  requestId: string;
  data: unknown;
}

/** Every message on the request channel. */
export type ClassicRequest =
  | SocketsRequest
  | AllRoomsRequest
  | SocketsJoinLeaveRequest
  | RemoteJoinLeaveRequest
  | DisconnectSocketsRequest
  | RemoteDisconnectRequest
  | FetchSocketsRequest
  | ServerSideEmitRequest
  | BroadcastWithAckRequest
  | CustomRequest;

/**
 * Every message on the response channels. For responses to types 0–5 the `type` here is the type of the
 * request answered and is not on the wire; 6, 8 and 9 are.
 */
export type ClassicResponse =
  | { type: typeof RequestType.SOCKETS; requestId: string; sockets: string[] }
  | { type: typeof RequestType.ALL_ROOMS; requestId: string; rooms: Room[] }
  | {
      type: typeof RequestType.REMOTE_JOIN | typeof RequestType.REMOTE_LEAVE | typeof RequestType.REMOTE_DISCONNECT;
      requestId: string;
    }
  | { type: typeof RequestType.REMOTE_FETCH; requestId: string; sockets: FetchedSocket[] }
  | { type: typeof RequestType.SERVER_SIDE_EMIT; requestId: string; data: unknown }
  | { type: typeof RequestType.BROADCAST_CLIENT_COUNT; requestId: string; clientCount: number }
  | { type: typeof RequestType.BROADCAST_ACK; requestId: string; packet: unknown }
  | { type: typeof RequestType.CUSTOM_REQUEST; requestId: string; data: unknown };

/** Options of the encoders. */
export interface EncodeOptions {
  /** Replaces msgpack for broadcasts, BROADCAST requests and BROADCAST_ACK responses. */
  parser?: Parser;
}

/** Options of {@link encodeBroadcast}. */
export interface BroadcastEncodeOptions extends EncodeOptions {
  /**
   * Key order of `opts`: `"adapter"` writes `{rooms, except, flags}` like @socket.io/redis-adapter,
   * `"emitter"` writes `{rooms, flags, except}` like @socket.io/redis-emitter. Receivers accept both.
   */
  style?: "adapter" | "emitter";
}

/**
 * Encodes a broadcast for the broadcast/room channel (pick the channel with `classicChannels().forBroadcast`).
 * Throws ProtocolError (`UNENCODABLE`) for values msgpack cannot carry, such as BigInt.
 *
 * @example
 * ```ts
 * const bytes = encodeBroadcast({
 *   uid: EMITTER_UID,
 *   packet: { type: 2, data: ["hello", "world"], nsp: "/" },
 *   opts: { rooms: [], except: [], flags: {} },
 * }, { style: "emitter" });
 * await redis.publish(classicChannels().forBroadcast([]), bytes);
 * ```
 */
export function encodeBroadcast(message: BroadcastMessage, options?: BroadcastEncodeOptions): Payload {
  const { uid, packet, opts } = message;
  return encodeBinary([uid, packet, wireOptions(opts, options?.style)], options?.parser);
}

function wireOptions(opts: BroadcastOptions, style: BroadcastEncodeOptions["style"]) {
  return style === "emitter"
    ? { rooms: opts.rooms, flags: opts.flags, except: opts.except }
    : { rooms: opts.rooms, except: opts.except, flags: opts.flags };
}

/** What stays the same across the broadcasts of one sender to one target: all but the event. */
export interface BroadcastTemplate {
  uid: string;
  nsp: string;
  opts: BroadcastOptions;
}

/**
 * An encoder for many broadcasts that differ only in their event `[name, ...args]`: the bytes of everything
 * else are computed once, so each call encodes just the event. Same bytes as {@link encodeBroadcast} (a packet
 * without `id`); with a custom parser it simply calls it. Throws ProtocolError (`UNENCODABLE`) like it.
 *
 * @example
 * ```ts
 * const encode = broadcastEncoder({ uid: EMITTER_UID, nsp: "/", opts: { rooms: [], except: [], flags: {} } });
 * for (const tick of ticks) await redis.publish("socket.io#/#", encode(["tick", tick]));
 * ```
 */
export function broadcastEncoder(
  template: BroadcastTemplate,
  options?: BroadcastEncodeOptions,
): (event: unknown[]) => Payload {
  const { uid, nsp, opts } = template;
  if (options?.parser) {
    return (event) => encodeBroadcast({ uid, packet: { type: PacketType.EVENT, data: event, nsp }, opts }, options);
  }
  // msgpack is compositional: [uid, {type, data, nsp}, opts] is a fixarray(3) header, then the uid, then a
  // fixmap(3) whose "data" value is the only part that changes.
  const prefix = Buffer.concat([
    Buffer.from([0x93]),
    encodeBinary(uid, undefined) as Buffer,
    Buffer.from([0x83]),
    encodeBinary("type", undefined) as Buffer,
    encodeBinary(PacketType.EVENT, undefined) as Buffer,
    encodeBinary("data", undefined) as Buffer,
  ]);
  const suffix = Buffer.concat([
    encodeBinary("nsp", undefined) as Buffer,
    encodeBinary(nsp, undefined) as Buffer,
    encodeBinary(wireOptions(opts, options?.style), undefined) as Buffer,
  ]);
  return (event) => {
    const data = encodeBinary(event, undefined) as Buffer;
    return Buffer.concat([prefix, data, suffix], prefix.length + data.length + suffix.length);
  };
}

/**
 * Decodes a broadcast. A packet without `nsp` means `/`; BINARY_EVENT (5) from old emitters becomes EVENT;
 * a packet that a client would refuse (not an event, a reserved event name) is an error. Never throws.
 */
export function decodeBroadcast(bytes: Uint8Array | string, options?: DecodeOptions): BroadcastMessage | ProtocolError {
  const value = decodeBinary(toBuffer(bytes), options);
  if (value instanceof ProtocolError) return value;
  return guard(() => {
    const parts = array(value, "");
    if (parts.length !== 3) fail(`expected [uid, packet, opts], got ${parts.length} elements`, "");
    return {
      uid: nonEmptyStr(parts[0], "[0]"),
      packet: decodePacket(parts[1], "[1]", "/"),
      opts: decodeOptions(parts[2], "[2]"),
    };
  });
}

function selector(opts: SocketSelector): SocketSelector {
  return { rooms: opts.rooms, except: opts.except };
}

/**
 * Encodes a request for the request channel: JSON, except BROADCAST (7) which is msgpack (or the custom
 * parser). Field order matches @socket.io/redis-adapter 8.3 / @socket.io/redis-emitter 5.1 byte for byte.
 *
 * @example
 * ```ts
 * encodeRequest({ type: RequestType.ALL_ROOMS, uid: "abcdef", requestId: "r1" });
 * // '{"uid":"abcdef","requestId":"r1","type":1}'
 * ```
 */
export function encodeRequest(request: ClassicRequest, options?: EncodeOptions): Payload {
  const { uid } = request;
  switch (request.type) {
    case RequestType.SOCKETS:
      return encodeJson({ uid, requestId: request.requestId, type: request.type, rooms: request.rooms });
    case RequestType.ALL_ROOMS:
      return encodeJson({ uid, requestId: request.requestId, type: request.type });
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
      if ("sid" in request) {
        const { requestId, type, sid, room } = request;
        return encodeJson({ uid, requestId, type, sid, room });
      }
      return encodeJson({ uid, type: request.type, opts: selector(request.opts), rooms: request.rooms });
    case RequestType.REMOTE_DISCONNECT:
      if ("sid" in request) {
        const { requestId, type, sid, close } = request;
        return encodeJson({ uid, requestId, type, sid, close });
      }
      return encodeJson({ uid, type: request.type, opts: selector(request.opts), close: request.close });
    case RequestType.REMOTE_FETCH:
      return encodeJson({ uid, requestId: request.requestId, type: request.type, opts: selector(request.opts) });
    case RequestType.SERVER_SIDE_EMIT:
      return encodeJson({ uid, requestId: request.requestId, type: request.type, data: request.data });
    case RequestType.BROADCAST: {
      const { requestId, type, packet, opts } = request;
      const wireOpts = { rooms: opts.rooms, except: opts.except, flags: opts.flags };
      return encodeBinary({ uid, requestId, type, packet, opts: wireOpts }, options?.parser);
    }
    case RequestType.CUSTOM_REQUEST:
      return jsonUnlessBinary({ uid, requestId: request.requestId, type: request.type, data: request.data }, options);
  }
}

/** JSON like the other requests, or msgpack (the parser) when binary data would not survive JSON. */
function jsonUnlessBinary(value: Record<string, unknown>, options?: EncodeOptions): Payload {
  return hasBinary(value) ? encodeBinary(value, options?.parser) : encodeJson(value);
}

/**
 * Decodes a message from the request channel (JSON when the first byte is `{`, else msgpack).
 * Unknown request numbers give a ProtocolError with code `UNKNOWN_TYPE`, to be ignored. Never throws.
 */
export function decodeRequest(bytes: Uint8Array | string, options?: DecodeOptions): ClassicRequest | ProtocolError {
  const value = decodeSniffed(toBuffer(bytes), options);
  if (value instanceof ProtocolError) return value;
  return guard(() => compact(readRequest(obj(value, ""))));
}

function readRequest(m: Obj): ClassicRequest {
  const uid = optStr(m.uid, "uid");
  const type = m.type;
  switch (type) {
    case RequestType.SOCKETS:
      return { type, uid, requestId: nonEmptyStr(m.requestId, "requestId"), rooms: rooms(m.rooms, "rooms", true) };
    case RequestType.ALL_ROOMS:
      return { type, uid, requestId: nonEmptyStr(m.requestId, "requestId") };
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
      if (m.opts !== undefined) {
        // socketsJoin("a") from the emitter sends rooms: ["a"], but accept a bare room as well
        const target = Array.isArray(m.rooms) || m.rooms === "" ? rooms(m.rooms, "rooms") : [room(m.rooms, "rooms")];
        return { type, uid, opts: decodeSelector(m.opts, "opts"), rooms: target };
      }
      return {
        type,
        uid,
        requestId: nonEmptyStr(m.requestId, "requestId"),
        sid: nonEmptyStr(m.sid, "sid"),
        room: room(m.room, "room"),
      };
    case RequestType.REMOTE_DISCONNECT:
      if (m.opts !== undefined) {
        return { type, uid, opts: decodeSelector(m.opts, "opts"), close: optBool(m.close, "close") };
      }
      return {
        type,
        uid,
        requestId: nonEmptyStr(m.requestId, "requestId"),
        sid: nonEmptyStr(m.sid, "sid"),
        close: optBool(m.close, "close"),
      };
    case RequestType.REMOTE_FETCH:
      return { type, uid, requestId: nonEmptyStr(m.requestId, "requestId"), opts: decodeSelector(m.opts, "opts") };
    case RequestType.SERVER_SIDE_EMIT:
      return {
        type,
        uid,
        requestId: optStr(m.requestId, "requestId"),
        data: eventData(m.data, "data", SERVER_RESERVED_EVENTS),
      };
    case RequestType.BROADCAST:
      return {
        type,
        uid,
        requestId: nonEmptyStr(m.requestId, "requestId"),
        packet: decodePacket(m.packet, "packet", "/"),
        opts: decodeOptions(m.opts, "opts"),
      };
    case RequestType.CUSTOM_REQUEST:
      return { type, uid, requestId: nonEmptyStr(m.requestId, "requestId"), data: m.data };
    default:
      if (typeof type === "number" && Number.isInteger(type)) {
        throw new ProtocolError("UNKNOWN_TYPE", `unknown request type ${type}`, "type");
      }
      return fail(`expected a request type, got ${JSON.stringify(type)}`, "type");
  }
}

/**
 * Encodes a response: JSON, except BROADCAST_ACK (9) which is msgpack (or the custom parser).
 * Publish it on `response` or, for a `publishOnSpecificResponseChannel` requester, on `nodeResponse(uid)`
 * (SERVER_SIDE_EMIT acks always go to the shared `response` channel).
 *
 * @example
 * ```ts
 * encodeResponse({ type: RequestType.ALL_ROOMS, requestId: "r1", rooms: ["room1"] });
 * // '{"requestId":"r1","rooms":["room1"]}'
 * ```
 */
export function encodeResponse(response: ClassicResponse, options?: EncodeOptions): Payload {
  const { requestId } = response;
  switch (response.type) {
    case RequestType.SOCKETS:
      return encodeJson({ requestId, sockets: response.sockets });
    case RequestType.ALL_ROOMS:
      return encodeJson({ requestId, rooms: response.rooms });
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
    case RequestType.REMOTE_DISCONNECT:
      return encodeJson({ requestId });
    case RequestType.REMOTE_FETCH:
      return encodeJson({ requestId, sockets: response.sockets });
    case RequestType.SERVER_SIDE_EMIT:
      return encodeJson({ type: response.type, requestId, data: response.data });
    case RequestType.BROADCAST_CLIENT_COUNT:
      return encodeJson({ type: response.type, requestId, clientCount: response.clientCount });
    case RequestType.BROADCAST_ACK:
      return encodeBinary({ type: response.type, requestId, packet: response.packet }, options?.parser);
    case RequestType.CUSTOM_REQUEST:
      return jsonUnlessBinary({ type: response.type, requestId, data: response.data }, options);
  }
}

/**
 * Decodes a message from a response channel. Responses to types 0–5 do not say what they answer, so
 * `pending(requestId)` must give the type of the request this node is waiting for under that id; when it
 * gives `undefined` the response is for another node and `null` is returned without further checks.
 * Never throws.
 *
 * @example
 * ```ts
 * const res = decodeResponse(bytes, (id) => pendingRequests.get(id)?.type);
 * if (res === null) return; // someone else's
 * if (res instanceof ProtocolError) return drop(res);
 * ```
 */
export function decodeResponse(
  bytes: Uint8Array | string,
  pending: (requestId: string) => RequestType | undefined,
  options?: DecodeOptions,
): ClassicResponse | ProtocolError | null {
  const value = decodeSniffed(toBuffer(bytes), options);
  if (value instanceof ProtocolError) return value;
  return guard(() => {
    const m = obj(value, "");
    const requestId = nonEmptyStr(m.requestId, "requestId");
    const expected = pending(requestId);
    if (expected === undefined) return null;
    return compact(readResponse(m, requestId, expected));
  });
}

function readResponse(m: Obj, requestId: string, expected: RequestType): ClassicResponse {
  const type = m.type;
  if (type !== undefined) {
    const answers =
      type === RequestType.SERVER_SIDE_EMIT || type === RequestType.CUSTOM_REQUEST
        ? type
        : type === RequestType.BROADCAST_CLIENT_COUNT || type === RequestType.BROADCAST_ACK
          ? RequestType.BROADCAST
          : undefined;
    if (answers === undefined) fail(`unknown response type ${JSON.stringify(type)}`, "type");
    if (answers !== expected) fail(`a type ${type} response does not answer a type ${expected} request`, "type");
    if (type === RequestType.SERVER_SIDE_EMIT || type === RequestType.CUSTOM_REQUEST) {
      return { type, requestId, data: m.data };
    }
    if (type === RequestType.BROADCAST_CLIENT_COUNT) {
      return { type, requestId, clientCount: count(m.clientCount, "clientCount") };
    }
    return { type: RequestType.BROADCAST_ACK, requestId, packet: m.packet };
  }
  switch (expected) {
    case RequestType.SOCKETS: {
      const ids = array(m.sockets, "sockets");
      return { type: expected, requestId, sockets: ids.map((id, i) => str(id, `sockets[${i}]`)) };
    }
    case RequestType.ALL_ROOMS:
      return { type: expected, requestId, rooms: rooms(m.rooms, "rooms") };
    case RequestType.REMOTE_JOIN:
    case RequestType.REMOTE_LEAVE:
    case RequestType.REMOTE_DISCONNECT:
      return { type: expected, requestId };
    case RequestType.REMOTE_FETCH: {
      const list = array(m.sockets, "sockets");
      return { type: expected, requestId, sockets: list.map((s, i) => fetchedSocket(s, `sockets[${i}]`)) };
    }
    default:
      return fail(`a type ${expected} request is answered with a typed response`, "type");
  }
}
