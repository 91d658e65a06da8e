// Byte identity with @socket.io/redis-emitter 5.1.0: both emitters publish through a real Redis, a PSUBSCRIBE *
// connection captures every message, and each call's channel and bytes must match exactly.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EMITTER_UID, encodeBroadcast } from "@sio-redis/protocol";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { Emitter as OfficialEmitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { Emitter } from "../src/index.js";
import { within } from "./helpers.js";

type Captured = { channel: string; bytes: Buffer };

let redis: RedisServer;
let pub: ReturnType<typeof createClient>;
let capture: ReturnType<typeof createClient>;
const captured: Captured[] = [];
let waiting: (() => void) | undefined;

before(async () => {
  redis = await startRedisServer();
  pub = createClient({ url: redis.url });
  capture = pub.duplicate();
  await Promise.all([pub.connect(), capture.connect()]);
  await capture.pSubscribe(
    "*",
    (message: Buffer, channel: Buffer) => {
      captured.push({ channel: channel.toString(), bytes: message });
      waiting?.();
    },
    true,
  );
});

after(async () => {
  await Promise.allSettled([pub?.close(), capture?.close()]);
  await redis?.stop();
});

/** Runs `call`, then returns the one message it published (a PING round trip proves nothing else came). */
async function publishedBy(call: () => unknown): Promise<Captured> {
  captured.length = 0;
  const arrived = new Promise<void>((resolve) => {
    waiting = resolve;
  });
  await call();
  await within(arrived, "the captured message");
  await pub.publish("zz-fence", "");
  await within(
    new Promise<void>((resolve) => {
      const check = () => (captured.some((m) => m.channel === "zz-fence") ? resolve() : undefined);
      waiting = check;
      check();
    }),
    "the fence",
  );
  const messages = captured.filter((m) => m.channel !== "zz-fence");
  assert.equal(messages.length, 1, `expected one message, got ${messages.length}`);
  return messages[0] as Captured;
}

type Target = {
  emit(ev: string, ...args: unknown[]): unknown;
  to(room: string | number | string[]): Target;
  in(room: string | string[]): Target;
  except(room: string | string[]): Target;
  compress(c: boolean): Target;
  readonly volatile: Target;
  socketsJoin(rooms: string | string[]): unknown;
  socketsLeave(rooms: string | string[]): unknown;
  disconnectSockets(close?: boolean): unknown;
};
type Root = Target & { of(nsp: string): Root; serverSideEmit(ev: string, ...args: unknown[]): unknown };

const customToJSON = { toJSON: () => ({ via: "toJSON" }) };

// Every call of the official API, with payloads covering each msgpack type family.
const CALLS: Array<[string, (e: Root) => unknown]> = [
  ['emit("hello", "world")', (e) => e.emit("hello", "world")],
  ["emit with no arguments", (e) => e.emit("bare")],
  [
    "emit scalars and containers",
    (e) => e.emit("mix", 0, -1, 1.5, 2 ** 40, "é✓", true, false, null, [1, [2, [3]]], { a: { b: [] } }),
  ],
  ["emit a long string", (e) => e.emit("long", "x".repeat(70_000))],
  [
    "emit Buffer / ArrayBuffer / Uint8Array",
    (e) => e.emit("bin", Buffer.from([1, 2]), new ArrayBuffer(3), new Uint8Array([9])),
  ],
  ["emit a Date", (e) => e.emit("date", new Date(1_764_064_800_123))],
  ["emit a toJSON() value", (e) => e.emit("json", customToJSON)],
  ["emit undefined in an object", (e) => e.emit("undef", { a: undefined, b: 1 })],
  ['to("room1")', (e) => e.to("room1").emit("r")],
  ["to(numeric room)", (e) => e.to(42).emit("n")],
  ['in(["r1", "r2"])', (e) => e.in(["r1", "r2"]).emit("multi")],
  ["to() twice with the same room", (e) => e.to("r1").to("r1").emit("dedupe")],
  ['except("room2")', (e) => e.except("room2").emit("ex")],
  ["to + except lists", (e) => e.to(["a", "b"]).except(["c", "d"]).emit("both", 1)],
  ["volatile", (e) => e.volatile.emit("v")],
  ["compress(true)", (e) => e.compress(true).emit("c")],
  ["compress(false).volatile", (e) => e.compress(false).volatile.emit("cv")],
  ["volatile.compress(true) to a room", (e) => e.volatile.compress(true).to("r").emit("vc")],
  ['socketsJoin("room2")', (e) => e.socketsJoin("room2")],
  ['in("room1").socketsJoin(["a", "b"])', (e) => e.in("room1").socketsJoin(["a", "b"])],
  ['in("r1").except("r2").socketsLeave("x")', (e) => e.in("r1").except("r2").socketsLeave("x")],
  ["disconnectSockets()", (e) => e.disconnectSockets()],
  ['in("r").disconnectSockets(true)', (e) => e.in("r").disconnectSockets(true)],
  ['serverSideEmit("ping", 1, {a: [2]})', (e) => e.serverSideEmit("ping", 1, { a: [2] })],
  ['of("/admin").emit', (e) => e.of("/admin").emit("admin", 1)],
  ['of("admin") (missing slash)', (e) => e.of("admin").to("x").emit("admin")],
  ['of("/admin").socketsJoin', (e) => e.of("/admin").socketsJoin("y")],
];

function compare(name: string, makeOfficial: () => Root, makeOurs: () => Root): void {
  describe(name, () => {
    for (const [title, call] of CALLS) {
      test(title, async () => {
        const theirs = await publishedBy(() => call(makeOfficial()));
        const ours = await publishedBy(() => call(makeOurs()));
        assert.equal(ours.channel, theirs.channel);
        assert.equal(ours.bytes.toString("hex"), theirs.bytes.toString("hex"));
      });
    }
  });
}

compare(
  "default options",
  () => new OfficialEmitter(pub) as unknown as Root,
  () => new Emitter(pub) as unknown as Root,
);

compare(
  'key "myapp" on namespace "/chat"',
  () => new OfficialEmitter(pub, { key: "myapp" }, "/chat") as unknown as Root,
  () => new Emitter(pub, { key: "myapp" }, "/chat") as unknown as Root,
);

// A custom parser changes broadcasts only; requests stay JSON.
const jsonParser = {
  encode: (value: unknown) => JSON.stringify(value),
  decode: (b: Buffer) => JSON.parse(b.toString()),
};
compare(
  "custom JSON parser",
  () => new OfficialEmitter(pub, { parser: jsonParser }) as unknown as Root,
  () => new Emitter(pub, { parser: jsonParser }) as unknown as Root,
);

test("the wire example of anchors §1.3 (emit hello world)", async () => {
  const m = await publishedBy(() => new Emitter(pub).emit("hello", "world"));
  assert.equal(m.channel, "socket.io#/#");
  assert.equal(
    m.bytes.toString("hex"),
    "93a7656d697474657283a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
  );
  // and it is what the protocol package encodes for the same message
  const expected = encodeBroadcast(
    {
      uid: EMITTER_UID,
      packet: { type: 2, data: ["hello", "world"], nsp: "/" },
      opts: { rooms: [], except: [], flags: {} },
    },
    { style: "emitter" },
  );
  assert.deepEqual(m.bytes, Buffer.from(expected));
});
