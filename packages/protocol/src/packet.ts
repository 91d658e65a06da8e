// The Socket.IO packet and broadcast options carried inside broadcasts, requests and cluster messages.
import type { Room } from "./channels.js";
import { array, bool, count, duration, fail, nonEmptyStr, type Obj, obj, rooms, str } from "./fields.js";

/** socket.io-parser packet types that may appear on Redis. */
export const PacketType = {
  /** An event `[name, ...args]`: the only type a broadcast may carry. */
  EVENT: 2,
  /** An event with binary attachments, sent by old emitters; decoded as EVENT (parsers detect binary). */
  BINARY_EVENT: 5,
} as const;

/**
 * A Socket.IO event packet as carried on Redis.
 * `data[0]` is the event name (a string, or a number), the rest are its arguments.
 */
export interface EventPacket {
  type: typeof PacketType.EVENT;
  data: unknown[];
  /** The namespace, e.g. `/`. */
  nsp: string;
  /** Set on packets that expect acknowledgements. */
  id?: number;
}

/** The same packet where the namespace may be left out (cluster messages carry it in the envelope). */
export type ClusterPacket = Omit<EventPacket, "nsp"> & { nsp?: string };

/** Socket.IO 4 broadcast flags. Unknown flags are dropped by decoders. */
export interface BroadcastFlags {
  volatile?: boolean;
  compress?: boolean;
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  /** Ack timeout in ms (broadcasts with acknowledgements). */
  timeout?: number;
  expectSingleResponse?: boolean;
}

/** Who a broadcast or a socket operation targets: sockets in any of `rooms` (all when empty), minus `except`. */
export interface SocketSelector {
  rooms: Room[];
  except: Room[];
}

export interface BroadcastOptions extends SocketSelector {
  flags: BroadcastFlags;
}

/** Event names a Socket.IO client refuses: delivering one makes it drop the connection. Senders must not emit them. */
export const CLIENT_RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/**
 * Event names a server must not receive through serverSideEmit: the namespace emits the first three itself
 * (socket.io refuses to send them), and "error", "newListener" and "removeListener" have EventEmitter meanings;
 * an "error" with no listener would throw.
 */
export const SERVER_RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connection",
  "new_namespace",
  "error",
  "newListener",
  "removeListener",
]);

/**
 * Checks an event (`[name, ...args]`): the name must be a string that is not `reserved`, or a finite number
 * (a non-finite one reaches JSON clients as `null`, which they refuse).
 */
export function eventData(value: unknown, path: string, reserved = CLIENT_RESERVED_EVENTS): unknown[] {
  const data = array(value, path);
  const name = data[0];
  if (typeof name === "string") {
    if (reserved.has(name)) fail(`reserved event name "${name}"`, `${path}[0]`);
  } else if (typeof name !== "number" || !Number.isFinite(name)) {
    fail("expected an event name", `${path}[0]`);
  }
  return data;
}

/** Decodes a packet; `defaultNsp` fills a missing namespace (`"/"` on the classic broadcast channel). */
export function decodePacket(value: unknown, path: string, defaultNsp: string): EventPacket;
export function decodePacket(value: unknown, path: string, defaultNsp?: undefined): ClusterPacket;
export function decodePacket(value: unknown, path: string, defaultNsp?: string): ClusterPacket {
  const p = obj(value, path);
  if (p.type !== PacketType.EVENT && p.type !== PacketType.BINARY_EVENT) {
    fail(`packet type ${JSON.stringify(p.type)} is not an event`, `${path}.type`);
  }
  const packet: ClusterPacket = { type: PacketType.EVENT, data: eventData(p.data, `${path}.data`) };
  const nsp = p.nsp === undefined ? defaultNsp : str(p.nsp, `${path}.nsp`);
  if (nsp !== undefined) {
    if (!nsp.startsWith("/")) fail(`namespace ${JSON.stringify(nsp)} does not start with "/"`, `${path}.nsp`);
    packet.nsp = nsp;
  }
  if (p.id !== undefined) packet.id = count(p.id, `${path}.id`);
  return packet;
}

const FLAG_TYPES: Readonly<Record<string, "boolean" | "duration">> = {
  volatile: "boolean",
  compress: "boolean",
  local: "boolean",
  broadcast: "boolean",
  binary: "boolean",
  timeout: "duration",
  expectSingleResponse: "boolean",
};

function decodeFlags(value: unknown, path: string): BroadcastFlags {
  // missing, or "" from the Python emitter
  if (value === undefined || value === null || value === "") return {};
  const f = obj(value, path);
  let known = true;
  for (const key in f) {
    const kind = Object.hasOwn(FLAG_TYPES, key) ? FLAG_TYPES[key] : undefined;
    if (kind === undefined || f[key] === undefined) {
      known = false;
      continue;
    }
    if (kind === "boolean") bool(f[key], `${path}.${key}`);
    else duration(f[key], `${path}.${key}`);
  }
  if (known) return f as BroadcastFlags;
  // drop flags this version does not know (e.g. `json` from socket.io 2 emitters)
  const flags: Obj = {};
  for (const key in f) if (Object.hasOwn(FLAG_TYPES, key) && f[key] !== undefined) flags[key] = f[key];
  return flags as BroadcastFlags;
}

/** `{rooms, except}`; a missing list means none (emitters before 4.0 send no `except`). Other fields are ignored. */
export function decodeSelector(value: unknown, path: string): SocketSelector {
  const o = obj(value, path);
  return { rooms: rooms(o.rooms, `${path}.rooms`, true), except: rooms(o.except, `${path}.except`, true) };
}

export function decodeOptions(value: unknown, path: string): BroadcastOptions {
  const o: Obj = obj(value, path);
  return {
    rooms: rooms(o.rooms, `${path}.rooms`, true),
    except: rooms(o.except, `${path}.except`, true),
    flags: decodeFlags(o.flags, `${path}.flags`),
  };
}

/** One socket in a fetchSockets response (classic REMOTE_FETCH, cluster FETCH_SOCKETS_RESPONSE). */
export interface FetchedSocket {
  id: string;
  /** The socket's handshake (headers, time, address, xdomain, secure, issued, url, query, auth). */
  handshake: Record<string, unknown>;
  rooms: Room[];
  data: unknown;
}

export function fetchedSocket(value: unknown, path: string): FetchedSocket {
  const s = obj(value, path);
  return {
    id: nonEmptyStr(s.id, `${path}.id`),
    handshake: obj(s.handshake, `${path}.handshake`),
    rooms: rooms(s.rooms, `${path}.rooms`),
    data: s.data,
  };
}
