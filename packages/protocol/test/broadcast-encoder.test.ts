// broadcastEncoder precomputes all but the event: its bytes must be encodeBroadcast's, for any input.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type BroadcastEncodeOptions,
  broadcastEncoder,
  EMITTER_UID,
  encodeBroadcast,
  type Parser,
  ProtocolError,
  type Room,
} from "../src/index.js";

const room = fc.oneof(fc.string({ maxLength: 30 }), fc.integer());
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.double({ noNaN: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.date({ noInvalidDate: true }),
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 5 }),
    fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => k !== "__proto__"),
      tie("node"),
      { maxKeys: 5 },
    ),
  ),
})).node;

test("same bytes as encodeBroadcast for any uid, namespace, selector, flags, style and event", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constant(EMITTER_UID), fc.string({ minLength: 1, maxLength: 40 })),
      fc.string({ maxLength: 30 }).map((n) => `/${n}`),
      fc.array(room, { maxLength: 4 }),
      fc.array(room, { maxLength: 3 }),
      fc.record(
        { volatile: fc.boolean(), compress: fc.boolean(), local: fc.boolean(), timeout: fc.nat() },
        { requiredKeys: [] },
      ),
      fc.constantFrom<BroadcastEncodeOptions["style"]>("adapter", "emitter", undefined),
      fc.string({ minLength: 1 }),
      fc.array(value, { maxLength: 5 }),
      (uid, nsp, rooms: Room[], except: Room[], flags, style, name, args) => {
        const opts = { rooms, except, flags };
        const event = [name, ...args];
        const fast = broadcastEncoder({ uid, nsp, opts }, { style })(event) as Buffer;
        const plain = encodeBroadcast({ uid, packet: { type: 2, data: event, nsp }, opts }, { style }) as Buffer;
        assert.equal(fast.toString("hex"), plain.toString("hex"));
      },
    ),
    { numRuns: 500 },
  );
});

test("one encoder serves many events, and refuses what msgpack cannot carry", () => {
  const encode = broadcastEncoder({ uid: EMITTER_UID, nsp: "/", opts: { rooms: ["r"], except: [], flags: {} } });
  for (const event of [["a"], ["b", 1, { c: [true] }], ["d", Buffer.from([1, 2])]]) {
    const plain = encodeBroadcast({
      uid: EMITTER_UID,
      packet: { type: 2, data: event, nsp: "/" },
      opts: { rooms: ["r"], except: [], flags: {} },
    });
    assert.deepEqual(encode(event), plain);
  }
  assert.throws(
    () => encode(["big", 10n]),
    (err: unknown) => err instanceof ProtocolError && err.code === "UNENCODABLE",
  );
});

test("with a custom parser it hands the whole message to the parser", () => {
  const parser: Parser = { encode: (v) => JSON.stringify(v), decode: (b) => JSON.parse(b.toString()) };
  const encode = broadcastEncoder(
    { uid: "abcdef", nsp: "/chat", opts: { rooms: [], except: [], flags: {} } },
    { parser, style: "emitter" },
  );
  assert.equal(
    encode(["hi", 1]),
    '["abcdef",{"type":2,"data":["hi",1],"nsp":"/chat"},{"rooms":[],"flags":{},"except":[]}]',
  );
});
