// Builds the cross-language test vectors in vectors/*.json from OUR encoders and decoders. Ports check against
// these files; vectors.test.ts checks that they still match this code. Run: npx tsx test/generate-vectors.ts
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { encode as notepackEncode } from "notepack.io";
import {
  type BroadcastEncodeOptions,
  type BroadcastMessage,
  type ClassicRequest,
  type ClassicResponse,
  type ClusterMessage,
  classicChannels,
  decodeBroadcast,
  decodeClusterMessage,
  decodeRequest,
  decodeResponse,
  encodeBroadcast,
  encodeClusterMessage,
  encodeRequest,
  encodeResponse,
  type ParsedChannel,
  type Payload,
  ProtocolError,
  parseChannel,
  type RequestType,
  shardedChannels,
} from "../src/index.js";

export type Format = "msgpack" | "json";

/** One message vector. `value` is in the tagged JSON form of {@link toTagged}. */
export interface MessageVector {
  name: string;
  channel: string;
  format: Format;
  hex: string;
  value: unknown;
  options?: { style: "adapter" | "emitter" };
  /** Responses: the request type answered (what `pending(requestId)` must return). */
  answers?: number;
  /** Node-specific channels: the uid of the requester the message is addressed to. */
  requester?: string;
  /** Bytes that old or third-party senders send; our encoder does not produce them. */
  decodeOnly?: true;
  /** compat.json: which decoder reads the bytes. */
  kind?: "broadcast" | "request" | "response" | "cluster";
}

export interface ChannelVector {
  name: string;
  transport: "classic" | "sharded";
  prefix: string;
  namespace: string;
  kind: "broadcast" | "pattern" | "request" | "response" | "node-response" | "room" | "main" | "node";
  room?: string | number;
  uid?: string;
  channel: string;
  /** parseChannel(channel) without a prefix; absent for the PSUBSCRIBE pattern. */
  parsed?: ParsedChannel;
}

export interface ParseVector {
  name: string;
  channel: string;
  /** The prefix argument of parseChannel, when given. */
  prefix?: string;
  parsed?: ParsedChannel;
  /** The ProtocolError code when the channel is rejected. */
  error?: string;
}

export interface VectorFile<V = unknown> {
  description: string;
  vectors: V[];
}

export const VECTOR_FILES = [
  "channels.json",
  "broadcast.json",
  "requests.json",
  "responses.json",
  "cluster.json",
  "compat.json",
] as const;
export type VectorFileName = (typeof VECTOR_FILES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Tagged JSON: the values of messages hold Buffers and Dates, which JSON cannot.

const TAGS_NOTE =
  'In "value", binary data (msgpack bin, notepack 2.x ArrayBuffer ext) is written {"$bin":"<hex>"}, a Date ' +
  '{"$date":<milliseconds since the epoch>} and an undefined value (notepack 2.x `d4 00 00`) {"$undefined":true}; ' +
  'everything else is plain JSON. Key order in "value" is the order our decoder produces; wire key order is fixed ' +
  'by the encoder and shown by "hex". "hex" is the exact payload handed to PUBLISH/SPUBLISH (for JSON: its UTF-8 bytes).';

/** Turns a decoded value into tagged JSON. */
export function toTagged(value: unknown): unknown {
  if (value === undefined) return { $undefined: true };
  if (value instanceof Date) return { $date: value.getTime() };
  if (value instanceof ArrayBuffer) return { $bin: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value))
    return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (Array.isArray(value)) return value.map(toTagged);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toTagged(item);
    return out;
  }
  return value;
}

/** Turns tagged JSON back into the value to encode (binary becomes a Buffer). */
export function fromTagged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromTagged);
  if (typeof value !== "object" || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    if (typeof obj.$bin === "string") return Buffer.from(obj.$bin, "hex");
    if (typeof obj.$date === "number") return new Date(obj.$date);
    if (obj.$undefined === true) return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = fromTagged(obj[key]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

export function hexOf(payload: Payload | Uint8Array): string {
  return (typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload)).toString("hex");
}

export function formatOf(payload: Payload): Format {
  return typeof payload === "string" ? "json" : "msgpack";
}

function ok<T>(value: T | ProtocolError | null, what: string): T {
  if (value instanceof ProtocolError) throw new Error(`${what}: our decoder rejected our own bytes: ${value.message}`);
  if (value === null) throw new Error(`${what}: decoded to null`);
  return value;
}

// Every encoded vector must survive decode → tagged JSON → re-encode byte for byte, or ports would get vectors
// whose "value" does not describe "hex".
function checkStable(name: string, hex: string, reencoded: Payload): void {
  if (hexOf(reencoded) !== hex) throw new Error(`${name}: re-encoding the decoded value changes the bytes`);
}

const ch = classicChannels();
const sh = shardedChannels();

// Realistic values, as socket.io 4.8 builds them.
const SID = "mJ0Tx4rg8LckHcZ2AAAB";
const SID2 = "kV3fK1q9lQ4W0o2EAAAD";
const ADAPTER_UID = "abcdef"; // uid2(6)
const NODE_UID = "9ebc77c0d023f947"; // randomBytes(8).toString("hex")
const REQUESTER_UID = "5f2a8e41c0d7b396";
const T0 = 1764067740000;
export const HANDSHAKE = {
  headers: {
    host: "localhost:3000",
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
  },
  time: "Tue Nov 25 2025 10:49:00 GMT+0000 (Coordinated Universal Time)",
  address: "::ffff:127.0.0.1",
  xdomain: false,
  secure: false,
  issued: T0,
  url: "/socket.io/?EIO=4&transport=websocket",
  query: { EIO: "4", transport: "websocket" },
  auth: { token: "s3cr3t" },
};

// ---------------------------------------------------------------------------------------------------------------
// broadcast.json

function broadcastVector(
  name: string,
  message: BroadcastMessage,
  style: "adapter" | "emitter",
  prefix = "socket.io",
): MessageVector {
  const options: BroadcastEncodeOptions = { style };
  const bytes = encodeBroadcast(message, options);
  const hex = hexOf(bytes);
  const decoded = ok(decodeBroadcast(Buffer.from(hex, "hex")), name);
  const value = toTagged(decoded);
  checkStable(name, hex, encodeBroadcast(fromTagged(value) as BroadcastMessage, options));
  const channel = classicChannels(prefix, message.packet.nsp).forBroadcast(message.opts.rooms);
  return { name, channel, format: formatOf(bytes), hex, value, options: { style } };
}

function ev(data: unknown[], nsp = "/") {
  return { type: 2 as const, data, nsp };
}

function broadcasts(): VectorFile<MessageVector> {
  const none = { rooms: [], except: [], flags: {} };
  const vectors = [
    broadcastVector(
      "emitter: emit('hello', 'world') to everyone (anchors §1.3, exact bytes)",
      { uid: "emitter", packet: ev(["hello", "world"]), opts: none },
      "emitter",
    ),
    broadcastVector(
      "adapter: to('room1').volatile.emit('ev', 1), uid abcdef (anchors §1.3, exact bytes)",
      { uid: ADAPTER_UID, packet: ev(["ev", 1]), opts: { rooms: ["room1"], except: [], flags: { volatile: true } } },
      "adapter",
    ),
    broadcastVector(
      "adapter: io.emit('hello', 'world')",
      { uid: ADAPTER_UID, packet: ev(["hello", "world"]), opts: none },
      "adapter",
    ),
    broadcastVector(
      "adapter: to(['r1', 'r2']) goes to the broadcast channel",
      { uid: ADAPTER_UID, packet: ev(["multi"]), opts: { rooms: ["r1", "r2"], except: [], flags: {} } },
      "adapter",
    ),
    broadcastVector(
      "adapter: to('room1').except('room2').volatile",
      {
        uid: ADAPTER_UID,
        packet: ev(["hi", 1]),
        opts: { rooms: ["room1"], except: ["room2"], flags: { volatile: true } },
      },
      "adapter",
    ),
    broadcastVector(
      "adapter: except a socket id room, compress false",
      {
        uid: ADAPTER_UID,
        packet: ev(["news", { id: 7 }]),
        opts: { rooms: [], except: [SID], flags: { compress: false } },
      },
      "adapter",
    ),
    broadcastVector(
      "emitter: to('room1').emit('e1', 1)",
      { uid: "emitter", packet: ev(["e1", 1]), opts: { rooms: ["room1"], except: [], flags: {} } },
      "emitter",
    ),
    broadcastVector(
      "emitter: except('room2').emit",
      { uid: "emitter", packet: ev(["e2"]), opts: { rooms: [], except: ["room2"], flags: {} } },
      "emitter",
    ),
    broadcastVector(
      "emitter: volatile.emit",
      { uid: "emitter", packet: ev(["tick", 42]), opts: { rooms: [], except: [], flags: { volatile: true } } },
      "emitter",
    ),
    broadcastVector(
      "emitter: compress(false).emit",
      { uid: "emitter", packet: ev(["big", "x"]), opts: { rooms: [], except: [], flags: { compress: false } } },
      "emitter",
    ),
    broadcastVector(
      "emitter: binary arguments (Buffer, empty Buffer, nested)",
      {
        uid: "emitter",
        packet: ev(["file", Buffer.from([0, 1, 2, 253, 254, 255]), Buffer.alloc(0), { chunk: Buffer.from("hi") }]),
        opts: none,
      },
      "emitter",
    ),
    broadcastVector(
      "adapter: Date argument (notepack.io 3 timestamp extension)",
      {
        uid: ADAPTER_UID,
        packet: ev(["when", new Date(T0), new Date(T0 + 123), new Date(0)]),
        opts: none,
      },
      "adapter",
    ),
    broadcastVector(
      "adapter: numeric room 42 (room channel socket.io#/#42#)",
      { uid: ADAPTER_UID, packet: ev(["n"]), opts: { rooms: [42], except: [], flags: {} } },
      "adapter",
    ),
    broadcastVector(
      "adapter: room name containing '#'",
      { uid: ADAPTER_UID, packet: ev(["h"]), opts: { rooms: ["a#b"], except: [], flags: {} } },
      "adapter",
    ),
    broadcastVector(
      "adapter: prefix 'myapp', namespace '/admin', one room",
      { uid: ADAPTER_UID, packet: ev(["admin-ev", "x"], "/admin"), opts: { rooms: ["ops"], except: [], flags: {} } },
      "adapter",
      "myapp",
    ),
    broadcastVector(
      "emitter: of('admin').emit (namespace normalised to '/admin')",
      { uid: "emitter", packet: ev(["admin-ev"], "/admin"), opts: none },
      "emitter",
    ),
    broadcastVector(
      "adapter: every msgpack type (nil, bools, ints of each width, floats, UTF-8, str8/str16, maps)",
      {
        uid: ADAPTER_UID,
        packet: ev([
          "types",
          null,
          true,
          false,
          0,
          127,
          128,
          255,
          256,
          65535,
          65536,
          4294967295,
          4294967296,
          -1,
          -32,
          -33,
          -128,
          -129,
          -32768,
          -32769,
          -2147483648,
          -2147483649,
          1.5,
          -0.25,
          "héllo wörld ✓ 😀",
          "a".repeat(40),
          "b".repeat(300),
          [],
          {},
          { nested: { deep: [1, [2, [3]]] } },
        ]),
        opts: none,
      },
      "adapter",
    ),
    broadcastVector(
      "adapter: numeric event name",
      { uid: ADAPTER_UID, packet: ev([123, "payload"]), opts: none },
      "adapter",
    ),
  ];
  return {
    description:
      "Classic broadcasts `[uid, packet, opts]` (msgpack, notepack.io 3) as published by @socket.io/redis-emitter 5.1 " +
      '("options": {"style":"emitter"}, opts keys rooms/flags/except) and @socket.io/redis-adapter 8.3 (style ' +
      '"adapter", opts keys rooms/except/flags). "channel" is where it is published: the room channel ' +
      '`<prefix>#<nsp>#<room>#` for exactly one room, else `<prefix>#<nsp>#`. To check a port: encode "value" ' +
      'with the given style and compare with "hex"; decode "hex" and compare with "value". ' +
      TAGS_NOTE,
    vectors,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// requests.json

function requestVector(name: string, request: ClassicRequest, prefix = "socket.io", nsp = "/"): MessageVector {
  const bytes = encodeRequest(request);
  const hex = hexOf(bytes);
  const value = toTagged(ok(decodeRequest(Buffer.from(hex, "hex")), name));
  checkStable(name, hex, encodeRequest(fromTagged(value) as ClassicRequest));
  return { name, channel: classicChannels(prefix, nsp).request, format: formatOf(bytes), hex, value };
}

function requests(): VectorFile<MessageVector> {
  const sel = { rooms: ["room1"], except: ["room2"] };
  const vectors = [
    requestVector("0 SOCKETS (adapter ≤ 7.x sockets())", {
      type: 0,
      uid: ADAPTER_UID,
      requestId: "Xk3u9a",
      rooms: ["room1"],
    }),
    requestVector("1 ALL_ROOMS (adapter.allRooms())", { type: 1, uid: ADAPTER_UID, requestId: "OlFlxS" }),
    requestVector("2 REMOTE_JOIN selector form, adapter (socketsJoin, with uid)", {
      type: 2,
      uid: ADAPTER_UID,
      opts: { rooms: ["room1"], except: [] },
      rooms: ["room2"],
    }),
    requestVector("2 REMOTE_JOIN selector form, emitter (no uid)", {
      type: 2,
      opts: sel,
      rooms: ["room3", "room4"],
    }),
    requestVector("2 REMOTE_JOIN legacy sid form (adapter ≤ 7.x remoteJoin)", {
      type: 2,
      uid: ADAPTER_UID,
      requestId: "rJ0001",
      sid: SID,
      room: "room1",
    }),
    requestVector("3 REMOTE_LEAVE selector form, adapter (socketsLeave, with uid)", {
      type: 3,
      uid: ADAPTER_UID,
      opts: { rooms: ["room1"], except: [] },
      rooms: ["room2"],
    }),
    requestVector("3 REMOTE_LEAVE selector form, emitter (no uid)", {
      type: 3,
      opts: { rooms: [], except: [] },
      rooms: ["room2"],
    }),
    requestVector("3 REMOTE_LEAVE legacy sid form (adapter ≤ 7.x remoteLeave)", {
      type: 3,
      uid: ADAPTER_UID,
      requestId: "rL0001",
      sid: SID,
      room: "room1",
    }),
    requestVector("4 REMOTE_DISCONNECT selector form, adapter (disconnectSockets(true))", {
      type: 4,
      uid: ADAPTER_UID,
      opts: { rooms: ["room1"], except: [] },
      close: true,
    }),
    requestVector("4 REMOTE_DISCONNECT selector form, emitter (disconnectSockets(), close false)", {
      type: 4,
      opts: { rooms: [], except: [] },
      close: false,
    }),
    requestVector("4 REMOTE_DISCONNECT legacy sid form (adapter ≤ 7.x remoteDisconnect)", {
      type: 4,
      uid: ADAPTER_UID,
      requestId: "rD0001",
      sid: SID,
      close: true,
    }),
    requestVector("5 REMOTE_FETCH (fetchSockets)", { type: 5, uid: ADAPTER_UID, requestId: "XD8Vnb", opts: sel }),
    requestVector("6 SERVER_SIDE_EMIT without ack", { type: 6, uid: ADAPTER_UID, data: ["ping", 1] }),
    requestVector("6 SERVER_SIDE_EMIT with ack (requestId present)", {
      type: 6,
      uid: ADAPTER_UID,
      requestId: "wM9-dO",
      data: ["pingack", { n: 42 }],
    }),
    requestVector("6 SERVER_SIDE_EMIT from the emitter (uid 'emitter')", {
      type: 6,
      uid: "emitter",
      data: ["ping", 2],
    }),
    requestVector("100 CUSTOM_REQUEST (sio-redis extension)", {
      type: 100,
      uid: ADAPTER_UID,
      requestId: "cR0001",
      data: { op: "stats" },
    }),
    requestVector("7 BROADCAST with acknowledgements (msgpack)", {
      type: 7,
      uid: ADAPTER_UID,
      requestId: "r8uglT",
      packet: ev(["withack"]),
      opts: { rooms: [], except: [], flags: { timeout: 50 } },
    }),
    requestVector("7 BROADCAST with acknowledgements to a room, binary argument", {
      type: 7,
      uid: ADAPTER_UID,
      requestId: "r8uglU",
      packet: ev(["withack", Buffer.from([1, 2, 3])]),
      opts: { rooms: ["room1"], except: ["room2"], flags: { timeout: 1000 } },
    }),
    requestVector(
      "5 REMOTE_FETCH, prefix 'myapp', namespace '/admin'",
      { type: 5, uid: ADAPTER_UID, requestId: "XD8Vnc", opts: { rooms: [], except: [] } },
      "myapp",
      "/admin",
    ),
  ];
  return {
    description:
      "Classic requests on `<prefix>-request#<nsp>#`: JSON for types 0–6, msgpack for 7 (BROADCAST). Field order is " +
      "that of @socket.io/redis-adapter 8.3 / @socket.io/redis-emitter 5.1. Types 2/3/4 come in a selector form " +
      "(`opts`, applied by every node, no response; the emitter sends it without uid) and a legacy single-socket " +
      'form (`requestId` + `sid`). Encode "value" and compare with "hex"; decode "hex" and compare with "value". ' +
      TAGS_NOTE,
    vectors,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// responses.json

function responseVector(
  name: string,
  response: ClassicResponse,
  answers: RequestType,
  requester?: string,
  prefix = "socket.io",
  nsp = "/",
): MessageVector {
  const bytes = encodeResponse(response);
  const hex = hexOf(bytes);
  const value = toTagged(
    ok(
      decodeResponse(Buffer.from(hex, "hex"), () => answers),
      name,
    ),
  );
  checkStable(name, hex, encodeResponse(fromTagged(value) as ClassicResponse));
  const chans = classicChannels(prefix, nsp);
  const channel = requester === undefined ? chans.response : chans.nodeResponse(requester);
  const vector: MessageVector = { name, channel, format: formatOf(bytes), hex, value, answers };
  if (requester !== undefined) vector.requester = requester;
  return vector;
}

function responses(): VectorFile<MessageVector> {
  const fetched = {
    id: SID,
    handshake: HANDSHAKE,
    rooms: [SID, "room1"],
    data: { userId: 42, name: "alice", roles: ["admin"] },
  };
  const vectors = [
    responseVector("answers 0 SOCKETS", { type: 0, requestId: "Xk3u9a", sockets: [SID, SID2] }, 0),
    responseVector(
      "answers 1 ALL_ROOMS (socket-id rooms included)",
      {
        type: 1,
        requestId: "OlFlxS",
        rooms: [SID, "room1", SID2],
      },
      1,
    ),
    responseVector("answers 2 REMOTE_JOIN legacy form", { type: 2, requestId: "rJ0001" }, 2),
    responseVector("answers 3 REMOTE_LEAVE legacy form", { type: 3, requestId: "rL0001" }, 3),
    responseVector("answers 4 REMOTE_DISCONNECT legacy form", { type: 4, requestId: "rD0001" }, 4),
    responseVector(
      "answers 5 REMOTE_FETCH with a real handshake",
      {
        type: 5,
        requestId: "XD8Vnb",
        sockets: [fetched],
      },
      5,
    ),
    responseVector("answers 5 REMOTE_FETCH, no sockets", { type: 5, requestId: "XD8Vnb", sockets: [] }, 5),
    responseVector(
      "6 SERVER_SIDE_EMIT ack (always on the shared channel)",
      {
        type: 6,
        requestId: "wM9-dO",
        data: "pong:42",
      },
      6,
    ),
    responseVector(
      "100 CUSTOM_REQUEST reply (sio-redis extension)",
      { type: 100, requestId: "cR0001", data: { load: 0.5 } },
      100,
    ),
    responseVector("8 BROADCAST_CLIENT_COUNT (JSON)", { type: 8, requestId: "r8uglT", clientCount: 3 }, 7),
    responseVector("9 BROADCAST_ACK (msgpack)", { type: 9, requestId: "r8uglT", packet: "ok" }, 7),
    responseVector(
      "9 BROADCAST_ACK with binary (msgpack)",
      {
        type: 9,
        requestId: "r8uglT",
        packet: { file: Buffer.from("89504e47", "hex"), at: new Date(T0) },
      },
      7,
    ),
    responseVector(
      "answers 1 ALL_ROOMS on the node channel (publishOnSpecificResponseChannel)",
      { type: 1, requestId: "OlFlxT", rooms: ["room1"] },
      1,
      ADAPTER_UID,
    ),
    responseVector(
      "8 BROADCAST_CLIENT_COUNT on the node channel (publishOnSpecificResponseChannel)",
      { type: 8, requestId: "r8uglV", clientCount: 0 },
      7,
      ADAPTER_UID,
    ),
    responseVector(
      "answers 5 REMOTE_FETCH, prefix 'myapp', namespace '/admin'",
      { type: 5, requestId: "XD8Vnc", sockets: [] },
      5,
      undefined,
      "myapp",
      "/admin",
    ),
  ];
  return {
    description:
      "Classic responses on `<prefix>-response#<nsp>#`, or on `<prefix>-response#<nsp>#<requester uid>#` " +
      '("requester" set) with publishOnSpecificResponseChannel. Responses to types 0–5 carry no type on the wire: ' +
      '"answers" is the type of the pending request with that requestId, and "value".type is that type. 6 and 8 are ' +
      'JSON, 9 is msgpack; 8 and 9 answer a type 7 request. Decode with pending(requestId) = "answers". ' +
      TAGS_NOTE,
    vectors,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// cluster.json

const RESPONSE_TYPES: ReadonlySet<number> = new Set([8, 10, 11, 12]);

/** The channel createShardedAdapter (default "dynamic" subscription mode) publishes a cluster message on. */
export function clusterChannel(message: ClusterMessage, prefix: string, nsp: string, requester?: string): string {
  const chans = shardedChannels(prefix, nsp);
  if (RESPONSE_TYPES.has(message.type)) {
    if (requester === undefined) throw new Error("a cluster response needs the requester uid");
    return chans.node(requester);
  }
  if (message.type === 3 && message.data.requestId === undefined && message.data.opts.rooms.length === 1) {
    const room = message.data.opts.rooms[0] as string | number;
    // rooms that look like socket ids (20 characters) have no channel of their own in "dynamic" mode
    if (!(typeof room === "string" && room.length === 20)) return chans.room(room);
  }
  return chans.main;
}

function clusterVector(name: string, message: ClusterMessage, requester?: string, prefix = "socket.io"): MessageVector {
  const bytes = encodeClusterMessage(message);
  const hex = hexOf(bytes);
  const value = toTagged(ok(decodeClusterMessage(Buffer.from(hex, "hex")), name));
  checkStable(name, hex, encodeClusterMessage(fromTagged(value) as ClusterMessage));
  const channel = clusterChannel(message, prefix, message.nsp ?? "/", requester);
  const vector: MessageVector = { name, channel, format: formatOf(bytes), hex, value };
  if (requester !== undefined) vector.requester = requester;
  return vector;
}

function cluster(): VectorFile<MessageVector> {
  const env = { uid: NODE_UID, nsp: "/" };
  const none = { rooms: [], except: [], flags: {} };
  const fetched = { id: SID, handshake: HANDSHAKE, rooms: [SID, "room1"], data: { userId: 42 } };
  const vectors = [
    clusterVector("1 INITIAL_HEARTBEAT", { type: 1, ...env }),
    clusterVector("2 HEARTBEAT", { type: 2, ...env }),
    clusterVector("3 BROADCAST io.emit('hello', 'world') (packet without nsp)", {
      type: 3,
      data: { packet: { type: 2, data: ["hello", "world"] }, opts: none },
      ...env,
    }),
    clusterVector("3 BROADCAST to one room (room channel in dynamic mode)", {
      type: 3,
      data: { packet: { type: 2, data: ["room"] }, opts: { rooms: ["room1"], except: [], flags: {} } },
      ...env,
    }),
    clusterVector("3 BROADCAST to a socket id (main channel in dynamic mode)", {
      type: 3,
      data: { packet: { type: 2, data: ["dm"] }, opts: { rooms: [SID], except: [], flags: {} } },
      ...env,
    }),
    clusterVector("3 BROADCAST except a room, volatile and compress", {
      type: 3,
      data: {
        packet: { type: 2, data: ["news", 1] },
        opts: { rooms: ["r1", "r2"], except: ["r3"], flags: { volatile: true, compress: true } },
      },
      ...env,
    }),
    clusterVector("3 BROADCAST with requestId (acknowledgements, main channel)", {
      type: 3,
      data: {
        packet: { type: 2, data: ["withack"] },
        requestId: "de09107a6ee0da01",
        opts: { rooms: [], except: [], flags: { timeout: 50 } },
      },
      ...env,
    }),
    clusterVector("3 BROADCAST with binary data (msgpack)", {
      type: 3,
      data: { packet: { type: 2, data: ["bin", Buffer.from([1, 2, 3])] }, opts: none },
      ...env,
    }),
    clusterVector("3 BROADCAST with requestId and binary data (msgpack)", {
      type: 3,
      data: {
        packet: { type: 2, data: ["binack", Buffer.from([4, 5])] },
        requestId: "de09107a6ee0da02",
        opts: { rooms: ["room1"], except: [], flags: { timeout: 1000 } },
      },
      ...env,
    }),
    clusterVector("3 BROADCAST whose packet has nsp (redis-streams-emitter style)", {
      type: 3,
      data: { packet: { type: 2, data: ["e"], nsp: "/" }, opts: none },
      uid: "emitter",
      nsp: "/",
    }),
    clusterVector("4 SOCKETS_JOIN", {
      type: 4,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, rooms: ["room2"] },
      ...env,
    }),
    clusterVector("5 SOCKETS_LEAVE", {
      type: 5,
      data: { opts: { rooms: ["room1"], except: ["room3"], flags: {} }, rooms: ["room2"] },
      ...env,
    }),
    clusterVector("6 DISCONNECT_SOCKETS close", {
      type: 6,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, close: true },
      ...env,
    }),
    clusterVector("7 FETCH_SOCKETS", {
      type: 7,
      data: { opts: none, requestId: "cbf73692d7fa2186" },
      ...env,
    }),
    clusterVector(
      "8 FETCH_SOCKETS_RESPONSE (JSON)",
      { type: 8, data: { requestId: "cbf73692d7fa2186", sockets: [fetched] }, ...env },
      REQUESTER_UID,
    ),
    clusterVector(
      "8 FETCH_SOCKETS_RESPONSE with binary socket data (msgpack)",
      {
        type: 8,
        data: {
          requestId: "cbf73692d7fa2187",
          sockets: [{ ...fetched, data: { avatar: Buffer.from("ffd8ffe0", "hex") } }],
        },
        ...env,
      },
      REQUESTER_UID,
    ),
    clusterVector("9 SERVER_SIDE_EMIT without ack", { type: 9, data: { packet: ["ping", 1] }, ...env }),
    clusterVector("9 SERVER_SIDE_EMIT with ack", {
      type: 9,
      data: { packet: ["pingack"], requestId: "a1b2c3d4e5f60718" },
      ...env,
    }),
    clusterVector("9 SERVER_SIDE_EMIT with binary (msgpack)", {
      type: 9,
      data: { packet: ["blob", Buffer.from([9, 9])] },
      ...env,
    }),
    clusterVector(
      "10 SERVER_SIDE_EMIT_RESPONSE (JSON)",
      { type: 10, data: { requestId: "a1b2c3d4e5f60718", packet: "pong:1" }, ...env },
      REQUESTER_UID,
    ),
    clusterVector(
      "10 SERVER_SIDE_EMIT_RESPONSE with binary (msgpack)",
      { type: 10, data: { requestId: "a1b2c3d4e5f60719", packet: Buffer.from([7]) }, ...env },
      REQUESTER_UID,
    ),
    clusterVector(
      "11 BROADCAST_CLIENT_COUNT",
      { type: 11, data: { requestId: "de09107a6ee0da01", clientCount: 2 }, ...env },
      REQUESTER_UID,
    ),
    clusterVector(
      "12 BROADCAST_ACK (JSON)",
      { type: 12, data: { requestId: "de09107a6ee0da01", packet: { ok: true } }, ...env },
      REQUESTER_UID,
    ),
    clusterVector(
      "12 BROADCAST_ACK with binary (msgpack)",
      { type: 12, data: { requestId: "de09107a6ee0da02", packet: Buffer.from("ack") }, ...env },
      REQUESTER_UID,
    ),
    clusterVector("13 ADAPTER_CLOSE", { type: 13, ...env }),
    clusterVector(
      "3 BROADCAST, channelPrefix 'myapp', namespace '/admin', one room",
      {
        type: 3,
        data: { packet: { type: 2, data: ["admin-ev"] }, opts: { rooms: ["ops"], except: [], flags: {} } },
        uid: NODE_UID,
        nsp: "/admin",
      },
      undefined,
      "myapp",
    ),
  ];
  return {
    description:
      "Cluster messages `{type, data, uid, nsp}` of createShardedAdapter (socket.io-adapter ClusterAdapter), on " +
      "SPUBLISH channels: `<prefix>#<nsp>#` (main), `<prefix>#<nsp>#<room>#` (BROADCAST without requestId to exactly " +
      'one room that is not 20 characters long, default "dynamic" subscription mode; "static" mode uses main), ' +
      '`<prefix>#<nsp>#<requester uid>#` for responses 8, 10, 11, 12 ("requester"). JSON unless the data of a ' +
      "type 3, 8, 9, 10 or 12 message holds binary, then msgpack of the whole message. " +
      TAGS_NOTE,
    vectors,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// compat.json: bytes other senders produce, built by hand

/**
 * msgpack with parts our encoder never writes: encode with notepack.io 3 using string placeholders, then put the
 * raw bytes in place of each placeholder's encoding.
 */
function splice(value: unknown, raw: Record<string, string>): Buffer {
  let bytes = notepackEncode(value) as Buffer;
  for (const [placeholder, hex] of Object.entries(raw)) {
    const needle = notepackEncode(placeholder) as Buffer;
    const at = bytes.indexOf(needle);
    if (at < 0 || bytes.indexOf(needle, at + 1) >= 0) throw new Error(`placeholder ${placeholder} not found once`);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(hex, "hex"), bytes.subarray(at + needle.length)]);
  }
  return bytes;
}

function compatVector(
  name: string,
  kind: "broadcast" | "request" | "cluster",
  channel: string,
  payload: Buffer | string,
): MessageVector {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8");
  const decoded =
    kind === "broadcast"
      ? decodeBroadcast(bytes)
      : kind === "request"
        ? decodeRequest(bytes)
        : decodeClusterMessage(bytes);
  const value = toTagged(ok(decoded, name));
  return {
    name,
    channel,
    format: typeof payload === "string" ? "json" : "msgpack",
    hex: bytes.toString("hex"),
    value,
    decodeOnly: true,
    kind,
  };
}

function int64(ms: number): string {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(ms));
  return b.toString("hex");
}

function compat(): VectorFile<MessageVector> {
  const admin = classicChannels("socket.io", "/admin");
  const vectors = [
    compatVector(
      "socket.io-emitter 3.x: opts {rooms, flags} without except, flags {}",
      "broadcast",
      ch.broadcast,
      notepackEncode(["emitter", { type: 2, data: ["hello", "world"], nsp: "/" }, { rooms: [], flags: {} }]) as Buffer,
    ),
    compatVector(
      "socket.io-emitter 3.x: one room, legacy json flag (ignored)",
      "broadcast",
      ch.room("room1"),
      notepackEncode([
        "emitter",
        { type: 2, data: ["hi"], nsp: "/" },
        { rooms: ["room1"], flags: { json: true, volatile: true } },
      ]) as Buffer,
    ),
    compatVector(
      'Python socket.io-emitter: empty rooms and flags sent as ""',
      "broadcast",
      ch.broadcast,
      notepackEncode(["emitter", { type: 2, data: ["py", 1], nsp: "/" }, { flags: "", rooms: "" }]) as Buffer,
    ),
    compatVector(
      "Python socket.io-emitter: flags object, one room",
      "broadcast",
      ch.room("room1"),
      notepackEncode([
        "emitter",
        { type: 2, data: ["py"], nsp: "/" },
        { flags: { broadcast: true }, rooms: ["room1"] },
      ]) as Buffer,
    ),
    compatVector(
      "packet without nsp (means '/')",
      "broadcast",
      ch.broadcast,
      notepackEncode(["emitter", { type: 2, data: ["no-nsp"] }, { rooms: [], except: [], flags: {} }]) as Buffer,
    ),
    compatVector(
      "BINARY_EVENT (type 5) from socket.io-emitter 3.1.x, read as EVENT (2)",
      "broadcast",
      ch.broadcast,
      notepackEncode([
        "emitter",
        { type: 5, data: ["file", Buffer.from([1, 2, 3])], nsp: "/" },
        { rooms: [], flags: {} },
      ]) as Buffer,
    ),
    compatVector(
      "notepack.io 2.x Date (fixext 8 type 0, big-endian milliseconds)",
      "broadcast",
      ch.broadcast,
      splice(["abcdef", { type: 2, data: ["when", "@DATE@"], nsp: "/" }, { rooms: [], except: [], flags: {} }], {
        "@DATE@": `d700${int64(T0 + 123)}`,
      }),
    ),
    compatVector(
      "notepack.io 2.x undefined (fixext 1 type 0: d4 00 00)",
      "broadcast",
      ch.broadcast,
      splice(["abcdef", { type: 2, data: ["maybe", "@UNDEF@", 1], nsp: "/" }, { rooms: [], except: [], flags: {} }], {
        "@UNDEF@": "d40000",
      }),
    ),
    compatVector(
      "notepack.io 2.x ArrayBuffer (ext 8 type 0)",
      "broadcast",
      ch.broadcast,
      splice(["emitter", { type: 2, data: ["ab", "@AB@"], nsp: "/" }, { rooms: [], except: [], flags: {} }], {
        "@AB@": "c70400deadbeef",
      }),
    ),
    compatVector(
      "notepack.io 2.x Date inside a BROADCAST request (7)",
      "request",
      ch.request,
      splice(
        {
          uid: "abcdef",
          requestId: "r8uglT",
          type: 7,
          packet: { type: 2, data: ["withack", "@DATE@"], nsp: "/" },
          opts: { rooms: [], except: [], flags: { timeout: 50 } },
        },
        { "@DATE@": `d700${int64(T0)}` },
      ),
    ),
    compatVector(
      "5 REMOTE_FETCH without uid (adapter 6.1–7.0)",
      "request",
      ch.request,
      JSON.stringify({ requestId: "XD8Vnb", type: 5, opts: { rooms: ["room1"], except: [] } }),
    ),
    compatVector(
      "1 ALL_ROOMS without uid (adapter 6.x–7.0)",
      "request",
      ch.request,
      JSON.stringify({ requestId: "OlFlxS", type: 1 }),
    ),
    compatVector(
      "2 REMOTE_JOIN from the emitter, opts without except (emitter ≤ 4.0 era)",
      "request",
      ch.request,
      JSON.stringify({ type: 2, opts: { rooms: ["room1"] }, rooms: ["room2"] }),
    ),
    compatVector(
      "4 REMOTE_DISCONNECT from the emitter on /admin (no uid)",
      "request",
      admin.request,
      JSON.stringify({ type: 4, opts: { rooms: [], except: [] }, close: false }),
    ),
    compatVector(
      "cluster 3 BROADCAST without nsp (@socket.io/redis-adapter 8.2.x sharded)",
      "cluster",
      sh.main,
      JSON.stringify({
        type: 3,
        data: { packet: { type: 2, data: ["hello"] }, opts: { rooms: [], except: [], flags: {} } },
        uid: NODE_UID,
      }),
    ),
    compatVector(
      "cluster 9 SERVER_SIDE_EMIT without nsp (@socket.io/redis-adapter 8.2.x sharded)",
      "cluster",
      sh.main,
      JSON.stringify({ type: 9, data: { packet: ["ping", 1] }, uid: NODE_UID }),
    ),
  ];
  return {
    description:
      'Decode-only vectors ("decodeOnly": true): bytes that real older or third-party senders publish and that ' +
      'decode to a normalised "value". Never compare your encoder with these. "kind" names the decoder: broadcast ' +
      "(classic broadcast channel), request (classic request channel) or cluster (sharded). Covers " +
      'socket.io-emitter 3.x (no except, legacy flags), the Python port (rooms/flags ""), packets without nsp, ' +
      "BINARY_EVENT (5 → 2), notepack.io 2.x Date (`d7 00` + 8-byte ms), undefined (`d4 00 00`) and ArrayBuffer " +
      "(ext type 0), requests without uid and cluster messages without nsp (take the namespace from the channel). " +
      "Unknown flags are dropped. " +
      TAGS_NOTE,
    vectors,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// channels.json

function parsedOf(channel: string, prefix?: string): ParsedChannel {
  const parsed = parseChannel(channel, prefix);
  if (parsed instanceof ProtocolError) throw new Error(`parseChannel rejected ${channel}: ${parsed.message}`);
  return parsed;
}

function channelVectors(): ChannelVector[] {
  const out: ChannelVector[] = [];
  for (const prefix of ["socket.io", "my-app"]) {
    for (const namespace of ["/", "/admin", "admin"]) {
      const c = classicChannels(prefix, namespace);
      const s = shardedChannels(prefix, namespace);
      const tag = `${prefix} ${JSON.stringify(namespace)}`;
      const add = (kind: ChannelVector["kind"], transport: ChannelVector["transport"], channel: string, extra = {}) => {
        const vector: ChannelVector = {
          name: `${transport} ${kind} ${tag}`,
          transport,
          prefix,
          namespace,
          kind,
          ...extra,
          channel,
        };
        if (kind !== "pattern") vector.parsed = parsedOf(channel);
        out.push(vector);
      };
      add("broadcast", "classic", c.broadcast);
      add("pattern", "classic", c.pattern);
      add("request", "classic", c.request);
      add("response", "classic", c.response);
      add("node-response", "classic", c.nodeResponse(ADAPTER_UID), { uid: ADAPTER_UID });
      add("room", "classic", c.room("room1"), { room: "room1" });
      add("main", "sharded", s.main);
      add("node", "sharded", s.node(NODE_UID), { uid: NODE_UID });
      add("room", "sharded", s.room("room1"), { room: "room1" });
    }
  }
  const c = classicChannels();
  const extra: Array<[string, ChannelVector]> = [
    [
      "room with '#'",
      {
        name: "",
        transport: "classic",
        prefix: "socket.io",
        namespace: "/",
        kind: "room",
        room: "a#b#",
        channel: c.room("a#b#"),
      },
    ],
    [
      "numeric room",
      {
        name: "",
        transport: "classic",
        prefix: "socket.io",
        namespace: "/",
        kind: "room",
        room: 42,
        channel: c.room(42),
      },
    ],
    [
      "socket-id room",
      {
        name: "",
        transport: "classic",
        prefix: "socket.io",
        namespace: "/",
        kind: "room",
        room: SID,
        channel: c.room(SID),
      },
    ],
    [
      "sharded room with '#'",
      {
        name: "",
        transport: "sharded",
        prefix: "socket.io",
        namespace: "/",
        kind: "room",
        room: "x#y",
        channel: sh.room("x#y"),
      },
    ],
  ];
  for (const [name, vector] of extra) {
    vector.name = `${vector.transport} ${name}`;
    vector.parsed = parsedOf(vector.channel);
    out.push(vector);
  }
  return out;
}

function parseVector(name: string, channel: string, prefix?: string): ParseVector {
  const parsed = parseChannel(channel, prefix);
  const vector: ParseVector = { name, channel };
  if (prefix !== undefined) vector.prefix = prefix;
  if (parsed instanceof ProtocolError) vector.error = parsed.code;
  else vector.parsed = parsed;
  return vector;
}

function channels(): VectorFile<ChannelVector | ParseVector> {
  const parse = [
    parseVector("room containing '#' (everything up to the final '#')", "socket.io#/chat#a#b#"),
    parseVector("empty room reads as the broadcast channel", "socket.io#/##"),
    parseVector("custom prefix, node response", "my-app-response#/admin#abcdef#"),
    parseVector("prefix given explicitly", "socket.io-request#/#", "socket.io"),
    parseVector("explicit prefix ending in -request", "my-request#/#", "my-request"),
    parseVector("without explicit prefix, '-request' is read as the kind", "my-request#/#"),
    parseVector("UTF-8 room name", "socket.io#/#café#"),
    parseVector("rejected: not a Socket.IO channel", "foo"),
    parseVector("rejected: namespace without '/'", "socket.io#admin#"),
    parseVector("rejected: request channel with a suffix", "socket.io-request#/#x#"),
    parseVector("rejected: response channel with an empty uid", "socket.io-response#/##"),
    parseVector("rejected: no final '#'", "socket.io#/#room1"),
    parseVector("rejected: other prefix", "other#/#", "socket.io"),
  ];
  return {
    description:
      'Channel names. Entries with "transport" give the name each function builds (classicChannels(prefix, ' +
      "namespace).broadcast/pattern/request/response/nodeResponse(uid)/room(room); shardedChannels(prefix, " +
      "namespace).main/node(uid)/room(room)); a namespace without leading '/' is normalised. \"parsed\" is " +
      "parseChannel(channel) without a prefix (a sharded node channel reads as a room named by the uid; the pattern " +
      'is not parsed). Entries without "transport" are parseChannel(channel, prefix?) results: "parsed", or ' +
      '"error" with the ProtocolError code. Channel names are UTF-8 strings.',
    vectors: [...channelVectors(), ...parse],
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** Every vector file, as written to vectors/. */
export function buildVectors(): Record<VectorFileName, VectorFile> {
  return {
    "channels.json": channels(),
    "broadcast.json": broadcasts(),
    "requests.json": requests(),
    "responses.json": responses(),
    "cluster.json": cluster(),
    "compat.json": compat(),
  };
}

/** The exact text of a vector file. */
export function serialize(file: VectorFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export const VECTORS_DIR = new URL("../vectors/", import.meta.url);

function main(): void {
  const files = buildVectors();
  for (const name of VECTOR_FILES) {
    writeFileSync(new URL(name, VECTORS_DIR), serialize(files[name]));
    console.log(`vectors/${name}: ${files[name].vectors.length} vectors`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
