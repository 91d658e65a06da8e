// Channel names on Redis. Every name the ecosystem uses is `<prefix><kind>#<nsp>#[<suffix>#]`.
import { malformed, type ProtocolError } from "./errors.js";

/** The default channel prefix (`key` / `channelPrefix` option) of every Socket.IO Redis package. */
export const DEFAULT_PREFIX = "socket.io";

/** A room name. Socket.IO rooms are strings; numbers are kept for servers that join numeric rooms. */
export type Room = string | number;

// String.prototype.isWellFormed / toWellFormed: in Node ≥ 20, in TypeScript's lib from es2024.
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * A room as Redis carries it. Channel names and msgpack strings travel as UTF-8, in which a lone surrogate (half
 * of a UTF-16 pair, such as `"\uD800"`) becomes U+FFFD: on the wire `"\uD800"` and `"\uFFFD"` are one room.
 * Adapters pass every room through this, on every path, so that they are one room locally too. Numbers and
 * well-formed strings come back as they are.
 *
 * @example
 * ```ts
 * wireRoom("\uD800"); // "\uFFFD"
 * wireRoom("room1"); // "room1"
 * ```
 */
export function wireRoom<R extends Room>(room: R): R {
  return typeof room === "string" && !(room as WellFormed).isWellFormed()
    ? ((room as WellFormed).toWellFormed() as R)
    : room;
}

/**
 * Adds the leading `/` that Socket.IO namespace names always have: `"admin"` → `"/admin"`, `""` → `"/"`.
 *
 * @example
 * ```ts
 * normalizeNamespace("chat"); // "/chat"
 * ```
 */
export function normalizeNamespace(nsp: string): string {
  return nsp.startsWith("/") ? nsp : `/${nsp}`;
}

/** The channels of one namespace for the classic (PUBLISH/SUBSCRIBE) transport. */
export interface ClassicChannels {
  readonly prefix: string;
  readonly nsp: string;
  /** Broadcasts to everyone, or to two or more rooms: `socket.io#/#`. */
  readonly broadcast: string;
  /** The PSUBSCRIBE pattern covering the broadcast and every room channel: `socket.io#/#*`. */
  readonly pattern: string;
  /**
   * The broadcast channel as a PSUBSCRIBE pattern that matches it alone (glob characters escaped): how a server
   * subscribing per room receives the broadcast channel. A SUBSCRIBE would be counted by PUBSUB NUMSUB, and
   * `app-request#/#`, the broadcast channel of the key `app-request`, is the request channel of the key `app`.
   */
  readonly literalBroadcast: string;
  /** Requests from servers and emitters: `socket.io-request#/#`. */
  readonly request: string;
  /** Responses that every server receives: `socket.io-response#/#`. */
  readonly response: string;
  /** A broadcast to exactly one room: `socket.io#/#room1#`. */
  room(room: Room): string;
  /** Responses meant for one server only (`publishOnSpecificResponseChannel`): `socket.io-response#/#<uid>#`. */
  nodeResponse(uid: string): string;
  /** Where a broadcast to `rooms` is published: the room channel for exactly one room, else the broadcast channel. */
  forBroadcast(rooms: readonly Room[]): string;
}

/**
 * The classic channel names for a prefix and namespace (a missing leading `/` is added).
 *
 * @example
 * ```ts
 * const ch = classicChannels("socket.io", "/");
 * ch.broadcast;               // "socket.io#/#"
 * ch.forBroadcast(["room1"]); // "socket.io#/#room1#"
 * ch.request;                 // "socket.io-request#/#"
 * ```
 */
export function classicChannels(prefix: string = DEFAULT_PREFIX, namespace = "/"): ClassicChannels {
  const nsp = normalizeNamespace(namespace);
  const broadcast = `${prefix}#${nsp}#`;
  const response = `${prefix}-response#${nsp}#`;
  return {
    prefix,
    nsp,
    broadcast,
    pattern: `${broadcast}*`,
    literalBroadcast: broadcast.replace(/[*?[\]\\]/g, "\\$&"),
    request: `${prefix}-request#${nsp}#`,
    response,
    room: (room) => `${broadcast}${wireRoom(room)}#`,
    nodeResponse: (uid) => `${response}${uid}#`,
    forBroadcast: (rooms) => (rooms.length === 1 ? `${broadcast}${wireRoom(rooms[0] as Room)}#` : broadcast),
  };
}

/** The channels of one namespace for the sharded (SPUBLISH/SSUBSCRIBE) transport. */
export interface ShardedChannels {
  readonly prefix: string;
  readonly nsp: string;
  /** Every cluster message not routed elsewhere: `socket.io#/#`. */
  readonly main: string;
  /** Responses addressed to one server: `socket.io#/#<uid>#`. */
  node(uid: string): string;
  /** Broadcasts without ack to exactly one room (dynamic subscription modes): `socket.io#/#room1#`. */
  room(room: Room): string;
}

/**
 * The sharded channel names. They look like the classic ones but live in Redis's separate sharded pub/sub
 * space: SPUBLISH reaches only SSUBSCRIBErs.
 *
 * @example
 * ```ts
 * shardedChannels("socket.io", "/").node("9ebc77c0d023f947"); // "socket.io#/#9ebc77c0d023f947#"
 * ```
 */
export function shardedChannels(prefix: string = DEFAULT_PREFIX, namespace = "/"): ShardedChannels {
  const nsp = normalizeNamespace(namespace);
  const main = `${prefix}#${nsp}#`;
  return {
    prefix,
    nsp,
    main,
    node: (uid) => `${main}${uid}#`,
    room: (room) => `${main}${wireRoom(room)}#`,
  };
}

/** What a channel name says. `room` is the text of the room (numeric rooms come back as strings). */
export type ParsedChannel =
  | { kind: "broadcast"; prefix: string; nsp: string }
  | { kind: "room"; prefix: string; nsp: string; room: string }
  | { kind: "request"; prefix: string; nsp: string }
  | { kind: "response"; prefix: string; nsp: string }
  | { kind: "node-response"; prefix: string; nsp: string; uid: string };

const REQUEST = "-request";
const RESPONSE = "-response";

/**
 * Reads a channel name back into its parts. Room names may contain `#`: the room is everything between the
 * namespace's `#` and the final `#`. Namespace names must not contain `#`.
 *
 * With `prefix`, only channels of that prefix are accepted. Without it, the prefix is everything before the
 * first `#/`, and a prefix ending in `-request` / `-response` is read as that kind of channel. Sharded channels
 * have the shape of classic broadcast/room channels (a node channel reads as a room named by the uid).
 *
 * @example
 * ```ts
 * parseChannel("socket.io#/chat#a#b#"); // { kind: "room", prefix: "socket.io", nsp: "/chat", room: "a#b" }
 * ```
 */
export function parseChannel(channel: string | Uint8Array, prefix?: string): ParsedChannel | ProtocolError {
  const name = typeof channel === "string" ? channel : Buffer.from(channel).toString("utf8");
  let head: string;
  let kind: "broadcast" | "request" | "response";
  let rest: string;
  if (prefix === undefined) {
    const at = name.indexOf("#/");
    if (at < 0) return malformed(`not a Socket.IO channel: ${JSON.stringify(name)}`);
    head = name.slice(0, at);
    rest = name.slice(at + 1);
    kind = "broadcast";
    if (head.endsWith(REQUEST)) {
      kind = "request";
      head = head.slice(0, -REQUEST.length);
    } else if (head.endsWith(RESPONSE)) {
      kind = "response";
      head = head.slice(0, -RESPONSE.length);
    }
  } else {
    head = prefix;
    if (name.startsWith(`${prefix}#`)) kind = "broadcast";
    else if (name.startsWith(`${prefix}${REQUEST}#`)) kind = "request";
    else if (name.startsWith(`${prefix}${RESPONSE}#`)) kind = "response";
    else return malformed(`channel ${JSON.stringify(name)} does not have the prefix ${JSON.stringify(prefix)}`);
    rest = name.slice(name.indexOf("#", prefix.length) + 1);
  }
  const end = rest.indexOf("#");
  if (end < 0 || !rest.startsWith("/")) {
    return malformed(`channel ${JSON.stringify(name)} has no namespace`);
  }
  const nsp = rest.slice(0, end);
  const tail = rest.slice(end + 1);
  if (tail === "") return { kind, prefix: head, nsp };
  if (!tail.endsWith("#")) return malformed(`channel ${JSON.stringify(name)} does not end with "#"`);
  const suffix = tail.slice(0, -1);
  if (kind === "request") return malformed(`request channel ${JSON.stringify(name)} has a suffix`);
  if (kind === "response") {
    if (suffix === "") return malformed(`response channel ${JSON.stringify(name)} has an empty uid`);
    return { kind: "node-response", prefix: head, nsp, uid: suffix };
  }
  // `prefix#nsp##`: an empty room, which receivers treat like the broadcast channel
  if (suffix === "") return { kind: "broadcast", prefix: head, nsp };
  return { kind: "room", prefix: head, nsp, room: suffix };
}
