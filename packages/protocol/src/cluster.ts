// Cluster messages: the sharded transport (createShardedAdapter, SPUBLISH) and every adapter built on
// socket.io-adapter's ClusterAdapter. Envelope {uid, nsp, type, data}; JSON unless the data holds binary.
import type { Room } from "./channels.js";
import {
  type DecodeOptions,
  decodeSniffed,
  encodeBinary,
  encodeJson,
  hasBinary,
  type Payload,
  toBuffer,
} from "./codec.js";
import { ProtocolError } from "./errors.js";
import { array, compact, count, fail, guard, nonEmptyStr, type Obj, obj, optBool, optStr, rooms } from "./fields.js";
import {
  type BroadcastOptions,
  type ClusterPacket,
  decodeOptions,
  decodePacket,
  eventData,
  type FetchedSocket,
  fetchedSocket,
  SERVER_RESERVED_EVENTS,
} from "./packet.js";

/** Message numbers of socket.io-adapter's ClusterAdapter (≥ 2.5.3). */
export const ClusterMessageType = {
  INITIAL_HEARTBEAT: 1,
  HEARTBEAT: 2,
  BROADCAST: 3,
  SOCKETS_JOIN: 4,
  SOCKETS_LEAVE: 5,
  DISCONNECT_SOCKETS: 6,
  FETCH_SOCKETS: 7,
  FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9,
  SERVER_SIDE_EMIT_RESPONSE: 10,
  BROADCAST_CLIENT_COUNT: 11,
  BROADCAST_ACK: 12,
  ADAPTER_CLOSE: 13,
} as const;
export type ClusterMessageType = (typeof ClusterMessageType)[keyof typeof ClusterMessageType];

type T = typeof ClusterMessageType;

/** The data of each cluster message type. */
export type ClusterData =
  | { type: T["INITIAL_HEARTBEAT"] | T["HEARTBEAT"] | T["ADAPTER_CLOSE"] }
  | { type: T["BROADCAST"]; data: { packet: ClusterPacket; opts: BroadcastOptions; requestId?: string } }
  | { type: T["SOCKETS_JOIN"] | T["SOCKETS_LEAVE"]; data: { opts: BroadcastOptions; rooms: Room[] } }
  | { type: T["DISCONNECT_SOCKETS"]; data: { opts: BroadcastOptions; close?: boolean } }
  | { type: T["FETCH_SOCKETS"]; data: { opts: BroadcastOptions; requestId: string } }
  | { type: T["FETCH_SOCKETS_RESPONSE"]; data: { requestId: string; sockets: FetchedSocket[] } }
  | { type: T["SERVER_SIDE_EMIT"]; data: { packet: unknown[]; requestId?: string } }
  | { type: T["SERVER_SIDE_EMIT_RESPONSE"]; data: { requestId: string; packet: unknown } }
  | { type: T["BROADCAST_CLIENT_COUNT"]; data: { requestId: string; clientCount: number } }
  | { type: T["BROADCAST_ACK"]; data: { requestId: string; packet: unknown } };

/**
 * A cluster message. `nsp` is missing only in messages from @socket.io/redis-adapter 8.2.x; take the
 * namespace from the channel then.
 */
export type ClusterMessage = ClusterData & { uid: string; nsp?: string };

// Types whose data may carry user values, and so binary.
const MAY_HOLD_BINARY: ReadonlySet<number> = new Set([3, 8, 9, 10, 12]);

function wireOptions(opts: BroadcastOptions) {
  return { rooms: opts.rooms, except: opts.except, flags: opts.flags };
}

// Field order of socket.io-adapter's ClusterAdapter, so that the JSON is byte-identical.
function wireData(message: ClusterMessage): unknown {
  switch (message.type) {
    case ClusterMessageType.INITIAL_HEARTBEAT:
    case ClusterMessageType.HEARTBEAT:
    case ClusterMessageType.ADAPTER_CLOSE:
      return undefined;
    case ClusterMessageType.BROADCAST: {
      const { packet, requestId, opts } = message.data;
      return { packet, requestId, opts: wireOptions(opts) };
    }
    case ClusterMessageType.SOCKETS_JOIN:
    case ClusterMessageType.SOCKETS_LEAVE:
      return { opts: wireOptions(message.data.opts), rooms: message.data.rooms };
    case ClusterMessageType.DISCONNECT_SOCKETS:
      return { opts: wireOptions(message.data.opts), close: message.data.close };
    case ClusterMessageType.FETCH_SOCKETS:
      return { opts: wireOptions(message.data.opts), requestId: message.data.requestId };
    case ClusterMessageType.FETCH_SOCKETS_RESPONSE:
      return { requestId: message.data.requestId, sockets: message.data.sockets };
    case ClusterMessageType.SERVER_SIDE_EMIT:
      // socket.io-adapter writes the requestId first when an ack is expected
      return message.data.requestId === undefined
        ? { packet: message.data.packet }
        : { requestId: message.data.requestId, packet: message.data.packet };
    case ClusterMessageType.SERVER_SIDE_EMIT_RESPONSE:
    case ClusterMessageType.BROADCAST_ACK:
      return { requestId: message.data.requestId, packet: message.data.packet };
    case ClusterMessageType.BROADCAST_CLIENT_COUNT:
      return { requestId: message.data.requestId, clientCount: message.data.clientCount };
  }
}

/**
 * Encodes a cluster message: msgpack when its data holds binary (types 3, 8, 9, 10, 12 only), else JSON.
 * Throws ProtocolError (`UNENCODABLE`) for values that cannot be encoded.
 *
 * @example
 * ```ts
 * encodeClusterMessage({ uid: "9ebc77c0d023f947", nsp: "/", type: ClusterMessageType.HEARTBEAT });
 * // '{"type":2,"uid":"9ebc77c0d023f947","nsp":"/"}'
 * ```
 */
export function encodeClusterMessage(message: ClusterMessage): Payload {
  const data = wireData(message);
  const wire = { type: message.type, data, uid: message.uid, nsp: message.nsp };
  return MAY_HOLD_BINARY.has(message.type) && hasBinary(data) ? encodeBinary(wire, undefined) : encodeJson(wire);
}

/**
 * Decodes a cluster message (JSON when the first byte is `{`, else msgpack). Unknown types give a
 * ProtocolError with code `UNKNOWN_TYPE`. Never throws.
 */
export function decodeClusterMessage(
  bytes: Uint8Array | string,
  options?: DecodeOptions,
): ClusterMessage | ProtocolError {
  const value = decodeSniffed(toBuffer(bytes), { maxDepth: options?.maxDepth });
  if (value instanceof ProtocolError) return value;
  return guard(() => {
    const m = obj(value, "");
    const envelope = { uid: nonEmptyStr(m.uid, "uid"), nsp: optStr(m.nsp, "nsp") };
    if (envelope.nsp !== undefined && !envelope.nsp.startsWith("/")) {
      fail(`namespace ${JSON.stringify(envelope.nsp)} does not start with "/"`, "nsp");
    }
    return compact({ ...readData(m), ...envelope }) as ClusterMessage;
  });
}

function readData(m: Obj): ClusterData {
  const type = m.type;
  switch (type) {
    case ClusterMessageType.INITIAL_HEARTBEAT:
    case ClusterMessageType.HEARTBEAT:
    case ClusterMessageType.ADAPTER_CLOSE:
      return { type };
    case ClusterMessageType.BROADCAST: {
      const d = obj(m.data, "data");
      const data = {
        packet: decodePacket(d.packet, "data.packet"),
        opts: decodeOptions(d.opts, "data.opts"),
        requestId: optStr(d.requestId, "data.requestId"),
      };
      return { type, data: compact(data) };
    }
    case ClusterMessageType.SOCKETS_JOIN:
    case ClusterMessageType.SOCKETS_LEAVE: {
      const d = obj(m.data, "data");
      return { type, data: { opts: decodeOptions(d.opts, "data.opts"), rooms: rooms(d.rooms, "data.rooms") } };
    }
    case ClusterMessageType.DISCONNECT_SOCKETS: {
      const d = obj(m.data, "data");
      return {
        type,
        data: compact({ opts: decodeOptions(d.opts, "data.opts"), close: optBool(d.close, "data.close") }),
      };
    }
    case ClusterMessageType.FETCH_SOCKETS: {
      const d = obj(m.data, "data");
      return {
        type,
        data: { opts: decodeOptions(d.opts, "data.opts"), requestId: nonEmptyStr(d.requestId, "data.requestId") },
      };
    }
    case ClusterMessageType.FETCH_SOCKETS_RESPONSE: {
      const d = obj(m.data, "data");
      const sockets = array(d.sockets, "data.sockets").map((s, i) => fetchedSocket(s, `data.sockets[${i}]`));
      return { type, data: { requestId: nonEmptyStr(d.requestId, "data.requestId"), sockets } };
    }
    case ClusterMessageType.SERVER_SIDE_EMIT: {
      const d = obj(m.data, "data");
      const data = {
        packet: eventData(d.packet, "data.packet", SERVER_RESERVED_EVENTS),
        requestId: optStr(d.requestId, "data.requestId"),
      };
      return { type, data: compact(data) };
    }
    case ClusterMessageType.SERVER_SIDE_EMIT_RESPONSE:
    case ClusterMessageType.BROADCAST_ACK: {
      const d = obj(m.data, "data");
      return { type, data: compact({ requestId: nonEmptyStr(d.requestId, "data.requestId"), packet: d.packet }) };
    }
    case ClusterMessageType.BROADCAST_CLIENT_COUNT: {
      const d = obj(m.data, "data");
      const data = {
        requestId: nonEmptyStr(d.requestId, "data.requestId"),
        clientCount: count(d.clientCount, "data.clientCount"),
      };
      return { type, data };
    }
    default:
      if (typeof type === "number" && Number.isInteger(type)) {
        throw new ProtocolError("UNKNOWN_TYPE", `unknown cluster message type ${type}`, "type");
      }
      return fail(`expected a message type, got ${JSON.stringify(type === undefined ? null : type)}`, "type");
  }
}
