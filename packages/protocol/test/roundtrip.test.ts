// Property-based round trips: decode(encode(x)) gives x back (with the documented normalisations), our msgpack
// decoder agrees with notepack.io's on everything notepack.io encodes, and cluster messages pick msgpack exactly
// when their data holds binary.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decode as notepackDecode, encode as notepackEncode } from "notepack.io";
import {
  type BroadcastMessage,
  type ClassicRequest,
  type ClassicResponse,
  type ClusterMessage,
  decodeBroadcast,
  decodeClusterMessage,
  decodeRequest,
  decodeResponse,
  encodeBroadcast,
  encodeClusterMessage,
  encodeRequest,
  encodeResponse,
  type Payload,
  RequestType,
} from "../src/index.js";
import { decodeMsgpack } from "../src/msgpack.js";

const RUNS = 200;
const RESERVED = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

type Obj = Record<string, unknown>;
const bytesOf = (p: Payload): Buffer => (typeof p === "string" ? Buffer.from(p) : p);

// ---- values --------------------------------------------------------------------------------------------------

// well-formed strings only: lone surrogates do not survive UTF-8
const text = fc.string({ unit: "binary", maxLength: 10 });
const nonEmpty = fc.string({ unit: "binary", minLength: 1, maxLength: 10 });
const key = fc.string({ unit: "binary", maxLength: 6 }).filter((k) => k !== "__proto__");
// numbers that survive both JSON and notepack.io: no -0, NaN, ±Infinity, and no integers beyond 2^53
// (notepack.io writes those through 32-bit arithmetic)
const number = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((x) => !Object.is(x, -0) && (!Number.isInteger(x) || Number.isSafeInteger(x))),
);
const buffer = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));

function values(...extraLeaves: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { maxDepth: 3, depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      number,
      text,
      ...extraLeaves,
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(key, tie("v"), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).v;
}

/** Survives JSON and msgpack. */
const jsonValue = values();
/** Survives msgpack only (binary, dates, non-finite numbers). */
const packValue = values(
  buffer,
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
/** What cluster messages carry: JSON values, plus binary (which switches the message to msgpack). */
const clusterValue = values(buffer);

// ---- protocol pieces -----------------------------------------------------------------------------------------

const eventName = fc.oneof(
  text.filter((s) => !RESERVED.has(s)),
  fc.integer(),
);
const eventData = (arg: fc.Arbitrary<unknown>) =>
  fc.tuple(eventName, fc.array(arg, { maxLength: 4 })).map(([name, args]): unknown[] => [name, ...args]);
const room = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0) && !Number.isInteger(x)),
);
const rooms = fc.array(room, { maxLength: 4 });
const selector = fc.record({ rooms, except: rooms }, { noNullPrototype: true });
const flags = fc.record(
  {
    volatile: fc.boolean(),
    compress: fc.boolean(),
    local: fc.boolean(),
    broadcast: fc.boolean(),
    binary: fc.boolean(),
    timeout: fc.nat(),
    expectSingleResponse: fc.boolean(),
  },
  { requiredKeys: [], noNullPrototype: true },
);
const options = fc.record({ rooms, except: rooms, flags }, { noNullPrototype: true });
const nsp = text.map((s) => `/${s}`);

/** A socket.io packet as senders write it: type 2, or 5 from old emitters; nsp and id optional. */
const packet = (arg: fc.Arbitrary<unknown>) =>
  fc.record(
    { type: fc.constantFrom(2, 5), data: eventData(arg), nsp, id: fc.nat() },
    { requiredKeys: ["type", "data"], noNullPrototype: true },
  );
type RawPacket = { type: number; data: unknown[]; nsp?: string; id?: number };

/** What decoders make of a packet: BINARY_EVENT becomes EVENT, a missing nsp becomes `defaultNsp` if given. */
function normalPacket(p: RawPacket, defaultNsp?: string): Obj {
  const out: Obj = { type: 2, data: p.data };
  const ns = p.nsp ?? defaultNsp;
  if (ns !== undefined) out.nsp = ns;
  if (p.id !== undefined) out.id = p.id;
  return out;
}

const fetchedSocket = (v: fc.Arbitrary<unknown>) =>
  fc.record(
    {
      id: nonEmpty,
      handshake: fc.dictionary(key, v, { maxKeys: 4, noNullPrototype: true }),
      rooms,
      // the key is always there, maybe with undefined: decoders always set `data`
      data: fc.option(v, { nil: undefined }),
    },
    { noNullPrototype: true },
  );

function containsBinary(value: unknown): boolean {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (Array.isArray(value)) return value.some(containsBinary);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsBinary);
  return false;
}

// ---- (a) round trips -----------------------------------------------------------------------------------------

describe("round trip: decode(encode(x)) deep-equals x", () => {
  test("broadcasts (both opts key orders; missing nsp → /; BINARY_EVENT → EVENT)", () => {
    const broadcast = fc.record({ uid: nonEmpty, packet: packet(packValue), opts: options }, { noNullPrototype: true });
    fc.assert(
      fc.property(broadcast, fc.constantFrom("adapter" as const, "emitter" as const), (b, style) => {
        const bytes = encodeBroadcast(b as unknown as BroadcastMessage, { style });
        const expected = { uid: b.uid, packet: normalPacket(b.packet, "/"), opts: b.opts };
        assert.deepStrictEqual(decodeBroadcast(bytesOf(bytes)), expected);
      }),
      { numRuns: RUNS },
    );
  });

  test("requests of every type, legacy sid forms and selector forms", () => {
    const withUid = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) =>
      fc.record(
        { ...fields, uid: nonEmpty },
        { requiredKeys: Object.keys(fields) as Array<keyof T & string>, noNullPrototype: true },
      );
    const joinLeave = fc.constantFrom(RequestType.REMOTE_JOIN, RequestType.REMOTE_LEAVE);
    const request = fc.oneof(
      withUid({ type: fc.constant(RequestType.SOCKETS), requestId: nonEmpty, rooms }),
      withUid({ type: fc.constant(RequestType.ALL_ROOMS), requestId: nonEmpty }),
      withUid({ type: joinLeave, opts: selector, rooms }),
      withUid({ type: joinLeave, requestId: nonEmpty, sid: nonEmpty, room }),
      fc
        .tuple(withUid({ type: fc.constant(RequestType.REMOTE_DISCONNECT), opts: selector }), fc.option(fc.boolean()))
        .map(([r, close]) => (close === null ? r : { ...r, close })),
      fc
        .tuple(
          withUid({ type: fc.constant(RequestType.REMOTE_DISCONNECT), requestId: nonEmpty, sid: nonEmpty }),
          fc.option(fc.boolean()),
        )
        .map(([r, close]) => (close === null ? r : { ...r, close })),
      withUid({ type: fc.constant(RequestType.REMOTE_FETCH), requestId: nonEmpty, opts: selector }),
      withUid({ type: fc.constant(RequestType.SERVER_SIDE_EMIT), data: eventData(jsonValue) }),
      withUid({ type: fc.constant(RequestType.SERVER_SIDE_EMIT), requestId: nonEmpty, data: eventData(jsonValue) }),
      withUid({
        type: fc.constant(RequestType.BROADCAST),
        requestId: nonEmpty,
        packet: packet(packValue),
        opts: options,
      }),
    );
    fc.assert(
      fc.property(request, (r: Obj) => {
        const expected =
          r.type === RequestType.BROADCAST ? { ...r, packet: normalPacket(r.packet as RawPacket, "/") } : r;
        assert.deepStrictEqual(decodeRequest(bytesOf(encodeRequest(r as unknown as ClassicRequest))), expected);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test("responses of every type (typeless ones decoded through the pending request's type)", () => {
    const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, optional: string[] = []) =>
      fc.record(fields, {
        requiredKeys: Object.keys(fields).filter((k) => !optional.includes(k)) as Array<keyof T & string>,
        noNullPrototype: true,
      });
    const response = fc.oneof(
      rec({ type: fc.constant(RequestType.SOCKETS), requestId: nonEmpty, sockets: fc.array(text, { maxLength: 4 }) }),
      rec({ type: fc.constant(RequestType.ALL_ROOMS), requestId: nonEmpty, rooms }),
      rec({
        type: fc.constantFrom(RequestType.REMOTE_JOIN, RequestType.REMOTE_LEAVE, RequestType.REMOTE_DISCONNECT),
        requestId: nonEmpty,
      }),
      rec({
        type: fc.constant(RequestType.REMOTE_FETCH),
        requestId: nonEmpty,
        sockets: fc.array(fetchedSocket(jsonValue), { maxLength: 3 }),
      }),
      rec({ type: fc.constant(RequestType.SERVER_SIDE_EMIT), requestId: nonEmpty, data: jsonValue }, ["data"]),
      rec({ type: fc.constant(RequestType.BROADCAST_CLIENT_COUNT), requestId: nonEmpty, clientCount: fc.nat() }),
      rec({ type: fc.constant(RequestType.BROADCAST_ACK), requestId: nonEmpty, packet: packValue }, ["packet"]),
    );
    fc.assert(
      fc.property(response, (r: Obj) => {
        const type = r.type as RequestType;
        const answers = type === RequestType.BROADCAST_CLIENT_COUNT || type === RequestType.BROADCAST_ACK ? 7 : type;
        const bytes = bytesOf(encodeResponse(r as unknown as ClassicResponse));
        const decoded = decodeResponse(bytes, (id) => (id === r.requestId ? answers : undefined));
        assert.deepStrictEqual(decoded, r);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test("cluster messages of types 1–13, with and without binary data", () => {
    const data = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, optional: string[] = []) =>
      fc.record(fields, {
        requiredKeys: Object.keys(fields).filter((k) => !optional.includes(k)) as Array<keyof T & string>,
        noNullPrototype: true,
      });
    const body: fc.Arbitrary<{ type: number; data?: Obj }> = fc.oneof(
      fc.record({ type: fc.constantFrom(1, 2, 13) }),
      fc.record({
        type: fc.constant(3),
        data: data({ packet: packet(clusterValue), opts: options, requestId: nonEmpty }, ["requestId"]),
      }),
      fc.record({ type: fc.constantFrom(4, 5), data: data({ opts: options, rooms }) }),
      fc.record({ type: fc.constant(6), data: data({ opts: options, close: fc.boolean() }, ["close"]) }),
      fc.record({ type: fc.constant(7), data: data({ opts: options, requestId: nonEmpty }) }),
      fc.record({
        type: fc.constant(8),
        data: data({ requestId: nonEmpty, sockets: fc.array(fetchedSocket(clusterValue), { maxLength: 3 }) }),
      }),
      fc.record({
        type: fc.constant(9),
        data: data({ packet: eventData(clusterValue), requestId: nonEmpty }, ["requestId"]),
      }),
      fc.record({
        type: fc.constantFrom(10, 12),
        data: data({ requestId: nonEmpty, packet: clusterValue }, ["packet"]),
      }),
      fc.record({ type: fc.constant(11), data: data({ requestId: nonEmpty, clientCount: fc.nat() }) }),
    );
    const message = fc
      .tuple(body, fc.record({ uid: nonEmpty, nsp }, { requiredKeys: ["uid"], noNullPrototype: true }))
      .map(([b, envelope]) => ({ ...b, ...envelope }));
    fc.assert(
      fc.property(message, (m) => {
        const expected: Obj =
          m.type === 3 && m.data !== undefined
            ? { ...m, data: { ...m.data, packet: normalPacket(m.data.packet as RawPacket) } }
            : m;
        const bytes = bytesOf(encodeClusterMessage(m as unknown as ClusterMessage));
        assert.deepStrictEqual(decodeClusterMessage(bytes), expected);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  // ---- (c) format choice and key order, on the same generator shapes ---------------------------------------

  test("cluster messages are msgpack exactly when the data holds binary (types 3, 8, 9, 10, 12); JSON keys in order type, data, uid, nsp", () => {
    const mayHoldBinary = new Set([3, 8, 9, 10, 12]);
    const message = fc.record(
      {
        type: fc.integer({ min: 1, max: 13 }),
        uid: nonEmpty,
        nsp,
        withBinary: fc.boolean(),
        arg: clusterValue,
        rooms,
      },
      { requiredKeys: ["type", "uid", "withBinary", "arg", "rooms"], noNullPrototype: true },
    );
    fc.assert(
      fc.property(message, ({ type, uid, nsp: ns, withBinary, arg, rooms: rs }) => {
        const payload = withBinary ? [arg, Buffer.from([1, 2, 3])] : arg;
        const opts = { rooms: rs, except: [], flags: {} };
        const byType: Record<number, Obj | undefined> = {
          3: { packet: { type: 2, data: ["ev", payload] }, opts },
          4: { opts, rooms: rs },
          5: { opts, rooms: rs },
          6: { opts, close: true },
          7: { opts, requestId: "c1" },
          8: { requestId: "c1", sockets: [{ id: "s", handshake: { x: payload }, rooms: rs, data: payload }] },
          9: { packet: ["ev", payload] },
          10: { requestId: "c1", packet: payload },
          11: { requestId: "c1", clientCount: 1 },
          12: { requestId: "c1", packet: payload },
        };
        const data = byType[type];
        const m = { type, ...(data === undefined ? {} : { data }), uid, ...(ns === undefined ? {} : { nsp: ns }) };
        const wire = encodeClusterMessage(m as unknown as ClusterMessage);
        const binary = mayHoldBinary.has(type) && containsBinary(data);
        assert.equal(typeof wire !== "string", binary, `type ${type}: msgpack iff binary`);
        const raw = (typeof wire === "string" ? JSON.parse(wire) : notepackDecode(wire)) as Obj;
        const keys = ["type", ...(data === undefined ? [] : ["data"]), "uid", ...(ns === undefined ? [] : ["nsp"])];
        assert.deepStrictEqual(Object.keys(raw), keys);
        if (typeof wire === "string") assert.ok(wire.startsWith(`{"type":${type},`));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

// ---- (b) differential: our msgpack decoder vs notepack.io ----------------------------------------------------

// everything notepack.io can encode, including values that do not survive a round trip (they must still decode
// to the same thing in both decoders)
const anyLeaf = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(2 ** 53 + 2, -(2 ** 60), 2 ** 64, 1e300, -0, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
  fc.string({ minLength: 250, maxLength: 300 }),
  buffer,
  fc.uint8Array({ maxLength: 16 }).map((u) => new Uint16Array(u)),
  fc.uint8Array({ maxLength: 16 }).map((u) => u.buffer),
  fc.date(),
  fc.constant(new Map([["a", 1]])),
  fc.constant(new Set([1])),
  jsonValue.map((v) => ({ toJSON: () => v })),
);
const anyValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { maxDepth: 4, depthSize: "small" },
    anyLeaf,
    fc.array(tie("v"), { maxLength: 20 }),
    fc.dictionary(key, tie("v"), { maxKeys: 20, noNullPrototype: true }),
  ),
})).v;

/** Both decoders' readings of the same bytes. */
function bothDecode(bytes: Buffer): { ours: unknown; theirs: unknown } {
  return { ours: decodeMsgpack(bytes, 100), theirs: notepackDecode(bytes) };
}

describe("differential: our msgpack decoder and notepack.io agree on notepack.io's output", () => {
  test("arbitrary values, decoded directly", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const { ours, theirs } = bothDecode(notepackEncode(v) as Buffer);
        assert.deepStrictEqual(ours, theirs);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test("arbitrary values, as an event argument through decodeBroadcast", () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        const bytes = notepackEncode([
          "emitter",
          { type: 2, data: ["ev", v], nsp: "/" },
          { rooms: [], except: [], flags: {} },
        ]) as Buffer;
        const decoded = decodeBroadcast(bytes);
        if (!("packet" in decoded)) assert.fail(`rejected: ${decoded.message}`);
        const theirs = notepackDecode(bytes) as [string, { data: unknown[] }, unknown];
        assert.deepStrictEqual(decoded.packet.data[1], theirs[1].data[1]);
      }),
      { numRuns: RUNS },
    );
  });

  test("large containers and strings (16- and 32-bit length forms)", () => {
    const values: unknown[] = [
      "x".repeat(255),
      "é".repeat(40_000),
      Buffer.alloc(70_000, 9),
      Array.from({ length: 70_000 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
      new Date(-1),
      new Date(8.64e15),
      new Date(Number.NaN),
    ];
    for (const v of values) {
      const { ours, theirs } = bothDecode(notepackEncode(v) as Buffer);
      assert.deepStrictEqual(ours, theirs);
    }
  });

  test("notepack.io 2 forms: ext 0 ArrayBuffers, fixext 8 dates, fixext 1 undefined", () => {
    const legacy = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((u) => {
        const head =
          u.length < 256 ? Buffer.from([0xc7, u.length, 0]) : Buffer.from([0xc8, u.length >> 8, u.length & 0xff, 0]);
        return Buffer.concat([head, u]);
      }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => {
        const b = Buffer.alloc(10);
        b[0] = 0xd7;
        b[1] = 0;
        b.writeInt32BE(Math.floor(ms / 2 ** 32), 2);
        b.writeUInt32BE(((ms % 2 ** 32) + 2 ** 32) % 2 ** 32, 6);
        return b;
      }),
      fc.constant(Buffer.from("d40000", "hex")),
    );
    fc.assert(
      fc.property(fc.array(legacy, { maxLength: 5 }), (items) => {
        const bytes = Buffer.concat([Buffer.from([0x90 | items.length]), ...items]);
        const { ours, theirs } = bothDecode(bytes);
        assert.deepStrictEqual(ours, theirs);
      }),
      { numRuns: RUNS },
    );
  });
});
