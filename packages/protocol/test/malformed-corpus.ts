// Hand-made inputs every decoder must reject, each with the error code it must give. Shared with ports in other
// languages through vectors/malformed.json (see generate-malformed.ts).
import { encode } from "notepack.io";
import type { ProtocolErrorCode, RequestType } from "../src/index.js";

export type MalformedDecoder = "broadcast" | "request" | "response" | "cluster" | "channel";

export interface MalformedCase {
  name: string;
  decoder: MalformedDecoder;
  /** The message bytes in hex (msgpack, or JSON that is not valid UTF-8 text). */
  hex?: string;
  /** The message as UTF-8 text (JSON, channel names). */
  text?: string;
  /** "response" cases only: the type of the request pending under {@link RESPONSE_REQUEST_ID}. */
  answers?: RequestType;
  expect: ProtocolErrorCode;
}

/** The requestId the "response" cases use; `pending` knows only this one. */
export const RESPONSE_REQUEST_ID = "r1";
/** "channel" cases are parsed with this prefix: `parseChannel(text, CHANNEL_PREFIX)`. */
export const CHANNEL_PREFIX = "socket.io";

// ---- byte helpers ------------------------------------------------------------------------------------------

/** notepack.io's encoding of a value, in hex. */
const mp = (value: unknown): string => (encode(value) as Buffer).toString("hex");
/** Raw UTF-8 bytes in hex (no msgpack header). */
const utf8 = (text: string): string => Buffer.from(text, "utf8").toString("hex");
/** The first `bytes` bytes of a hex message. */
const cut = (hex: string, bytes: number): string => hex.slice(0, bytes * 2);
const js = (value: unknown): string => JSON.stringify(value);

/** Replaces the first byte-aligned occurrence of `from` in a hex message. */
function swap(hex: string, from: string, to: string): string {
  for (let i = hex.indexOf(from); i >= 0; i = hex.indexOf(from, i + 1)) {
    if (i % 2 === 0) return hex.slice(0, i) + to + hex.slice(i + from.length);
  }
  throw new Error(`${from} is not in ${hex}`);
}

/** An object with an own `__proto__` key, as JSON.parse would build it (a literal would set the prototype). */
function withProto(protoValue: unknown, rest: Record<string, unknown> = {}): Record<string, unknown> {
  const o: Record<string, unknown> = { ...rest };
  Object.defineProperty(o, "__proto__", { value: protoValue, enumerable: true, writable: true, configurable: true });
  return o;
}

/** `depth` arrays nested in one another around `inner`. */
function nestArrays(depth: number, inner: unknown = 0): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

// ---- a valid broadcast and its parts -------------------------------------------------------------------------

const PACKET = { type: 2, data: ["hello", "world"], nsp: "/" };
const OPTS = { rooms: [], flags: {}, except: [] };

/** `emitter.emit("hello", "world")` on `/`, byte for byte as @socket.io/redis-emitter 5 sends it (63 bytes). */
export const VALID_BROADCAST =
  "93a7656d697474657283a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490";
/** Adapter v8, uid `abcdef`, to `room1` with `volatile`. */
const VALID_ROOM_BROADCAST =
  "93a661626364656683a47479706502a46461746192a2657601a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677381a8766f6c6174696c65c3";

const UID = mp("emitter");
const PACKET_HEX = mp(PACKET);
const OPTS_HEX = mp(OPTS);
// the packet up to (and after) its second data element, so an argument can be swapped for hand-made bytes
const PKT_HEAD = `83${mp("type")}02${mp("data")}92${mp("hello")}`;
const PKT_TAIL = `${mp("nsp")}${mp("/")}`;
const withArg = (argHex: string): string => `93${UID}${PKT_HEAD}${argHex}${PKT_TAIL}${OPTS_HEX}`;
const withUid = (uidHex: string): string => `93${uidHex}${PACKET_HEX}${OPTS_HEX}`;
const withPacketHex = (packetHex: string): string => `93${UID}${packetHex}${OPTS_HEX}`;
const withOptsHex = (optsHex: string): string => `93${UID}${PACKET_HEX}${optsHex}`;

/** The broadcast with some packet fields replaced (`undefined` removes one: notepack omits it). */
const packet = (patch: Record<string, unknown>): string => mp(["emitter", { ...PACKET, ...patch }, OPTS]);
const opts = (patch: Record<string, unknown>): string => mp(["emitter", PACKET, { ...OPTS, ...patch }]);
const flags = (f: Record<string, unknown>): string => mp(["emitter", PACKET, { ...OPTS, flags: f }]);
const event = (name: unknown): string => packet({ data: [name, "world"] });

const PROTO = mp("__proto__");
const PROTO_STR8 = `d909${utf8("__proto__")}`;
const PROTO_STR16 = `da0009${utf8("__proto__")}`;

// ---- case builders -----------------------------------------------------------------------------------------

type Code = ProtocolErrorCode;
const M: Code = "MALFORMED";

const bc = (name: string, hex: string, expect: Code = M): MalformedCase => ({
  name: `broadcast: ${name}`,
  decoder: "broadcast",
  hex,
  expect,
});
const rq = (name: string, text: string, expect: Code = M): MalformedCase => ({
  name: `request: ${name}`,
  decoder: "request",
  text,
  expect,
});
const rqx = (name: string, hex: string, expect: Code = M): MalformedCase => ({
  name: `request: ${name}`,
  decoder: "request",
  hex,
  expect,
});
const rs = (name: string, answers: RequestType, text: string, expect: Code = M): MalformedCase => ({
  name: `response: ${name}`,
  decoder: "response",
  text,
  answers,
  expect,
});
const rsx = (name: string, answers: RequestType, hex: string, expect: Code = M): MalformedCase => ({
  name: `response: ${name}`,
  decoder: "response",
  hex,
  answers,
  expect,
});
const cl = (name: string, text: string, expect: Code = M): MalformedCase => ({
  name: `cluster: ${name}`,
  decoder: "cluster",
  text,
  expect,
});
const clx = (name: string, hex: string, expect: Code = M): MalformedCase => ({
  name: `cluster: ${name}`,
  decoder: "cluster",
  hex,
  expect,
});
const ch = (name: string, text: string): MalformedCase => ({
  name: `channel: ${name}`,
  decoder: "channel",
  text,
  expect: M,
});

// ---- broadcast channel (msgpack [uid, packet, opts]) --------------------------------------------------------

const broadcastTruncated: MalformedCase[] = [
  bc("empty input", ""),
  bc("truncated after the array header", cut(VALID_BROADCAST, 1)),
  bc("truncated after the uid string header", cut(VALID_BROADCAST, 2)),
  bc("truncated inside the uid", cut(VALID_BROADCAST, 5)),
  bc("truncated after the uid", cut(VALID_BROADCAST, 9)),
  bc("truncated after the packet map header", cut(VALID_BROADCAST, 10)),
  bc('truncated inside the "type" key', cut(VALID_BROADCAST, 13)),
  bc('truncated after the "type" key', cut(VALID_BROADCAST, 15)),
  bc("truncated after packet.type", cut(VALID_BROADCAST, 16)),
  bc('truncated after the "data" key', cut(VALID_BROADCAST, 21)),
  bc("truncated after the data array header", cut(VALID_BROADCAST, 22)),
  bc("truncated inside the event name", cut(VALID_BROADCAST, 25)),
  bc("truncated after the event name", cut(VALID_BROADCAST, 28)),
  bc("truncated inside the event argument", cut(VALID_BROADCAST, 31)),
  bc("truncated after packet.data", cut(VALID_BROADCAST, 34)),
  bc('truncated after the "nsp" key', cut(VALID_BROADCAST, 38)),
  bc("truncated after the nsp string header", cut(VALID_BROADCAST, 39)),
  bc("truncated after the packet", cut(VALID_BROADCAST, 40)),
  bc("truncated after the opts map header", cut(VALID_BROADCAST, 41)),
  bc('truncated inside the "rooms" key', cut(VALID_BROADCAST, 44)),
  bc('truncated after the "rooms" key', cut(VALID_BROADCAST, 47)),
  bc("truncated after opts.rooms", cut(VALID_BROADCAST, 48)),
  bc('truncated after the "flags" key', cut(VALID_BROADCAST, 54)),
  bc("truncated after opts.flags", cut(VALID_BROADCAST, 55)),
  bc('truncated inside the "except" key', cut(VALID_BROADCAST, 59)),
  bc("last byte missing (opts.except value)", cut(VALID_BROADCAST, 62)),
  bc("room broadcast truncated inside the room name", cut(VALID_ROOM_BROADCAST, 50)),
  bc("room broadcast missing the flags.volatile value", cut(VALID_ROOM_BROADCAST, 69)),
];

const broadcastLengths: MalformedCase[] = [
  bc("uid as str32 claiming 4 GiB", withUid(`dbffffffff${utf8("emitter")}`)),
  bc("uid as str16 claiming 65535 bytes", withUid(`daffff${utf8("emitter")}`)),
  bc("uid as str8 claiming 255 bytes", withUid(`d9ff${utf8("emitter")}`)),
  bc("event argument as bin32 claiming 4 GiB", withArg(`c6ffffffff${utf8("world")}`)),
  bc("event argument as bin16 claiming 65535 bytes", withArg(`c5ffff${utf8("world")}`)),
  bc("event argument as bin8 claiming 200 bytes", withArg(`c4c8${utf8("world")}`)),
  bc("event argument as ext32 (ArrayBuffer) claiming 4 GiB", withArg("c9ffffffff00aabb")),
  bc("event argument as ext16 (ArrayBuffer) claiming 65535 bytes", withArg("c8ffff00aabb")),
  bc("event argument as str32 claiming 4 GiB", withArg(`dbffffffff${utf8("world")}`)),
  bc("top-level array32 claiming 4294967295 elements", `ddffffffff${UID}${PACKET_HEX}${OPTS_HEX}`),
  bc("top-level array16 claiming 65535 elements", `dcffff${UID}${PACKET_HEX}${OPTS_HEX}`),
  bc("packet as map32 claiming 4294967295 entries", withPacketHex(`dfffffffff${PACKET_HEX.slice(2)}`)),
  bc("packet as map32 claiming 2^31 entries", withPacketHex(`df80000000${PACKET_HEX.slice(2)}`)),
  bc("opts as map16 claiming 65535 entries", withOptsHex(`deffff${OPTS_HEX.slice(2)}`)),
  bc("packet.data as array32 claiming 4294967295 elements", withPacketHex(swap(PACKET_HEX, "92a5", "ddffffffffa5"))),
  bc("opts.rooms as array32 claiming 4294967295 rooms", withOptsHex(`83${mp("rooms")}ddffffffff${mp("flags")}80`)),
  bc("opts.flags as map32 claiming 4294967295 flags", withOptsHex(`83${mp("rooms")}90${mp("flags")}dfffffffff`)),
  bc("opts.except as a fixstr claiming 31 bytes with 2 left", `${cut(VALID_BROADCAST, 62)}bf6162`),
];

const broadcastBadBytes: MalformedCase[] = [
  bc("the never-used byte 0xc1 alone", "c1"),
  bc("0xc1 as the uid", withUid("c1")),
  bc("0xc1 as a packet map key", withPacketHex(`84c102${PACKET_HEX.slice(2)}`)),
  bc("0xc1 as the event name", withPacketHex(`83${mp("type")}02${mp("data")}92c1${mp("world")}${PKT_TAIL}`)),
  bc("0xc1 as an event argument", withArg("c1")),
  bc("0xc1 as a room", withOptsHex(`83${mp("rooms")}91c1${mp("flags")}80${mp("except")}90`)),
  bc("0xc1 as a flag value", withOptsHex(`83${mp("rooms")}90${mp("flags")}81${mp("volatile")}c1${mp("except")}90`)),
  bc("map key that is an array", withPacketHex(`8491a1${mp("x").slice(2)}02${PACKET_HEX.slice(2)}`)),
  bc("map key that is nil", withOptsHex(`84c0c0${OPTS_HEX.slice(2)}`)),
  bc("map key that is a boolean", withOptsHex(`84c3c3${OPTS_HEX.slice(2)}`)),
  bc('map key "__proto__" as bin, not str', withPacketHex(`84c409${utf8("__proto__")}80${PACKET_HEX.slice(2)}`)),
];

const broadcastExt: MalformedCase[] = [
  bc("fixext 1 of type 1 (unknown ext)", withArg("d40100")),
  bc("fixext 2 of type 0 (only fixext 1 and 8 of type 0 exist)", withArg("d5000000")),
  bc("fixext 4 of type 0", withArg("d60000000000")),
  bc("fixext 8 of type 5", withArg("d705000000000000000000")),
  bc("fixext 16 of type -1 (no 128-bit timestamp)", withArg(`d8ff${"00".repeat(16)}`)),
  bc("fixext 1 of type -1", withArg("d4ff00")),
  bc("ext 8 of type 0x42", withArg("c70342aabbcc")),
  bc("ext 8 of type -1 with 8 bytes (timestamp96 needs 12)", withArg(`c708ff${"00".repeat(8)}`)),
  bc("ext 16 of type 7", withArg("c8000307aabbcc")),
  bc("ext 32 of type -2", withArg("c900000001fe00")),
  bc("fixext 4 of type 0x7f as the uid", withUid("d67f00000000")),
  bc("truncated timestamp32 as the last bytes", `93${UID}${PKT_HEAD}d6ff0000`),
];

const broadcastTrailing: MalformedCase[] = [
  bc("trailing 0x00 after a valid broadcast", `${VALID_BROADCAST}00`),
  bc("trailing nil after a valid broadcast", `${VALID_BROADCAST}c0`),
  bc("trailing 0xc1 after a valid broadcast", `${VALID_BROADCAST}c1`),
  bc("two valid broadcasts back to back", `${VALID_BROADCAST}${VALID_BROADCAST}`),
  bc("room broadcast followed by an empty array", `${VALID_ROOM_BROADCAST}90`),
];

const broadcastDepth: MalformedCase[] = [
  bc("10,000 nested fixarrays as the whole message", `${"91".repeat(10_000)}90`, "TOO_DEEP"),
  bc("10,000 nested fixarrays as an event argument", withArg(`${"91".repeat(10_000)}90`), "TOO_DEEP"),
  bc("1,000 nested array16s as an event argument", withArg(`${"dc0001".repeat(1_000)}90`), "TOO_DEEP"),
  bc("1,000 nested fixmaps as an event argument", withArg(`${"81a161".repeat(1_000)}80`), "TOO_DEEP"),
  bc(
    "1,000 nested maps under opts.flags",
    withOptsHex(`83${mp("rooms")}90${mp("flags")}${"81a161".repeat(1_000)}80${mp("except")}90`),
    "TOO_DEEP",
  ),
  bc(
    "1,000 nested arrays as a room",
    withOptsHex(`83${mp("rooms")}91${"91".repeat(1_000)}90${mp("flags")}80${mp("except")}90`),
    "TOO_DEEP",
  ),
  bc(
    "98 nested arrays in an argument (one level over the limit)",
    packet({ data: ["hello", nestArrays(98)] }),
    "TOO_DEEP",
  ),
  bc("1,000 alternating arrays and maps", withArg(`${"9181a161".repeat(1_000)}90`), "TOO_DEEP"),
  bc("1,000 unterminated nested fixarrays", "91".repeat(1_000), "TOO_DEEP"),
];

const broadcastProto: MalformedCase[] = [
  bc("__proto__ key in the packet", mp(["emitter", withProto({ type: 1 }, PACKET), OPTS]), "FORBIDDEN_KEY"),
  bc("__proto__ key in opts", mp(["emitter", PACKET, withProto({ rooms: ["admin"] }, OPTS)]), "FORBIDDEN_KEY"),
  bc("__proto__ key in opts.flags", flags(withProto({ volatile: true })), "FORBIDDEN_KEY"),
  bc("__proto__ key in an event argument", packet({ data: ["hello", withProto({ isAdmin: true })] }), "FORBIDDEN_KEY"),
  bc(
    "__proto__ key deep inside an event argument",
    packet({ data: ["hello", { a: { b: [1, { c: withProto({ polluted: 1 }) }] } }] }),
    "FORBIDDEN_KEY",
  ),
  bc("__proto__ key written as str8", withArg(`81${PROTO_STR8}81a178c3`), "FORBIDDEN_KEY"),
  bc("__proto__ key written as str16", withArg(`81${PROTO_STR16}81a178c3`), "FORBIDDEN_KEY"),
  bc("__proto__ key with a nil value", withArg(`81${PROTO}c0`), "FORBIDDEN_KEY"),
  bc("top-level map holding __proto__", mp(withProto({ polluted: true }, { uid: "emitter" })), "FORBIDDEN_KEY"),
  bc("__proto__ key in a map used as a room", opts({ rooms: [withProto("x")] }), "FORBIDDEN_KEY"),
  bc("__proto__ key as the second key of a fixmap", withArg(`82a161c3${PROTO}80`), "FORBIDDEN_KEY"),
];

const broadcastShape: MalformedCase[] = [
  // the message as a whole
  bc("a map instead of [uid, packet, opts]", mp({ uid: "emitter", packet: PACKET, opts: OPTS })),
  bc("a string instead of an array", mp("emitter")),
  bc("nil (c0) instead of an array", "c0"),
  bc("an integer instead of an array", "2a"),
  bc("true instead of an array", "c3"),
  bc("an empty array", "90"),
  bc("[uid] only", mp(["emitter"])),
  bc("[uid, packet] without opts", mp(["emitter", PACKET])),
  bc("[uid, packet, opts, extra]", mp(["emitter", PACKET, OPTS, "extra"])),
  // uid
  bc("uid is a number", mp([123456, PACKET, OPTS])),
  bc("uid is nil", mp([null, PACKET, OPTS])),
  bc("uid is an empty string", mp(["", PACKET, OPTS])),
  bc("uid is an array", mp([["emitter"], PACKET, OPTS])),
  bc("uid is a map", mp([{ id: "emitter" }, PACKET, OPTS])),
  bc("uid is a boolean", mp([true, PACKET, OPTS])),
  bc("uid is binary", mp([Buffer.from("emitter"), PACKET, OPTS])),
  bc("uid is a timestamp", mp([new Date(0), PACKET, OPTS])),
  // packet
  bc("packet is nil", mp(["emitter", null, OPTS])),
  bc("packet is the socket.io-parser string form", mp(["emitter", '2["hello","world"]', OPTS])),
  bc("packet is an array", mp(["emitter", [2, ["hello"], "/"], OPTS])),
  bc("packet is a number", mp(["emitter", 2, OPTS])),
  bc("packet is binary", mp(["emitter", Buffer.from([2]), OPTS])),
  bc("packet is a timestamp", mp(["emitter", new Date(0), OPTS])),
  // packet.type
  bc("packet.type 0 (CONNECT)", packet({ type: 0 })),
  bc("packet.type 1 (DISCONNECT would disconnect every client)", packet({ type: 1, data: undefined })),
  bc("packet.type 1 (DISCONNECT) with event data", packet({ type: 1 })),
  bc("packet.type 3 (ACK)", packet({ type: 3 })),
  bc("packet.type 4 (CONNECT_ERROR)", packet({ type: 4, data: { message: "x" } })),
  bc("packet.type 6 (BINARY_ACK)", packet({ type: 6 })),
  bc("packet.type missing", packet({ type: undefined })),
  bc('packet.type is the string "2"', packet({ type: "2" })),
  bc("packet.type is 2.5", packet({ type: 2.5 })),
  bc("packet.type is nil", packet({ type: null })),
  bc("packet.type is -2", packet({ type: -2 })),
  bc("packet.type is true", packet({ type: true })),
  bc("packet.type is 258", packet({ type: 258 })),
  // packet.data
  bc("packet.data missing", packet({ data: undefined })),
  bc("packet.data is nil", packet({ data: null })),
  bc("packet.data is a string", packet({ data: "hello" })),
  bc("packet.data is a map", packet({ data: { 0: "hello", 1: "world" } })),
  bc("packet.data is a number", packet({ data: 7 })),
  bc("packet.data is an empty array (no event name)", packet({ data: [] })),
  bc("packet.data is binary", packet({ data: Buffer.from("hello") })),
  // event name
  bc("event name is nil", event(null)),
  bc("event name is a boolean", event(false)),
  bc("event name is a map", event({ name: "hello" })),
  bc("event name is an array", event(["hello"])),
  bc("event name is binary", event(Buffer.from("hello"))),
  bc("event name is a timestamp", event(new Date(0))),
  bc('reserved event name "disconnect"', event("disconnect")),
  bc('reserved event name "connect"', event("connect")),
  bc('reserved event name "connect_error"', event("connect_error")),
  bc('reserved event name "disconnecting"', event("disconnecting")),
  bc('reserved event name "newListener"', event("newListener")),
  bc('reserved event name "removeListener"', event("removeListener")),
  // BUG (found here, fixed in src/packet.ts): were accepted, but reach a JSON client as null, which drops the connection
  bc("event name is NaN (float64)", event(Number.NaN)),
  bc("event name is +Infinity (float64)", event(Number.POSITIVE_INFINITY)),
  // packet.nsp
  bc('packet.nsp "admin" without a leading "/"', packet({ nsp: "admin" })),
  bc("packet.nsp is an empty string", packet({ nsp: "" })),
  bc('packet.nsp "chat/" with the slash at the end', packet({ nsp: "chat/" })),
  bc("packet.nsp is a number", packet({ nsp: 1 })),
  bc("packet.nsp is nil", packet({ nsp: null })),
  bc("packet.nsp is an array", packet({ nsp: ["/"] })),
  bc("packet.nsp is a map", packet({ nsp: { name: "/" } })),
  // packet.id
  bc("packet.id is negative", packet({ id: -1 })),
  bc("packet.id is a float", packet({ id: 1.5 })),
  bc("packet.id is a string", packet({ id: "1" })),
  bc("packet.id is nil", packet({ id: null })),
  bc("packet.id is 2^53 (not a safe integer)", packet({ id: 2 ** 53 })),
  // opts
  bc("opts is nil", mp(["emitter", PACKET, null])),
  bc("opts is a string", mp(["emitter", PACKET, "rooms"])),
  bc("opts is an array", mp(["emitter", PACKET, [[], [], {}]])),
  bc("opts is a number", mp(["emitter", PACKET, 0])),
  bc("opts is a timestamp", mp(["emitter", PACKET, new Date(0)])),
  bc("opts is an ArrayBuffer (notepack 2 ext 0)", withOptsHex("c7020000ff")),
  // opts.rooms
  bc("opts.rooms is false", opts({ rooms: false })),
  bc("opts.rooms is binary", opts({ rooms: Buffer.from("room1") })),
  bc('opts.rooms is the string "room1"', opts({ rooms: "room1" })),
  bc("opts.rooms is a number", opts({ rooms: 1 })),
  bc("opts.rooms is a map", opts({ rooms: { 0: "room1" } })),
  bc("opts.rooms holds nil", opts({ rooms: ["room1", null] })),
  bc("opts.rooms holds a map", opts({ rooms: [{}] })),
  bc("opts.rooms holds a boolean", opts({ rooms: [true] })),
  bc("opts.rooms holds an array", opts({ rooms: [["room1"]] })),
  bc("opts.rooms holds NaN", opts({ rooms: [Number.NaN] })),
  bc("opts.rooms holds -Infinity", opts({ rooms: [Number.NEGATIVE_INFINITY] })),
  bc("opts.rooms holds binary", opts({ rooms: [Buffer.from("room1")] })),
  bc("opts.rooms holds a timestamp", opts({ rooms: [new Date(0)] })),
  // opts.except
  bc("opts.except is a string", opts({ except: "socketid" })),
  bc("opts.except is a number", opts({ except: 5 })),
  bc("opts.except is a map", opts({ except: { room: "a" } })),
  bc("opts.except holds nil", opts({ except: [null] })),
  bc("opts.except is true", opts({ except: true })),
  bc("opts.except holds a map", opts({ except: [{ id: "a" }] })),
  // opts.flags
  bc('opts.flags is the string "volatile"', opts({ flags: "volatile" })),
  bc("opts.flags is an array", opts({ flags: ["volatile"] })),
  bc("opts.flags is a number", opts({ flags: 1 })),
  bc("opts.flags is true", opts({ flags: true })),
  bc("opts.flags is binary", opts({ flags: Buffer.from([1]) })),
  bc('flags.volatile is the string "true"', flags({ volatile: "true" })),
  bc("flags.volatile is 1", flags({ volatile: 1 })),
  bc("flags.volatile is nil", flags({ volatile: null })),
  bc("flags.volatile is an array", flags({ volatile: [true] })),
  bc("flags.compress is a string", flags({ compress: "yes" })),
  bc("flags.local is 0", flags({ local: 0 })),
  bc("flags.broadcast is a string", flags({ broadcast: "true" })),
  bc("flags.binary is nil", flags({ binary: null })),
  bc("flags.timeout is negative", flags({ timeout: -1 })),
  bc("flags.timeout is NaN", flags({ timeout: Number.NaN })),
  bc("flags.timeout is a string", flags({ timeout: "5000" })),
  bc("flags.timeout is +Infinity", flags({ timeout: Number.POSITIVE_INFINITY })),
  bc("flags.expectSingleResponse is a string", flags({ expectSingleResponse: "true" })),
];

// ---- request channel (JSON, BROADCAST in msgpack) ------------------------------------------------------------

const SEL = { rooms: ["room1"], except: [] };
const BCAST_REQ = {
  uid: "abcdef",
  requestId: "r8uglT",
  type: 7,
  packet: { type: 2, data: ["withack"], nsp: "/" },
  opts: { rooms: [], except: [], flags: { timeout: 50 } },
};
const bcastReq = (patch: Record<string, unknown>): string => mp({ ...BCAST_REQ, ...patch });
const deepJsonArrays = (n: number): string => `${"[".repeat(n)}${"]".repeat(n)}`;
const deepJsonObjects = (n: number): string => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;

const requestCases: MalformedCase[] = [
  // the official adapter's crash inputs
  rq('{"type":5} (REMOTE_FETCH without requestId or opts)', '{"type":5}'),
  rqx("msgpack nil (c0)", "c0"),
  rqx("empty input", ""),
  rq("{} (no type)", "{}"),
  // JSON syntax
  rq("lone opening brace", "{"),
  rq("missing closing brace", '{"uid":"abcdef","requestId":"r1","type":1'),
  rq("trailing comma", '{"uid":"abcdef","requestId":"r1","type":1,}'),
  rq("single-quoted keys", "{'type':1,'requestId':'r1'}"),
  rq("unquoted keys", "{type:1,requestId:'r1'}"),
  rq("missing comma", '{"type":1 "requestId":"r1"}'),
  rq("number with a leading zero", '{"type":01,"requestId":"r1"}'),
  rq("NaN literal", '{"type":NaN,"requestId":"r1"}'),
  rq("invalid escape", '{"type":1,"requestId":"\\x41"}'),
  rq("raw newline inside a string", '{"type":1,"requestId":"r\n1"}'),
  rq("two JSON objects back to back", '{"type":1,"requestId":"r1"}{"type":1,"requestId":"r2"}'),
  rq("garbage after the JSON object", '{"type":1,"requestId":"r1"}garbage'),
  rq("JSON array (read as msgpack)", '[1,"r1"]'),
  rq("JSON number (read as msgpack)", "5"),
  rq("JSON string (read as msgpack)", '"hello"'),
  rq("JSON null (read as msgpack)", "null"),
  rq("JSON with a leading space (read as msgpack)", ' {"type":1,"requestId":"r1"}'),
  rqx("JSON after a UTF-8 BOM (read as msgpack)", `efbbbf${utf8('{"type":1,"requestId":"r1"}')}`),
  rq("unterminated nesting of 50 [", `{"type":6,"data":${"[".repeat(50)}`),
  // JSON must be UTF-8: a lone 0xff byte inside a string
  rqx(
    "JSON with invalid UTF-8 in a string",
    Buffer.concat([Buffer.from('{"type":6,"data":["ev","'), Buffer.from([0xff]), Buffer.from('"]}')]).toString("hex"),
  ),
  // type
  rq("type missing", '{"uid":"abcdef","requestId":"r1"}'),
  rq("type is null", '{"uid":"abcdef","requestId":"r1","type":null}'),
  rq('type is the string "1"', '{"uid":"abcdef","requestId":"r1","type":"1"}'),
  rq("type is 1.5", '{"uid":"abcdef","requestId":"r1","type":1.5}'),
  rq("type is true", '{"uid":"abcdef","requestId":"r1","type":true}'),
  rq("type is an array", '{"uid":"abcdef","requestId":"r1","type":[1]}'),
  rq("type 10 (unknown)", '{"uid":"abcdef","requestId":"r1","type":10}', "UNKNOWN_TYPE"),
  rq("type 99 (unknown)", '{"uid":"abcdef","requestId":"r1","type":99}', "UNKNOWN_TYPE"),
  rq("type -1 (unknown)", '{"uid":"abcdef","requestId":"r1","type":-1}', "UNKNOWN_TYPE"),
  rq("type 8 (a response type) on the request channel", '{"type":8,"requestId":"r1","clientCount":1}', "UNKNOWN_TYPE"),
  rq("type 9 (a response type) on the request channel", '{"type":9,"requestId":"r1","packet":[1]}', "UNKNOWN_TYPE"),
  rq("type 1000000 (unknown)", '{"uid":"abcdef","requestId":"r1","type":1000000}', "UNKNOWN_TYPE"),
  rqx("msgpack request of type 42 (unknown)", mp({ uid: "abcdef", requestId: "r1", type: 42 }), "UNKNOWN_TYPE"),
  // v5 (socket.io-redis 5) requests: lower-case requestid
  rq("v5 customRequest (type 5, requestid lower-case)", '{"requestid":"r1","type":5,"data":{"x":1}}'),
  rq("v5 clients request (type 0, requestid lower-case)", '{"requestid":"r1","type":0,"rooms":[]}'),
  // uid
  rq("uid is a number", '{"uid":12345,"requestId":"r1","type":1}'),
  rq("uid is an empty string", '{"uid":"","requestId":"r1","type":1}'),
  rq("uid is null", '{"uid":null,"requestId":"r1","type":1}'),
  rq("uid is an array", '{"uid":["abcdef"],"requestId":"r1","type":1}'),
  rq("uid is an object", '{"uid":{},"type":6,"data":["ping"]}'),
  // requestId
  rq("SOCKETS without requestId", '{"uid":"abcdef","type":0,"rooms":[]}'),
  rq("ALL_ROOMS with an empty requestId", '{"uid":"abcdef","requestId":"","type":1}'),
  rq("ALL_ROOMS with a numeric requestId", '{"uid":"abcdef","requestId":42,"type":1}'),
  rq("ALL_ROOMS with a null requestId", '{"uid":"abcdef","requestId":null,"type":1}'),
  rq("ALL_ROOMS with an array requestId", '{"uid":"abcdef","requestId":["r1"],"type":1}'),
  rq("REMOTE_FETCH without requestId", '{"uid":"abcdef","type":5,"opts":{"rooms":[],"except":[]}}'),
  rq("SERVER_SIDE_EMIT with an empty requestId", '{"uid":"abcdef","requestId":"","type":6,"data":["ping"]}'),
  rq("SERVER_SIDE_EMIT with a numeric requestId", '{"uid":"abcdef","requestId":7,"type":6,"data":["ping"]}'),
  rqx("BROADCAST without requestId", bcastReq({ requestId: undefined })),
  rq("legacy REMOTE_JOIN without requestId", '{"uid":"abcdef","type":2,"sid":"sid1","room":"room1"}'),
  // SOCKETS rooms
  rq('SOCKETS with rooms "room1"', '{"uid":"abcdef","requestId":"r1","type":0,"rooms":"room1"}'),
  rq("SOCKETS with rooms as an object", '{"uid":"abcdef","requestId":"r1","type":0,"rooms":{}}'),
  rq("SOCKETS with a null room", '{"uid":"abcdef","requestId":"r1","type":0,"rooms":[null]}'),
  rq("SOCKETS with an object room", '{"uid":"abcdef","requestId":"r1","type":0,"rooms":[{}]}'),
  rq("SOCKETS with rooms as a number", '{"uid":"abcdef","requestId":"r1","type":0,"rooms":5}'),
  // REMOTE_JOIN, selector form (socketsJoin)
  rq("socketsJoin with opts null", js({ uid: "abcdef", type: 2, opts: null, rooms: ["room2"] })),
  rq("socketsJoin with opts a string", js({ uid: "abcdef", type: 2, opts: "room1", rooms: ["room2"] })),
  rq("socketsJoin with opts an array", js({ uid: "abcdef", type: 2, opts: [["room1"], []], rooms: ["room2"] })),
  rq("socketsJoin with opts.rooms false", js({ uid: "abcdef", type: 2, opts: { rooms: false }, rooms: ["room2"] })),
  rq('socketsJoin with opts.rooms "room1"', js({ uid: "abcdef", type: 2, opts: { rooms: "room1" }, rooms: ["room2"] })),
  rq(
    "socketsJoin with opts.except a number",
    js({ uid: "abcdef", type: 2, opts: { rooms: [], except: 5 }, rooms: ["r"] }),
  ),
  rq(
    "socketsJoin with a null selector room",
    js({ uid: "abcdef", type: 2, opts: { rooms: [null] }, rooms: ["room2"] }),
  ),
  rq("socketsJoin without the rooms to join", js({ uid: "abcdef", type: 2, opts: SEL })),
  rq("socketsJoin with rooms to join as an object", js({ uid: "abcdef", type: 2, opts: SEL, rooms: {} })),
  rq("socketsJoin with a null room to join", js({ uid: "abcdef", type: 2, opts: SEL, rooms: [null] })),
  rq("socketsJoin with rooms to join true", js({ uid: "abcdef", type: 2, opts: SEL, rooms: true })),
  rq("socketsJoin with a nested array room", js({ uid: "abcdef", type: 2, opts: SEL, rooms: [["a"]] })),
  // REMOTE_JOIN, legacy sid form
  rq("remoteJoin without sid", js({ uid: "abcdef", requestId: "r1", type: 2, room: "room1" })),
  rq("remoteJoin with an empty sid", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "", room: "room1" })),
  rq("remoteJoin with a numeric sid", js({ uid: "abcdef", requestId: "r1", type: 2, sid: 5, room: "room1" })),
  rq("remoteJoin without room", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "sid1" })),
  rq("remoteJoin with room as an object", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "sid1", room: {} })),
  rq("remoteJoin with room null", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "sid1", room: null })),
  rq("remoteJoin with room an array", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "sid1", room: ["a"] })),
  rq("remoteJoin with room true", js({ uid: "abcdef", requestId: "r1", type: 2, sid: "sid1", room: true })),
  // REMOTE_LEAVE
  rq(
    "socketsLeave with opts.except an object",
    js({ uid: "abcdef", type: 3, opts: { rooms: [], except: {} }, rooms: ["a"] }),
  ),
  rq(
    "remoteLeave with room as an object",
    js({ uid: "abcdef", requestId: "r1", type: 3, sid: "sid1", room: { r: 1 } }),
  ),
  rq("remoteLeave with sid an array", js({ uid: "abcdef", requestId: "r1", type: 3, sid: ["sid1"], room: "room1" })),
  // REMOTE_DISCONNECT
  rq('disconnectSockets with close "true"', js({ uid: "abcdef", type: 4, opts: SEL, close: "true" })),
  rq("disconnectSockets with close 1", js({ uid: "abcdef", type: 4, opts: SEL, close: 1 })),
  rq("disconnectSockets with close null", js({ uid: "abcdef", type: 4, opts: SEL, close: null })),
  rq("disconnectSockets with opts.rooms an object", js({ uid: "abcdef", type: 4, opts: { rooms: {}, except: [] } })),
  rq("remoteDisconnect without sid", js({ uid: "abcdef", requestId: "r1", type: 4, close: true })),
  rq('remoteDisconnect with close "yes"', js({ uid: "abcdef", requestId: "r1", type: 4, sid: "sid1", close: "yes" })),
  // REMOTE_FETCH
  rq("fetchSockets without opts", js({ uid: "abcdef", requestId: "r1", type: 5 })),
  rq("fetchSockets with opts null", js({ uid: "abcdef", requestId: "r1", type: 5, opts: null })),
  rq("fetchSockets with opts.rooms 0", js({ uid: "abcdef", requestId: "r1", type: 5, opts: { rooms: 0, except: [] } })),
  rq(
    'fetchSockets with opts.except "x"',
    js({ uid: "abcdef", requestId: "r1", type: 5, opts: { rooms: [], except: "x" } }),
  ),
  rq('fetchSockets with opts "all"', js({ uid: "abcdef", requestId: "r1", type: 5, opts: "all" })),
  // SERVER_SIDE_EMIT
  rq("serverSideEmit without data", js({ uid: "abcdef", type: 6 })),
  rq("serverSideEmit with data a string", js({ uid: "abcdef", type: 6, data: "ping" })),
  rq("serverSideEmit with data an object", js({ uid: "abcdef", type: 6, data: { 0: "ping" } })),
  rq("serverSideEmit with data a number", js({ uid: "abcdef", type: 6, data: 6 })),
  rq("serverSideEmit with empty data (no event name)", js({ uid: "abcdef", type: 6, data: [] })),
  rq("serverSideEmit with a null event name", js({ uid: "abcdef", type: 6, data: [null, 1] })),
  rq("serverSideEmit with an object event name", js({ uid: "abcdef", type: 6, data: [{}] })),
  rq("serverSideEmit with a boolean event name", js({ uid: "abcdef", type: 6, data: [true] })),
  rq('serverSideEmit of the reserved "connect"', js({ uid: "abcdef", type: 6, data: ["connect"] })),
  // would reach io.on("connection") handlers with a string for a socket
  rq('serverSideEmit of the reserved "connection"', js({ uid: "abcdef", type: 6, data: ["connection", "x"] })),
  // an "error" event without a listener throws on the receiving server
  rq('serverSideEmit of the reserved "error"', js({ uid: "abcdef", type: 6, data: ["error", "boom"] })),
  rq('serverSideEmit of the reserved "newListener"', js({ uid: "abcdef", type: 6, data: ["newListener", "x"] })),
  // BROADCAST (msgpack)
  rqx("BROADCAST without packet", bcastReq({ packet: undefined })),
  rqx("BROADCAST of a DISCONNECT packet (type 1)", bcastReq({ packet: { type: 1, nsp: "/" } })),
  rqx('BROADCAST of the reserved "disconnect"', bcastReq({ packet: { type: 2, data: ["disconnect"], nsp: "/" } })),
  rqx('BROADCAST with packet.nsp "chat"', bcastReq({ packet: { type: 2, data: ["withack"], nsp: "chat" } })),
  rqx('BROADCAST with packet.id "1"', bcastReq({ packet: { type: 2, data: ["withack"], nsp: "/", id: "1" } })),
  rqx("BROADCAST without opts", bcastReq({ opts: undefined })),
  rqx(
    'BROADCAST with flags.volatile "true"',
    bcastReq({ opts: { rooms: [], except: [], flags: { volatile: "true" } } }),
  ),
  rqx('BROADCAST with opts.rooms "room1"', bcastReq({ opts: { rooms: "room1", except: [], flags: {} } })),
  rqx("BROADCAST with flags.timeout -5", bcastReq({ opts: { rooms: [], except: [], flags: { timeout: -5 } } })),
  // BUG (found here, fixed in src/packet.ts): see "event name is NaN" above
  rqx("BROADCAST with event name NaN", bcastReq({ packet: { type: 2, data: [Number.NaN], nsp: "/" } })),
  rq("BROADCAST as JSON with packet null", js({ ...BCAST_REQ, packet: null })),
  // __proto__
  rq(
    "JSON __proto__ at top level",
    '{"uid":"abcdef","requestId":"r1","type":1,"__proto__":{"polluted":1}}',
    "FORBIDDEN_KEY",
  ),
  rq(
    "JSON __proto__ in opts",
    '{"uid":"abcdef","type":2,"opts":{"rooms":[],"except":[],"__proto__":{"rooms":["x"]}},"rooms":["r"]}',
    "FORBIDDEN_KEY",
  ),
  rq(
    "JSON __proto__ in serverSideEmit data",
    '{"uid":"abcdef","type":6,"data":["ev",{"__proto__":{"x":1}}]}',
    "FORBIDDEN_KEY",
  ),
  rq(
    "JSON __proto__ deep in serverSideEmit data",
    '{"uid":"abcdef","type":6,"data":["ev",{"a":[{"b":{"__proto__":{"isAdmin":true}}}]}]}',
    "FORBIDDEN_KEY",
  ),
  rq(
    "JSON __proto__ written with a \\u escape",
    '{"uid":"abcdef","type":6,"data":["ev",{"\\u005f_proto__":{}}]}',
    "FORBIDDEN_KEY",
  ),
  rq(
    "JSON __proto__ in fetchSockets opts",
    '{"uid":"abcdef","requestId":"r1","type":5,"opts":{"rooms":[],"__proto__":null}}',
    "FORBIDDEN_KEY",
  ),
  rqx(
    "msgpack __proto__ at top level",
    mp(withProto({ x: 1 }, { uid: "abcdef", requestId: "r1", type: 1 })),
    "FORBIDDEN_KEY",
  ),
  rqx(
    "msgpack __proto__ in a BROADCAST argument",
    bcastReq({ packet: { type: 2, data: ["withack", withProto({ x: 1 })], nsp: "/" } }),
    "FORBIDDEN_KEY",
  ),
  // depth
  rq(
    "JSON 10,000 nested arrays in serverSideEmit data",
    `{"uid":"abcdef","type":6,"data":["ev",${deepJsonArrays(10_000)}]}`,
    "TOO_DEEP",
  ),
  rq(
    "JSON 1,000 nested objects in serverSideEmit data",
    `{"uid":"abcdef","type":6,"data":["ev",${deepJsonObjects(1_000)}]}`,
    "TOO_DEEP",
  ),
  rq(
    "JSON 99 nested arrays in data (one level over the limit)",
    js({ uid: "abcdef", type: 6, data: ["ev", nestArrays(99)] }),
    "TOO_DEEP",
  ),
  rq(
    "JSON 1,000 nested objects in opts",
    `{"uid":"abcdef","requestId":"r1","type":5,"opts":${deepJsonObjects(1_000)}}`,
    "TOO_DEEP",
  ),
  rqx(
    "msgpack 1,000 nested arrays in a BROADCAST argument",
    swap(bcastReq({ packet: { type: 2, data: [], nsp: "/" } }), "90", `92${mp("ev")}${"91".repeat(1_000)}90`),
    "TOO_DEEP",
  ),
  // msgpack defects
  rqx("a broadcast array sent to the request channel", VALID_BROADCAST),
  rqx("truncated BROADCAST request", cut(bcastReq({}), 30)),
  rqx("BROADCAST request with 0xc1 as the type", swap(bcastReq({ type: 0 }), `${mp("type")}00`, `${mp("type")}c1`)),
  rqx("BROADCAST request followed by a trailing byte", `${bcastReq({})}00`),
  rqx("msgpack request as map32 claiming 4294967295 entries", `dfffffffff${bcastReq({}).slice(2)}`),
  rqx(
    "msgpack request with an unknown ext as requestId",
    `${swap(mp({ uid: "abcdef", type: 1 }), "82", "83")}${mp("requestId")}d40501`,
  ),
];

// ---- response channels ---------------------------------------------------------------------------------------

const ACK = (patch: Record<string, unknown>): string => mp({ type: 9, requestId: "r1", packet: "ok", ...patch });
const sockets = (s: unknown): string => js({ requestId: "r1", sockets: [s] });
const SOCKET = { id: "sid1", handshake: { headers: {}, time: "now", address: "::1" }, rooms: ["sid1"], data: {} };

const responseCases: MalformedCase[] = [
  rsx("msgpack nil (c0) while a fetchSockets is pending", 5, "c0"),
  rsx("msgpack nil (c0) while a broadcast with ack is pending", 7, "c0"),
  rsx("empty input", 1, ""),
  rs("{} (no requestId)", 1, "{}"),
  rs("requestId is a number", 1, '{"requestId":1,"rooms":[]}'),
  rs("requestId is an empty string", 1, '{"requestId":"","rooms":[]}'),
  rs("requestId is null", 5, '{"requestId":null,"sockets":[]}'),
  rs("v5 response with requestid lower-case", 1, '{"requestid":"r1","rooms":[]}'),
  rs("JSON syntax error", 1, '{"requestId":"r1","rooms":[}'),
  rs("truncated JSON", 5, '{"requestId":"r1","sockets":[{"id":"a"'),
  rs("JSON array (read as msgpack)", 1, '["r1",[]]'),
  rs("JSON number (read as msgpack)", 7, "8"),
  // type field
  rs("type 7 is not a response type", 7, '{"type":7,"requestId":"r1","clientCount":1}'),
  rs("type 0 is not a typed response", 0, '{"type":0,"requestId":"r1","sockets":[]}'),
  rs("type 99", 5, '{"type":99,"requestId":"r1"}'),
  rs("type null", 1, '{"type":null,"requestId":"r1","rooms":[]}'),
  rs('type "8" as a string', 7, '{"type":"8","requestId":"r1","clientCount":1}'),
  rs("BROADCAST_CLIENT_COUNT for a pending fetchSockets", 5, '{"type":8,"requestId":"r1","clientCount":1}'),
  rs("BROADCAST_CLIENT_COUNT for a pending serverSideEmit", 6, '{"type":8,"requestId":"r1","clientCount":1}'),
  rs("serverSideEmit ack for a pending allRooms", 1, '{"type":6,"requestId":"r1","data":"pong"}'),
  rs("serverSideEmit ack for a pending broadcast with ack", 7, '{"type":6,"requestId":"r1","data":"pong"}'),
  rsx("BROADCAST_ACK for a pending serverSideEmit", 6, ACK({})),
  rsx("BROADCAST_ACK for a pending fetchSockets", 5, ACK({})),
  rs("untyped response for a pending serverSideEmit", 6, '{"requestId":"r1","data":"pong"}'),
  rs("untyped response for a pending broadcast with ack", 7, '{"requestId":"r1","clientCount":3}'),
  // clientCount
  rs("clientCount negative", 7, '{"type":8,"requestId":"r1","clientCount":-1}'),
  rs("clientCount a float", 7, '{"type":8,"requestId":"r1","clientCount":1.5}'),
  rs("clientCount a string", 7, '{"type":8,"requestId":"r1","clientCount":"3"}'),
  rs("clientCount missing", 7, '{"type":8,"requestId":"r1"}'),
  rs("clientCount null", 7, '{"type":8,"requestId":"r1","clientCount":null}'),
  rs("clientCount 1e300", 7, '{"type":8,"requestId":"r1","clientCount":1e300}'),
  rs("clientCount true", 7, '{"type":8,"requestId":"r1","clientCount":true}'),
  // SOCKETS
  rs("SOCKETS without sockets", 0, '{"requestId":"r1"}'),
  rs("SOCKETS with sockets a string", 0, '{"requestId":"r1","sockets":"sid1"}'),
  rs("SOCKETS with a numeric socket id", 0, '{"requestId":"r1","sockets":[1]}'),
  rs("SOCKETS with a null socket id", 0, '{"requestId":"r1","sockets":[null]}'),
  rs("SOCKETS with sockets an object", 0, '{"requestId":"r1","sockets":{}}'),
  // ALL_ROOMS
  rs("ALL_ROOMS without rooms", 1, '{"requestId":"r1"}'),
  rs('ALL_ROOMS with rooms "room1"', 1, '{"requestId":"r1","rooms":"room1"}'),
  rs("ALL_ROOMS with an object room", 1, '{"requestId":"r1","rooms":[{}]}'),
  rs("ALL_ROOMS with a boolean room", 1, '{"requestId":"r1","rooms":[true]}'),
  rs("ALL_ROOMS with rooms null", 1, '{"requestId":"r1","rooms":null}'),
  // REMOTE_FETCH
  rs("REMOTE_FETCH without sockets", 5, '{"requestId":"r1"}'),
  rs("REMOTE_FETCH with sockets an object", 5, '{"requestId":"r1","sockets":{"sid1":{}}}'),
  rs("REMOTE_FETCH with a null socket", 5, sockets(null)),
  rs("REMOTE_FETCH with an empty socket", 5, sockets({})),
  rs("REMOTE_FETCH socket without id", 5, sockets({ ...SOCKET, id: undefined })),
  rs("REMOTE_FETCH socket with an empty id", 5, sockets({ ...SOCKET, id: "" })),
  rs("REMOTE_FETCH socket with a numeric id", 5, sockets({ ...SOCKET, id: 5 })),
  rs("REMOTE_FETCH socket without handshake", 5, sockets({ ...SOCKET, handshake: undefined })),
  rs("REMOTE_FETCH handshake is a string", 5, sockets({ ...SOCKET, handshake: "GET /socket.io/" })),
  rs("REMOTE_FETCH handshake is an array", 5, sockets({ ...SOCKET, handshake: [] })),
  rs("REMOTE_FETCH handshake is null", 5, sockets({ ...SOCKET, handshake: null })),
  rs("REMOTE_FETCH socket without rooms", 5, sockets({ ...SOCKET, rooms: undefined })),
  rs("REMOTE_FETCH socket with a null room", 5, sockets({ ...SOCKET, rooms: [null] })),
  rs('REMOTE_FETCH socket with rooms "sid1"', 5, sockets({ ...SOCKET, rooms: "sid1" })),
  // __proto__
  rs("JSON __proto__ at top level", 1, '{"requestId":"r1","rooms":[],"__proto__":{"polluted":1}}', "FORBIDDEN_KEY"),
  rs(
    "JSON __proto__ in a handshake",
    5,
    '{"requestId":"r1","sockets":[{"id":"a","handshake":{"__proto__":{"x":1}},"rooms":[],"data":null}]}',
    "FORBIDDEN_KEY",
  ),
  rs(
    "JSON __proto__ in socket data",
    5,
    '{"requestId":"r1","sockets":[{"id":"a","handshake":{},"rooms":[],"data":{"user":{"__proto__":{}}}}]}',
    "FORBIDDEN_KEY",
  ),
  rs(
    "JSON __proto__ in a serverSideEmit ack",
    6,
    '{"type":6,"requestId":"r1","data":{"__proto__":{"x":1}}}',
    "FORBIDDEN_KEY",
  ),
  rsx("msgpack __proto__ in a BROADCAST_ACK packet", 7, ACK({ packet: withProto({ isAdmin: true }) }), "FORBIDDEN_KEY"),
  // depth
  rs(
    "JSON 1,000 nested arrays in a serverSideEmit ack",
    6,
    `{"type":6,"requestId":"r1","data":${deepJsonArrays(1_000)}}`,
    "TOO_DEEP",
  ),
  rs(
    "JSON 1,000 nested objects in socket data",
    5,
    `{"requestId":"r1","sockets":[{"id":"a","handshake":{},"rooms":[],"data":${deepJsonObjects(1_000)}}]}`,
    "TOO_DEEP",
  ),
  rsx(
    "msgpack 1,000 nested arrays in a BROADCAST_ACK",
    7,
    ACK({ packet: null }).replace(/c0$/, `${"91".repeat(1_000)}90`),
    "TOO_DEEP",
  ),
  // msgpack defects
  rsx("truncated BROADCAST_ACK", 7, cut(ACK({}), 12)),
  rsx("BROADCAST_ACK with an unknown ext as packet", 7, ACK({ packet: null }).replace(/c0$/, "d40700")),
  rsx("BROADCAST_ACK with trailing bytes", 7, `${ACK({})}c0c0`),
  rsx("BROADCAST_ACK with requestId a number", 7, ACK({ requestId: 5 })),
  rsx("BROADCAST_ACK with a bin32 packet claiming 4 GiB", 7, ACK({ packet: null }).replace(/c0$/, "c6ffffffff00")),
];

// ---- cluster messages (sharded adapter) ---------------------------------------------------------------------

const env = { uid: "9ebc77c0d023f947", nsp: "/" };
const cm = (type: number, data?: unknown, extra: Record<string, unknown> = {}): string =>
  js({ type, data, ...env, ...extra });
const COPTS = { rooms: [], except: [], flags: {} };
const CPACKET = { type: 2, data: ["hello", "world"] };
const cbin = (value: Record<string, unknown>): string => mp({ ...value, ...env });

const clusterCases: MalformedCase[] = [
  clx("empty input", ""),
  clx("msgpack nil (c0)", "c0"),
  clx("the never-used byte 0xc1", "c1"),
  cl("truncated JSON", '{"type":2,"uid":"9ebc77c0d023f947"'),
  cl("JSON array (read as msgpack)", '[2,"9ebc77c0d023f947"]'),
  cl("JSON number (read as msgpack)", "2"),
  cl("{} (no uid)", "{}"),
  cl("JSON with a trailing comma", '{"type":2,"uid":"9ebc77c0d023f947","nsp":"/",}'),
  // envelope
  cl("uid missing", js({ type: 2, nsp: "/" })),
  cl("uid empty", js({ type: 2, uid: "", nsp: "/" })),
  cl("uid a number", js({ type: 2, uid: 42, nsp: "/" })),
  cl("uid null", js({ type: 2, uid: null, nsp: "/" })),
  cl('nsp "chat" without a leading "/"', cm(2, undefined, { nsp: "chat" })),
  cl("nsp empty", cm(2, undefined, { nsp: "" })),
  cl("nsp a number", cm(2, undefined, { nsp: 1 })),
  cl("nsp null", cm(2, undefined, { nsp: null })),
  cl("nsp an array", cm(2, undefined, { nsp: ["/"] })),
  // type
  cl("type missing", js(env)),
  cl('type "2" as a string', js({ type: "2", ...env })),
  cl("type 2.5", js({ type: 2.5, ...env })),
  cl("type null", js({ type: null, ...env })),
  cl("type 0 (unknown)", cm(0), "UNKNOWN_TYPE"),
  cl("type 14 (unknown, newer sender)", cm(14, { x: 1 }), "UNKNOWN_TYPE"),
  cl("type 99 (unknown)", cm(99), "UNKNOWN_TYPE"),
  cl("type -1 (unknown)", cm(-1), "UNKNOWN_TYPE"),
  clx("msgpack type 20 (unknown)", cbin({ type: 20, data: { x: Buffer.from([1]) } }), "UNKNOWN_TYPE"),
  // BROADCAST
  cl("BROADCAST without data", cm(3)),
  cl("BROADCAST with data null", cm(3, null)),
  cl("BROADCAST with data an array", cm(3, [CPACKET, COPTS])),
  cl("BROADCAST without packet", cm(3, { opts: COPTS })),
  cl("BROADCAST of a DISCONNECT packet (type 1)", cm(3, { packet: { type: 1 }, opts: COPTS })),
  cl('BROADCAST of the reserved "disconnect"', cm(3, { packet: { type: 2, data: ["disconnect"] }, opts: COPTS })),
  cl('BROADCAST with packet.nsp "x"', cm(3, { packet: { ...CPACKET, nsp: "x" }, opts: COPTS })),
  cl("BROADCAST with packet.id -1", cm(3, { packet: { ...CPACKET, id: -1 }, opts: COPTS })),
  cl("BROADCAST with packet.data an object", cm(3, { packet: { type: 2, data: { ev: "hello" } }, opts: COPTS })),
  cl("BROADCAST without opts", cm(3, { packet: CPACKET })),
  cl("BROADCAST with opts.rooms true", cm(3, { packet: CPACKET, opts: { rooms: true, except: [], flags: {} } })),
  cl('BROADCAST with opts.except "x"', cm(3, { packet: CPACKET, opts: { ...COPTS, except: "x" } })),
  cl('BROADCAST with flags.volatile "yes"', cm(3, { packet: CPACKET, opts: { ...COPTS, flags: { volatile: "yes" } } })),
  cl("BROADCAST with an empty requestId", cm(3, { packet: CPACKET, requestId: "", opts: COPTS })),
  cl("BROADCAST with a numeric requestId", cm(3, { packet: CPACKET, requestId: 5, opts: COPTS })),
  // SOCKETS_JOIN / SOCKETS_LEAVE / DISCONNECT_SOCKETS / FETCH_SOCKETS
  cl("SOCKETS_JOIN without rooms", cm(4, { opts: COPTS })),
  cl("SOCKETS_JOIN with a null room", cm(4, { opts: COPTS, rooms: [null] })),
  cl("SOCKETS_LEAVE without opts", cm(5, { rooms: ["room1"] })),
  cl('SOCKETS_LEAVE with rooms "room1"', cm(5, { opts: COPTS, rooms: "room1" })),
  cl('DISCONNECT_SOCKETS with close "yes"', cm(6, { opts: COPTS, close: "yes" })),
  cl("DISCONNECT_SOCKETS with opts null", cm(6, { opts: null, close: true })),
  cl("FETCH_SOCKETS without requestId", cm(7, { opts: COPTS })),
  cl("FETCH_SOCKETS without opts", cm(7, { requestId: "c1" })),
  // FETCH_SOCKETS_RESPONSE
  cl("FETCH_SOCKETS_RESPONSE without sockets", cm(8, { requestId: "c1" })),
  cl("FETCH_SOCKETS_RESPONSE without requestId", cm(8, { sockets: [] })),
  cl("FETCH_SOCKETS_RESPONSE with a null socket", cm(8, { requestId: "c1", sockets: [null] })),
  cl("FETCH_SOCKETS_RESPONSE handshake a string", cm(8, { requestId: "c1", sockets: [{ ...SOCKET, handshake: "x" }] })),
  cl("FETCH_SOCKETS_RESPONSE socket id a number", cm(8, { requestId: "c1", sockets: [{ ...SOCKET, id: 1 }] })),
  clx(
    "FETCH_SOCKETS_RESPONSE handshake as binary (msgpack)",
    cbin({ type: 8, data: { requestId: "c1", sockets: [{ ...SOCKET, handshake: Buffer.from("x") }] } }),
  ),
  // SERVER_SIDE_EMIT and responses
  cl("SERVER_SIDE_EMIT without packet", cm(9, {})),
  cl("SERVER_SIDE_EMIT with packet an object", cm(9, { packet: { 0: "ping" } })),
  cl('SERVER_SIDE_EMIT of the reserved "connect"', cm(9, { packet: ["connect"] })),
  cl("SERVER_SIDE_EMIT with an empty packet", cm(9, { packet: [] })),
  cl("SERVER_SIDE_EMIT with a numeric requestId", cm(9, { packet: ["ping"], requestId: 1 })),
  cl("SERVER_SIDE_EMIT_RESPONSE without requestId", cm(10, { packet: "pong" })),
  cl("SERVER_SIDE_EMIT_RESPONSE without data", cm(10)),
  cl("BROADCAST_CLIENT_COUNT with clientCount -1", cm(11, { requestId: "c1", clientCount: -1 })),
  cl('BROADCAST_CLIENT_COUNT with clientCount "2"', cm(11, { requestId: "c1", clientCount: "2" })),
  cl("BROADCAST_CLIENT_COUNT with clientCount 1.5", cm(11, { requestId: "c1", clientCount: 1.5 })),
  cl("BROADCAST_CLIENT_COUNT without clientCount", cm(11, { requestId: "c1" })),
  cl("BROADCAST_ACK with an empty requestId", cm(12, { requestId: "", packet: "ok" })),
  cl("BROADCAST_ACK with data null", cm(12, null)),
  // __proto__
  cl(
    "JSON __proto__ at top level",
    '{"type":2,"uid":"9ebc77c0d023f947","nsp":"/","__proto__":{"polluted":1}}',
    "FORBIDDEN_KEY",
  ),
  cl(
    "JSON __proto__ in data",
    '{"type":7,"data":{"opts":{"rooms":[]},"requestId":"c1","__proto__":{}},"uid":"u"}',
    "FORBIDDEN_KEY",
  ),
  cl(
    "JSON __proto__ in a packet argument",
    '{"type":3,"data":{"packet":{"type":2,"data":["ev",{"__proto__":{"x":1}}]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"u","nsp":"/"}',
    "FORBIDDEN_KEY",
  ),
  cl(
    "JSON __proto__ in a fetched handshake",
    '{"type":8,"data":{"requestId":"c1","sockets":[{"id":"a","handshake":{"headers":{"__proto__":{}}},"rooms":[]}]},"uid":"u"}',
    "FORBIDDEN_KEY",
  ),
  clx(
    "msgpack __proto__ in BROADCAST data",
    cbin({ type: 3, data: withProto({}, { packet: { type: 2, data: ["ev", Buffer.from([1])] }, opts: COPTS }) }),
    "FORBIDDEN_KEY",
  ),
  // depth
  cl(
    "JSON 10,000 nested arrays in a SERVER_SIDE_EMIT",
    `{"type":9,"data":{"packet":["ev",${deepJsonArrays(10_000)}]},"uid":"u"}`,
    "TOO_DEEP",
  ),
  cl(
    "JSON 1,000 nested objects in data",
    `{"type":10,"data":{"requestId":"c1","packet":${deepJsonObjects(1_000)}},"uid":"u"}`,
    "TOO_DEEP",
  ),
  clx(
    "msgpack 1,000 nested arrays in a BROADCAST_ACK",
    swap(cbin({ type: 12, data: { requestId: "c1", packet: null } }), "c0", `${"91".repeat(1_000)}90`),
    "TOO_DEEP",
  ),
  // msgpack defects
  clx(
    "truncated msgpack BROADCAST",
    cut(cbin({ type: 3, data: { packet: { ...CPACKET, data: ["ev", Buffer.from([1, 2])] }, opts: COPTS } }), 40),
  ),
  clx(
    "msgpack message with trailing bytes",
    `${cbin({ type: 12, data: { requestId: "c1", packet: Buffer.from([1]) } })}00`,
  ),
  clx(
    "msgpack message with an unknown ext",
    swap(cbin({ type: 12, data: { requestId: "c1", packet: null } }), "c0", "d50100ff"),
  ),
  clx(
    "msgpack uid as str32 claiming 4 GiB",
    `83${mp("type")}02${mp("uid")}dbffffffff${utf8("u")}${mp("nsp")}${mp("/")}`,
  ),
];

// ---- channel names (parsed with prefix "socket.io") ---------------------------------------------------------

const channelCases: MalformedCase[] = [
  ch("empty name", ""),
  ch("the prefix alone", "socket.io"),
  ch("prefix and # but no namespace", "socket.io#"),
  ch("empty namespace", "socket.io##"),
  ch('namespace without a leading "/"', "socket.io#admin#"),
  ch('namespace without its closing "#"', "socket.io#/"),
  ch('named namespace without its closing "#"', "socket.io#/chat"),
  ch('room without its closing "#"', "socket.io#/#room1"),
  ch('room with an inner "#" but no closing "#"', "socket.io#/#a#b"),
  ch('room of a named namespace without its closing "#"', "socket.io#/chat#room1"),
  ch("request channel with a suffix", "socket.io-request#/#extra#"),
  ch("request channel with a namespace-like suffix", "socket.io-request#/#/#"),
  ch('request channel without its closing "#"', "socket.io-request#/"),
  ch('request channel namespace without "/"', "socket.io-request#chat#"),
  ch("node response channel with an empty uid", "socket.io-response#/##"),
  ch('node response channel without its closing "#"', "socket.io-response#/#abcdef"),
  ch("response channel without a namespace", "socket.io-response#"),
  ch('response channel namespace without "/"', "socket.io-response#admin#abcdef#"),
  ch('foreign prefix "other"', "other#/#"),
  ch('foreign prefix "socket.io2"', "socket.io2#/#"),
  ch("prefix in another case", "Socket.IO#/#"),
  ch('unknown kind "-emitter"', "socket.io-emitter#/#"),
  ch('unknown kind "-requests"', "socket.io-requests#/#"),
  ch("leading space", " socket.io#/#"),
  ch("prefix with a leading namespace of its own", "my-app:socket.io#/#"),
  ch("no prefix at all", "#/#"),
  ch('prefix followed by "/" instead of "#"', "socket.io/#/#"),
  ch('doubled "-request" kind', "socket.io-request-request#/#"),
];

/** Every case, in a stable order. */
export const malformedCorpus: readonly MalformedCase[] = [
  ...broadcastTruncated,
  ...broadcastLengths,
  ...broadcastBadBytes,
  ...broadcastExt,
  ...broadcastTrailing,
  ...broadcastDepth,
  ...broadcastProto,
  ...broadcastShape,
  ...requestCases,
  ...responseCases,
  ...clusterCases,
  ...channelCases,
];

/** The text of vectors/malformed.json, for ports in other languages. */
export function malformedVectorsJson(): string {
  const file = {
    description:
      "Inputs every @sio-redis/protocol decoder must reject, with the ProtocolError code expected. " +
      "`hex` is the message bytes; `text` is UTF-8 (decode it to bytes, except for channel names). " +
      'Decoders: "broadcast" (classic broadcast channel, msgpack), "request" (request channel, JSON or msgpack), ' +
      `"response" (response channel; pending(requestId) gives the pending request type \`answers\` for requestId ` +
      `"${RESPONSE_REQUEST_ID}" and nothing for any other id), ` +
      `"cluster" (sharded cluster message), "channel" (channel name, parsed with prefix "${CHANNEL_PREFIX}"). ` +
      "Default limits: maxDepth 100. Generated by test/generate-malformed.ts; do not edit.",
    cases: malformedCorpus.map((c) => {
      const out: Record<string, unknown> = { name: c.name, decoder: c.decoder };
      if (c.hex !== undefined) out.hex = c.hex;
      if (c.text !== undefined) out.text = c.text;
      if (c.answers !== undefined) out.answers = c.answers;
      out.expect = c.expect;
      return out;
    }),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}
