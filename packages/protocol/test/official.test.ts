// Proves our bytes against the published packages: @socket.io/redis-emitter 5.1.0, @socket.io/redis-adapter 8.3.0
// (createAdapter and createShardedAdapter), socket.io 4.8.4 and socket.io-adapter 2.5.8.
//
// The Redis clients are fakes shaped like node-redis 4+. A fake is the right tool here: it records exactly the
// bytes the official code hands to the client, and a real Redis passes PUBLISH/SPUBLISH payloads through to
// subscribers unchanged, so a server would add nothing to compare. It also lets us inject messages (encoded by
// OUR code) into the official adapters' subscription listeners and record what they answer.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Emitter } from "@socket.io/redis-emitter";
import { decode as notepackDecode } from "notepack.io";
import { type Namespace, Server } from "socket.io";
import {
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
  type Payload,
  ProtocolError,
  type RequestType,
  type Room,
  shardedChannels,
} from "../src/index.js";
import { clusterChannel, HANDSHAKE, hexOf, toTagged } from "./generate-vectors.js";

/** A bound for what the fake client waits for, not a delay: on a loaded 2-core machine this process may wait for a core. */
const WAIT_MS = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// Fake node-redis client

type Listener = (message: Buffer, channel: Buffer) => void;

interface Published {
  command: "PUBLISH" | "SPUBLISH";
  channel: string;
  bytes: Buffer;
  claimed: boolean;
}

interface Waiter {
  command: Published["command"];
  channel: string;
  resolve: (published: Published) => void;
}

function toBytes(payload: string | Uint8Array): Buffer {
  return typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
}

function listOf(channels: string | string[]): string[] {
  return Array.isArray(channels) ? channels : [channels];
}

class FakeRedis extends EventEmitter {
  readonly published: Published[] = [];
  readonly commands: string[][] = [];
  /** The PUBSUB NUMSUB / SHARDNUMSUB answer: this server plus one peer. */
  numsub = 2;
  readonly channels = new Map<string, Set<Listener>>();
  readonly patterns = new Map<string, Set<Listener>>();
  readonly shardChannels = new Map<string, Set<Listener>>();
  private waiters: Waiter[] = [];

  publish(channel: string, message: string | Uint8Array): Promise<number> {
    this.record("PUBLISH", channel, message);
    return Promise.resolve(1);
  }

  sPublish(channel: string, message: string | Uint8Array): Promise<number> {
    this.record("SPUBLISH", channel, message);
    return Promise.resolve(1);
  }

  sendCommand(args: string[]): Promise<unknown> {
    this.commands.push(args);
    if (args[0] === "PUBSUB") return Promise.resolve([args[2], this.numsub]);
    return Promise.reject(new Error(`unexpected command ${args.join(" ")}`));
  }

  pSubscribe(patterns: string | string[], listener: Listener): Promise<void> {
    for (const p of listOf(patterns)) add(this.patterns, p, listener);
    return Promise.resolve();
  }

  pUnsubscribe(patterns: string | string[]): Promise<void> {
    for (const p of listOf(patterns)) this.patterns.delete(p);
    return Promise.resolve();
  }

  subscribe(channels: string | string[], listener: Listener): Promise<void> {
    for (const c of listOf(channels)) add(this.channels, c, listener);
    return Promise.resolve();
  }

  unsubscribe(channels: string | string[]): Promise<void> {
    for (const c of listOf(channels)) this.channels.delete(c);
    return Promise.resolve();
  }

  sSubscribe(channels: string | string[], listener: Listener): Promise<void> {
    for (const c of listOf(channels)) add(this.shardChannels, c, listener);
    return Promise.resolve();
  }

  sUnsubscribe(channels: string | string[]): Promise<void> {
    for (const c of listOf(channels)) this.shardChannels.delete(c);
    return Promise.resolve();
  }

  /** What Redis would do on PUBLISH (sharded = SPUBLISH) of `payload` to `channel`: call the subscribers. */
  deliver(channel: string, payload: Payload, sharded = false): number {
    const message = toBytes(payload);
    const name = Buffer.from(channel);
    let count = 0;
    const call = (listeners: Set<Listener> | undefined) => {
      for (const listener of listeners ?? []) {
        listener(message, name);
        count++;
      }
    };
    if (sharded) {
      call(this.shardChannels.get(channel));
      return count;
    }
    call(this.channels.get(channel));
    for (const [pattern, listeners] of this.patterns) {
      // the adapters only use patterns of the form `<literal>*`
      if (pattern.endsWith("*") && channel.startsWith(pattern.slice(0, -1))) call(listeners);
    }
    return count;
  }

  /** The next message published on `channel` that no test has looked at, waiting for it if needed. */
  next(command: Published["command"], channel: string): Promise<Published> {
    const found = this.published.find((p) => !p.claimed && p.command === command && p.channel === channel);
    if (found) {
      found.claimed = true;
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        command,
        channel,
        resolve: (published) => {
          clearTimeout(timer);
          resolve(published);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.published.map((p) => `${p.command} ${p.channel}`).join(", ");
        reject(new Error(`no ${command} on ${channel} within ${WAIT_MS} ms (seen: ${seen || "nothing"})`));
      }, WAIT_MS);
      this.waiters.push(waiter);
    });
  }

  unclaimed(): string[] {
    return this.published.filter((p) => !p.claimed).map((p) => `${p.command} ${p.channel} ${p.bytes.toString("hex")}`);
  }

  private record(command: Published["command"], channel: string, message: string | Uint8Array): void {
    const published: Published = { command, channel, bytes: toBytes(message), claimed: false };
    this.published.push(published);
    const waiter = this.waiters.find((w) => w.command === command && w.channel === channel);
    if (waiter) {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      published.claimed = true;
      waiter.resolve(published);
    }
  }
}

function add(map: Map<string, Set<Listener>>, key: string, listener: Listener): void {
  const set = map.get(key) ?? new Set<Listener>();
  set.add(listener);
  map.set(key, set);
}

// ---------------------------------------------------------------------------------------------------------------
// A socket without a client connection: enough of socket.io's Socket for the in-memory adapter to select it,
// fetch it, make it join/leave rooms and register broadcast acks.

class FakeSocket {
  readonly acks = new Map<number, (arg: unknown) => void>();
  readonly client = { writeToEngine: (): void => {} };
  readonly written: unknown[] = [];
  disconnected: boolean | undefined;

  constructor(
    readonly nsp: Namespace,
    readonly id: string,
    readonly handshake: Record<string, unknown>,
    readonly data: unknown,
    rooms: Room[],
  ) {
    (nsp.sockets as unknown as Map<string, FakeSocket>).set(id, this);
    nsp.adapter.addAll(id, new Set([id, ...rooms] as string[]));
  }

  get rooms(): Set<Room> {
    return this.nsp.adapter.socketRooms(this.id) ?? new Set();
  }

  join(rooms: Room | Room[]): void {
    this.nsp.adapter.addAll(this.id, new Set(listOf(rooms as string | string[])));
  }

  leave(room: Room): void {
    this.nsp.adapter.del(this.id, room as string);
  }

  disconnect(close: boolean): void {
    this.disconnected = close;
  }

  // called by io.close()
  _onclose(): void {
    this.nsp.adapter.delAll(this.id);
    this.nsp.sockets.delete(this.id);
  }

  /** The client acknowledges the last broadcast it got. */
  ack(arg: unknown): void {
    const last = [...this.acks.values()].at(-1);
    assert.ok(last, "the socket got no broadcast with ack");
    last(arg);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Comparison

/** Decodes without our code, to read the random uid/requestId the official packages chose. */
function raw(bytes: Buffer): unknown {
  return bytes[0] === 0x7b ? JSON.parse(bytes.toString("utf8")) : notepackDecode(bytes);
}

function field(value: unknown, ...path: Array<string | number>): string {
  let at: unknown = value;
  for (const key of path) {
    assert.ok(typeof at === "object" && at !== null, `no ${path.join(".")} in the official message`);
    at = (at as Record<string | number, unknown>)[key];
  }
  assert.equal(typeof at, "string", `${path.join(".")} is not a string`);
  return at as string;
}

interface Codec<T> {
  encode(value: T): Payload;
  decode(bytes: Buffer): T | ProtocolError | null;
}

/** The official message is on our channel, our decoder accepts it and reads `value`, and our bytes are its bytes. */
function same<T>(captured: Published, channel: string, value: T, codec: Codec<T>): void {
  assert.equal(captured.channel, channel, "channel");
  const decoded = codec.decode(captured.bytes);
  if (decoded instanceof ProtocolError) assert.fail(`our decoder rejects the official message: ${decoded.message}`);
  assert.notEqual(decoded, null, "our decoder returned null");
  assert.deepEqual(toTagged(decoded), toTagged(value), "decoded value");
  assert.equal(captured.bytes.toString("hex"), hexOf(codec.encode(value)), "official hex vs our hex");
}

const broadcastCodec = (style: "adapter" | "emitter"): Codec<BroadcastMessage> => ({
  encode: (m) => encodeBroadcast(m, { style }),
  decode: (b) => decodeBroadcast(b),
});
const requestCodec: Codec<ClassicRequest> = { encode: (r) => encodeRequest(r), decode: (b) => decodeRequest(b) };
const responseCodec = (answers: RequestType): Codec<ClassicResponse> => ({
  encode: (r) => encodeResponse(r),
  decode: (b) => decodeResponse(b, () => answers),
});
const clusterCodec: Codec<ClusterMessage> = {
  encode: (m) => encodeClusterMessage(m),
  decode: (b) => decodeClusterMessage(b),
};

function ev(data: unknown[], nsp = "/") {
  return { type: 2 as const, data, nsp };
}
const NONE = { rooms: [], except: [], flags: {} };

function settle<T>(register: (done: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no callback within ${WAIT_MS} ms`)), WAIT_MS);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not settled within ${WAIT_MS} ms`)), WAIT_MS);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

type AckResult = [Error | null, unknown[]];

/** Calls `start` with an ack callback and resolves with what the official code passes to it. */
function acked(start: (cb: (err: Error | null, responses: unknown[]) => void) => void): Promise<AckResult> {
  return settle<AckResult>((done) => start((err, responses) => done([err, responses])));
}

/** A socket.io server (not listening) with the given adapter. */
function server(adapter: (nsp: unknown) => unknown): Server {
  return new Server(createServer(), { adapter: adapter as never, serveClient: false });
}

interface OfficialClassicAdapter {
  uid: string;
  channel: string;
  requestChannel: string;
  responseChannel: string;
  specificResponseChannel: string;
  allRooms(): Promise<Set<Room>>;
}

interface OfficialShardedAdapter {
  uid: string;
  channel: string;
  responseChannel: string;
  dynamicChannel(room: Room): string;
}

function officialAdapter<T>(nsp: Namespace): T {
  return nsp.adapter as unknown as T;
}

const SID = "mJ0Tx4rg8LckHcZ2AAAB";
const OTHER = "OTHER1"; // a classic requester uid (6 characters, like uid2(6))
const REQUESTER = "aaaaaaaaaaaaaaaa"; // a sharded requester uid
const T0 = 1764067740000;

// ---------------------------------------------------------------------------------------------------------------

describe("@socket.io/redis-emitter 5.1.0", () => {
  const redis = new FakeRedis();
  const emitter = new Emitter(redis);
  const ch = classicChannels();
  const E = "emitter";
  const emitterCodec = broadcastCodec("emitter");

  async function expectBroadcast(channel: string, message: BroadcastMessage): Promise<void> {
    same(await redis.next("PUBLISH", channel), channel, message, emitterCodec);
  }
  async function expectRequest(channel: string, request: ClassicRequest): Promise<void> {
    same(await redis.next("PUBLISH", channel), channel, request, requestCodec);
  }

  test("channels", () => {
    const opts = (emitter as unknown as { broadcastOptions: { broadcastChannel: string; requestChannel: string } })
      .broadcastOptions;
    assert.equal(opts.broadcastChannel, ch.broadcast);
    assert.equal(opts.requestChannel, ch.request);
  });

  test("emit('hello', 'world'): the exact bytes of anchors §1.3", async () => {
    emitter.emit("hello", "world");
    const captured = await redis.next("PUBLISH", ch.broadcast);
    assert.equal(
      captured.bytes.toString("hex"),
      "93a7656d697474657283a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
    );
    same(captured, ch.broadcast, { uid: E, packet: ev(["hello", "world"]), opts: NONE }, emitterCodec);
  });

  test("to('room1').emit", async () => {
    emitter.to("room1").emit("e1", 1);
    await expectBroadcast(ch.room("room1"), {
      uid: E,
      packet: ev(["e1", 1]),
      opts: { rooms: ["room1"], except: [], flags: {} },
    });
  });

  test("to(['r1', 'r2']).except('r3').emit", async () => {
    emitter.to(["r1", "r2"]).except("r3").emit("multi");
    await expectBroadcast(ch.broadcast, {
      uid: E,
      packet: ev(["multi"]),
      opts: { rooms: ["r1", "r2"], except: ["r3"], flags: {} },
    });
  });

  test("except('room2').emit", async () => {
    emitter.except("room2").emit("e2");
    await expectBroadcast(ch.broadcast, {
      uid: E,
      packet: ev(["e2"]),
      opts: { rooms: [], except: ["room2"], flags: {} },
    });
  });

  test("volatile.emit", async () => {
    emitter.volatile.emit("tick", 42);
    await expectBroadcast(ch.broadcast, {
      uid: E,
      packet: ev(["tick", 42]),
      opts: { rooms: [], except: [], flags: { volatile: true } },
    });
  });

  test("compress(false).emit", async () => {
    emitter.compress(false).emit("big", "x");
    await expectBroadcast(ch.broadcast, {
      uid: E,
      packet: ev(["big", "x"]),
      opts: { rooms: [], except: [], flags: { compress: false } },
    });
  });

  test("to('room1').volatile.compress(false).emit", async () => {
    emitter.to("room1").volatile.compress(false).emit("both");
    await expectBroadcast(ch.room("room1"), {
      uid: E,
      packet: ev(["both"]),
      opts: { rooms: ["room1"], except: [], flags: { volatile: true, compress: false } },
    });
  });

  test("binary arguments (Buffer, ArrayBuffer, nested)", async () => {
    const ab = new Uint8Array([4, 5, 6]).buffer;
    emitter.emit("file", Buffer.from([1, 2, 3]), ab, { chunk: Buffer.from("hi") });
    await expectBroadcast(ch.broadcast, {
      uid: E,
      packet: ev(["file", Buffer.from([1, 2, 3]), ab, { chunk: Buffer.from("hi") }]),
      opts: NONE,
    });
  });

  test("Date argument", async () => {
    emitter.emit("when", new Date(T0 + 123));
    await expectBroadcast(ch.broadcast, { uid: E, packet: ev(["when", new Date(T0 + 123)]), opts: NONE });
  });

  test("of('admin').emit", async () => {
    const admin = classicChannels("socket.io", "admin");
    emitter.of("admin").emit("admin-ev");
    await expectBroadcast(admin.broadcast, { uid: E, packet: ev(["admin-ev"], "/admin"), opts: NONE });
  });

  test("key 'myapp', of('/admin').to('ops').emit", async () => {
    const custom = classicChannels("myapp", "/admin");
    new Emitter(redis, { key: "myapp" }).of("/admin").to("ops").emit("x");
    await expectBroadcast(custom.room("ops"), {
      uid: E,
      packet: ev(["x"], "/admin"),
      opts: { rooms: ["ops"], except: [], flags: {} },
    });
  });

  test("in('room1').socketsJoin('room2')", async () => {
    emitter.in("room1").socketsJoin("room2");
    await expectRequest(ch.request, { type: 2, opts: { rooms: ["room1"], except: [] }, rooms: ["room2"] });
  });

  test("except('room3').socketsJoin(['a', 'b'])", async () => {
    emitter.except("room3").socketsJoin(["a", "b"]);
    await expectRequest(ch.request, { type: 2, opts: { rooms: [], except: ["room3"] }, rooms: ["a", "b"] });
  });

  test("in('room1').socketsLeave('room2')", async () => {
    emitter.in("room1").socketsLeave("room2");
    await expectRequest(ch.request, { type: 3, opts: { rooms: ["room1"], except: [] }, rooms: ["room2"] });
  });

  test("disconnectSockets()", async () => {
    emitter.disconnectSockets();
    await expectRequest(ch.request, { type: 4, opts: { rooms: [], except: [] }, close: false });
  });

  test("in('room1').disconnectSockets(true)", async () => {
    emitter.in("room1").disconnectSockets(true);
    await expectRequest(ch.request, { type: 4, opts: { rooms: ["room1"], except: [] }, close: true });
  });

  test("serverSideEmit('ping', 2)", async () => {
    emitter.serverSideEmit("ping", 2);
    await expectRequest(ch.request, { type: 6, uid: E, data: ["ping", 2] });
  });

  test("of('admin').serverSideEmit", async () => {
    const admin = classicChannels("socket.io", "/admin");
    emitter.of("admin").serverSideEmit("hello", { a: 1 });
    await expectRequest(admin.request, { type: 6, uid: E, data: ["hello", { a: 1 }] });
  });

  test("nothing else was published", () => {
    assert.deepEqual(redis.unclaimed(), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("@socket.io/redis-adapter 8.3.0 createAdapter: what it sends", () => {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const io = server(createAdapter(pub, sub));
  const ch = classicChannels();
  const adapterCodec = broadcastCodec("adapter");
  after(() => io.close());

  function uidOf(captured: Published): string {
    return field(raw(captured.bytes), 0);
  }

  test("channels and subscriptions", () => {
    const adapter = officialAdapter<OfficialClassicAdapter>(io.of("/"));
    assert.equal(adapter.channel, ch.broadcast);
    assert.equal(adapter.requestChannel, ch.request);
    assert.equal(adapter.responseChannel, ch.response);
    assert.equal(adapter.specificResponseChannel, ch.nodeResponse(adapter.uid));
    assert.deepEqual([...sub.patterns.keys()], [ch.pattern]);
    assert.deepEqual([...sub.channels.keys()], [ch.request, ch.response, ch.nodeResponse(adapter.uid)]);
  });

  test("io.emit('hello', 'world')", async () => {
    io.emit("hello", "world");
    const captured = await pub.next("PUBLISH", ch.broadcast);
    const uid = uidOf(captured);
    same(captured, ch.broadcast, { uid, packet: ev(["hello", "world"]), opts: NONE }, adapterCodec);
  });

  test("io.to('room1').except('room2').volatile.emit('hi', 1)", async () => {
    io.to("room1").except("room2").volatile.emit("hi", 1);
    const captured = await pub.next("PUBLISH", ch.room("room1"));
    const message = {
      uid: uidOf(captured),
      packet: ev(["hi", 1]),
      opts: { rooms: ["room1"], except: ["room2"], flags: { volatile: true } },
    };
    same(captured, ch.room("room1"), message, adapterCodec);
  });

  test("io.to(['r1', 'r2']).emit('multi')", async () => {
    io.to(["r1", "r2"]).emit("multi");
    const captured = await pub.next("PUBLISH", ch.broadcast);
    const message = {
      uid: uidOf(captured),
      packet: ev(["multi"]),
      opts: { rooms: ["r1", "r2"], except: [], flags: {} },
    };
    same(captured, ch.broadcast, message, adapterCodec);
  });

  test("io.compress(false).emit with binary and Date arguments", async () => {
    io.compress(false).emit("mixed", Buffer.from([1, 2]), new Date(T0), { n: 1.5 });
    const captured = await pub.next("PUBLISH", ch.broadcast);
    const message = {
      uid: uidOf(captured),
      packet: ev(["mixed", Buffer.from([1, 2]), new Date(T0), { n: 1.5 }]),
      opts: { rooms: [], except: [], flags: { compress: false } },
    };
    same(captured, ch.broadcast, message, adapterCodec);
  });

  test("io.of('/admin').to('ops').emit", async () => {
    const admin = classicChannels("socket.io", "/admin");
    io.of("/admin").to("ops").emit("admin-ev", "x");
    const captured = await pub.next("PUBLISH", admin.room("ops"));
    const message = {
      uid: uidOf(captured),
      packet: ev(["admin-ev", "x"], "/admin"),
      opts: { rooms: ["ops"], except: [], flags: {} },
    };
    same(captured, admin.room("ops"), message, adapterCodec);
  });

  test("io.in('room1').socketsJoin('room2')", async () => {
    io.in("room1").socketsJoin("room2");
    const captured = await pub.next("PUBLISH", ch.request);
    const request: ClassicRequest = {
      type: 2,
      uid: field(raw(captured.bytes), "uid"),
      opts: { rooms: ["room1"], except: [] },
      rooms: ["room2"],
    };
    same(captured, ch.request, request, requestCodec);
  });

  test("io.in('room1').socketsLeave('room2')", async () => {
    io.in("room1").socketsLeave("room2");
    const captured = await pub.next("PUBLISH", ch.request);
    const request: ClassicRequest = {
      type: 3,
      uid: field(raw(captured.bytes), "uid"),
      opts: { rooms: ["room1"], except: [] },
      rooms: ["room2"],
    };
    same(captured, ch.request, request, requestCodec);
  });

  test("io.in('room1').disconnectSockets(true)", async () => {
    io.in("room1").disconnectSockets(true);
    const captured = await pub.next("PUBLISH", ch.request);
    const request: ClassicRequest = {
      type: 4,
      uid: field(raw(captured.bytes), "uid"),
      opts: { rooms: ["room1"], except: [] },
      close: true,
    };
    same(captured, ch.request, request, requestCodec);
  });

  test("io.serverSideEmit('ping', 1)", async () => {
    io.serverSideEmit("ping", 1);
    const captured = await pub.next("PUBLISH", ch.request);
    const request: ClassicRequest = { type: 6, uid: field(raw(captured.bytes), "uid"), data: ["ping", 1] };
    same(captured, ch.request, request, requestCodec);
  });

  test("io.serverSideEmit('pingack', cb), answered with our response", async () => {
    const result = acked((cb) => io.serverSideEmit("pingack", cb));
    const captured = await pub.next("PUBLISH", ch.request);
    const msg = raw(captured.bytes);
    const requestId = field(msg, "requestId");
    sub.deliver(ch.response, encodeResponse({ type: 6, requestId, data: "pong" }));
    assert.deepEqual(await result, [null, ["pong"]]);
    assert.deepEqual(pub.commands.at(-1), ["PUBSUB", "NUMSUB", ch.request]);
    same(captured, ch.request, { type: 6, uid: field(msg, "uid"), requestId, data: ["pingack"] }, requestCodec);
  });

  test("io.timeout(50).emit('withack', cb), answered with our 8 and 9", async () => {
    const result = acked((cb) => io.timeout(50).emit("withack", cb));
    const captured = await pub.next("PUBLISH", ch.request);
    const msg = raw(captured.bytes);
    const requestId = field(msg, "requestId");
    const request: ClassicRequest = {
      type: 7,
      uid: field(msg, "uid"),
      requestId,
      packet: ev(["withack"]),
      opts: { rooms: [], except: [], flags: { timeout: 50 } },
    };
    sub.deliver(ch.response, encodeResponse({ type: 8, requestId, clientCount: 1 }));
    sub.deliver(ch.response, encodeResponse({ type: 9, requestId, packet: Buffer.from("ok") }));
    assert.deepEqual(await result, [null, [Buffer.from("ok")]]);
    same(captured, ch.request, request, requestCodec);
  });

  test("io.fetchSockets(), answered with our response", async () => {
    const fetched = withTimeout(io.fetchSockets());
    const captured = await pub.next("PUBLISH", ch.request);
    const msg = raw(captured.bytes);
    const requestId = field(msg, "requestId");
    const request: ClassicRequest = {
      type: 5,
      uid: field(msg, "uid"),
      requestId,
      opts: { rooms: [], except: [] },
    };
    sub.deliver(
      ch.response,
      encodeResponse({
        type: 5,
        requestId,
        sockets: [{ id: SID, handshake: HANDSHAKE, rooms: [SID], data: { a: 1 } }],
      }),
    );
    const sockets = await fetched;
    assert.deepEqual(
      sockets.map((s) => [s.id, s.handshake.address, [...s.rooms], s.data]),
      [[SID, HANDSHAKE.address, [SID], { a: 1 }]],
    );
    same(captured, ch.request, request, requestCodec);
  });

  test("adapter.allRooms(), answered with our response", async () => {
    const rooms = withTimeout(officialAdapter<OfficialClassicAdapter>(io.of("/")).allRooms());
    const captured = await pub.next("PUBLISH", ch.request);
    const msg = raw(captured.bytes);
    const requestId = field(msg, "requestId");
    sub.deliver(ch.response, encodeResponse({ type: 1, requestId, rooms: ["far-room"] }));
    assert.deepEqual([...(await rooms)], ["far-room"]);
    same(captured, ch.request, { type: 1, uid: field(msg, "uid"), requestId }, requestCodec);
  });

  test("nothing else was published", () => {
    assert.deepEqual(pub.unclaimed(), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("@socket.io/redis-adapter 8.3.0 createAdapter: how it answers our requests", () => {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const io = server(createAdapter(pub, sub));
  const nsp = io.of("/");
  const ch = classicChannels();
  const handshake = { ...HANDSHAKE, sessionStore: { secret: "not sent" } };
  let socket: FakeSocket;
  const serverSide: unknown[][] = [];

  before(() => {
    socket = new FakeSocket(nsp, SID, handshake, { userId: 42, name: "alice" }, ["room1"]);
    nsp.on("pingack", (arg: unknown, cb: (reply: unknown) => void) => cb(`pong:${String(arg)}`));
    nsp.on("note", (...args: unknown[]) => serverSide.push(args));
  });
  after(() => io.close());

  function inject(request: ClassicRequest): void {
    assert.equal(sub.deliver(ch.request, encodeRequest(request)), 1, "the adapter listens on the request channel");
  }

  async function expectResponse(answers: RequestType, response: ClassicResponse, channel = ch.response) {
    same(await pub.next("PUBLISH", channel), channel, response, responseCodec(answers));
  }

  test("0 SOCKETS", async () => {
    inject({ type: 0, uid: OTHER, requestId: "REQ000", rooms: ["room1"] });
    await expectResponse(0, { type: 0, requestId: "REQ000", sockets: [SID] });
  });

  test("1 ALL_ROOMS", async () => {
    inject({ type: 1, uid: OTHER, requestId: "REQ001" });
    await expectResponse(1, { type: 1, requestId: "REQ001", rooms: [SID, "room1"] });
  });

  test("2 REMOTE_JOIN legacy sid form", async () => {
    inject({ type: 2, uid: OTHER, requestId: "REQ002", sid: SID, room: "room7" });
    await expectResponse(2, { type: 2, requestId: "REQ002" });
    assert.ok(socket.rooms.has("room7"));
  });

  test("3 REMOTE_LEAVE legacy sid form", async () => {
    inject({ type: 3, uid: OTHER, requestId: "REQ003", sid: SID, room: "room7" });
    await expectResponse(3, { type: 3, requestId: "REQ003" });
    assert.ok(!socket.rooms.has("room7"));
  });

  test("4 REMOTE_DISCONNECT legacy sid form", async () => {
    inject({ type: 4, uid: OTHER, requestId: "REQ004", sid: SID, close: true });
    await expectResponse(4, { type: 4, requestId: "REQ004" });
    assert.equal(socket.disconnected, true);
  });

  test("2/3 selector form from the emitter (no uid, no response)", async () => {
    inject({ type: 2, opts: { rooms: ["room1"], except: [] }, rooms: ["room8", "room9"] });
    assert.ok(socket.rooms.has("room8") && socket.rooms.has("room9"));
    inject({ type: 3, opts: { rooms: [], except: [] }, rooms: ["room9"] });
    assert.ok(!socket.rooms.has("room9"));
  });

  test("5 REMOTE_FETCH (handshake without sessionStore)", async () => {
    inject({ type: 5, uid: OTHER, requestId: "REQ005", opts: { rooms: ["room1"], except: [] } });
    await expectResponse(5, {
      type: 5,
      requestId: "REQ005",
      sockets: [{ id: SID, handshake: HANDSHAKE, rooms: [SID, "room1", "room8"], data: { userId: 42, name: "alice" } }],
    });
  });

  test("6 SERVER_SIDE_EMIT without ack", () => {
    inject({ type: 6, uid: OTHER, data: ["note", 1, { a: "b" }] });
    assert.deepEqual(serverSide.at(-1), [1, { a: "b" }]);
  });

  test("6 SERVER_SIDE_EMIT with ack", async () => {
    inject({ type: 6, uid: OTHER, requestId: "REQ006", data: ["pingack", 42] });
    await expectResponse(6, { type: 6, requestId: "REQ006", data: "pong:42" });
  });

  test("7 BROADCAST → 8 then 9 (string and binary acks)", async () => {
    inject({
      type: 7,
      uid: OTHER,
      requestId: "REQ007",
      packet: ev(["withack", 1]),
      opts: { rooms: ["room1"], except: [], flags: { timeout: 1000 } },
    });
    await expectResponse(7, { type: 8, requestId: "REQ007", clientCount: 1 });
    socket.ack("ok");
    await expectResponse(7, { type: 9, requestId: "REQ007", packet: "ok" });
    inject({ type: 7, uid: OTHER, requestId: "REQ008", packet: ev(["withack", 2]), opts: NONE });
    await expectResponse(7, { type: 8, requestId: "REQ008", clientCount: 1 });
    socket.ack({ file: Buffer.from([0xca, 0xfe]), at: new Date(T0) });
    await expectResponse(7, {
      type: 9,
      requestId: "REQ008",
      packet: { file: Buffer.from([0xca, 0xfe]), at: new Date(T0) },
    });
  });

  test("nothing else was published", () => {
    assert.deepEqual(pub.unclaimed(), []);
  });
});

describe("@socket.io/redis-adapter 8.3.0 createAdapter with publishOnSpecificResponseChannel", () => {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const io = server(createAdapter(pub, sub, { publishOnSpecificResponseChannel: true }));
  const ch = classicChannels();
  before(() => {
    io.of("/").on("pingack", (arg: unknown, cb: (reply: unknown) => void) => cb(`pong:${String(arg)}`));
  });
  after(() => io.close());

  test("1 ALL_ROOMS is answered on the requester's channel", async () => {
    sub.deliver(ch.request, encodeRequest({ type: 1, uid: OTHER, requestId: "REQ011" }));
    const channel = ch.nodeResponse(OTHER);
    same(await pub.next("PUBLISH", channel), channel, { type: 1, requestId: "REQ011", rooms: [] }, responseCodec(1));
  });

  test("6 SERVER_SIDE_EMIT ack still goes to the shared channel", async () => {
    sub.deliver(ch.request, encodeRequest({ type: 6, uid: OTHER, requestId: "REQ016", data: ["pingack", 1] }));
    const captured = await pub.next("PUBLISH", ch.response);
    same(captured, ch.response, { type: 6, requestId: "REQ016", data: "pong:1" }, responseCodec(6));
  });

  test("7 BROADCAST → 8 on the requester's channel", async () => {
    sub.deliver(ch.request, encodeRequest({ type: 7, uid: OTHER, requestId: "REQ017", packet: ev(["x"]), opts: NONE }));
    const channel = ch.nodeResponse(OTHER);
    const captured = await pub.next("PUBLISH", channel);
    same(captured, channel, { type: 8, requestId: "REQ017", clientCount: 0 }, responseCodec(7));
  });

  test("nothing else was published", () => {
    assert.deepEqual(pub.unclaimed(), []);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe("@socket.io/redis-adapter 8.3.0 createShardedAdapter: what it sends", () => {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const io = server(createShardedAdapter(pub, sub));
  const sh = shardedChannels();
  const adapter = officialAdapter<OfficialShardedAdapter>(io.of("/"));
  after(() => io.close());

  /** Waits for a message on `channel`; `check` compares it with the message `build` describes. */
  async function capture(channel: string, build: (uid: string, msg: unknown) => ClusterMessage) {
    const captured = await pub.next("SPUBLISH", channel);
    const msg = raw(captured.bytes);
    const message = build(field(msg, "uid"), msg);
    return {
      msg,
      check: () => same(captured, clusterChannel(message, "socket.io", "/"), message, clusterCodec),
    };
  }

  async function expectMessage(channel: string, build: (uid: string, msg: unknown) => ClusterMessage): Promise<void> {
    (await capture(channel, build)).check();
  }

  test("channels and subscriptions", () => {
    assert.equal(adapter.channel, sh.main);
    assert.equal(adapter.responseChannel, sh.node(adapter.uid));
    assert.equal(adapter.dynamicChannel("room1"), sh.room("room1"));
    assert.deepEqual([...sub.shardChannels.keys()], [sh.main, sh.node(adapter.uid)]);
  });

  test("io.emit('hello', 'world')", async () => {
    io.emit("hello", "world");
    await expectMessage(sh.main, (uid) => ({
      type: 3,
      data: { packet: { type: 2, data: ["hello", "world"] }, opts: NONE },
      uid,
      nsp: "/",
    }));
  });

  test("io.to('room1').emit('room') (room channel)", async () => {
    io.to("room1").emit("room");
    await expectMessage(sh.room("room1"), (uid) => ({
      type: 3,
      data: { packet: { type: 2, data: ["room"] }, opts: { rooms: ["room1"], except: [], flags: {} } },
      uid,
      nsp: "/",
    }));
  });

  test("io.except('r3').volatile.emit with binary (msgpack)", async () => {
    io.except("r3").volatile.emit("bin", Buffer.from([1, 2, 3]));
    await expectMessage(sh.main, (uid) => ({
      type: 3,
      data: {
        packet: { type: 2, data: ["bin", Buffer.from([1, 2, 3])] },
        opts: { rooms: [], except: ["r3"], flags: { volatile: true } },
      },
      uid,
      nsp: "/",
    }));
  });

  test("io.in('room1').socketsJoin('room2')", async () => {
    io.in("room1").socketsJoin("room2");
    await expectMessage(sh.main, (uid) => ({
      type: 4,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, rooms: ["room2"] },
      uid,
      nsp: "/",
    }));
  });

  test("io.in('room1').socketsLeave('room2')", async () => {
    io.in("room1").socketsLeave("room2");
    await expectMessage(sh.main, (uid) => ({
      type: 5,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, rooms: ["room2"] },
      uid,
      nsp: "/",
    }));
  });

  test("io.in('room1').disconnectSockets(true)", async () => {
    io.in("room1").disconnectSockets(true);
    await expectMessage(sh.main, (uid) => ({
      type: 6,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, close: true },
      uid,
      nsp: "/",
    }));
  });

  test("io.serverSideEmit('ping', 1)", async () => {
    io.serverSideEmit("ping", 1);
    await expectMessage(sh.main, (uid) => ({ type: 9, data: { packet: ["ping", 1] }, uid, nsp: "/" }));
  });

  test("io.serverSideEmit('pingack', cb), answered with our 10", async () => {
    const result = acked((cb) => io.serverSideEmit("pingack", cb));
    const { msg, check } = await capture(sh.main, (uid, m) => ({
      type: 9,
      data: { packet: ["pingack"], requestId: field(m, "data", "requestId") },
      uid,
      nsp: "/",
    }));
    const requestId = field(msg, "data", "requestId");
    sub.deliver(
      sh.node(adapter.uid),
      encodeClusterMessage({ type: 10, data: { requestId, packet: "pong" }, uid: REQUESTER, nsp: "/" }),
      true,
    );
    assert.deepEqual(await result, [null, ["pong"]]);
    assert.deepEqual(pub.commands.at(-1), ["PUBSUB", "SHARDNUMSUB", sh.main]);
    check();
  });

  test("io.timeout(50).emit('withack', cb), answered with our 11 and 12", async () => {
    const result = acked((cb) => io.timeout(50).emit("withack", cb));
    const { msg, check } = await capture(sh.main, (uid, m) => ({
      type: 3,
      data: {
        packet: { type: 2, data: ["withack"] },
        requestId: field(m, "data", "requestId"),
        opts: { rooms: [], except: [], flags: { timeout: 50 } },
      },
      uid,
      nsp: "/",
    }));
    const requestId = field(msg, "data", "requestId");
    const node = sh.node(adapter.uid);
    sub.deliver(
      node,
      encodeClusterMessage({ type: 11, data: { requestId, clientCount: 1 }, uid: REQUESTER, nsp: "/" }),
      true,
    );
    sub.deliver(
      node,
      encodeClusterMessage({ type: 12, data: { requestId, packet: Buffer.from("ok") }, uid: REQUESTER, nsp: "/" }),
      true,
    );
    assert.deepEqual(await result, [null, [Buffer.from("ok")]]);
    check();
  });

  test("io.fetchSockets(), answered with our 8", async () => {
    const fetched = withTimeout(io.fetchSockets());
    const { msg, check } = await capture(sh.main, (uid, m) => ({
      type: 7,
      data: { opts: NONE, requestId: field(m, "data", "requestId") },
      uid,
      nsp: "/",
    }));
    const requestId = field(msg, "data", "requestId");
    const remote = { id: SID, handshake: HANDSHAKE, rooms: [SID], data: { avatar: Buffer.from([0xff]) } };
    sub.deliver(
      sh.node(adapter.uid),
      encodeClusterMessage({ type: 8, data: { requestId, sockets: [remote] }, uid: REQUESTER, nsp: "/" }),
      true,
    );
    const sockets = await fetched;
    assert.deepEqual(
      sockets.map((s) => [s.id, [...s.rooms], s.data]),
      [[SID, [SID], { avatar: Buffer.from([0xff]) }]],
    );
    assert.deepEqual(pub.commands.at(-1), ["PUBSUB", "SHARDNUMSUB", sh.main]);
    check();
  });

  test("nothing else was published", () => {
    assert.deepEqual(pub.unclaimed(), []);
  });
});

describe("@socket.io/redis-adapter 8.3.0 createShardedAdapter: how it answers our messages", () => {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const io = server(createShardedAdapter(pub, sub));
  const nsp = io.of("/");
  const sh = shardedChannels();
  const node = sh.node(REQUESTER);
  let socket: FakeSocket;
  let uid = "";

  before(() => {
    uid = officialAdapter<OfficialShardedAdapter>(nsp).uid;
    const data = { userId: 42, avatar: Buffer.from([0x89, 0x50]) };
    socket = new FakeSocket(nsp, SID, { ...HANDSHAKE, sessionStore: {} }, data, ["room1"]);
    nsp.on("pingack", (arg: unknown, cb: (reply: unknown) => void) => {
      cb(typeof arg === "number" ? `pong:${arg}` : { echo: arg });
    });
  });
  after(() => io.close());

  function inject(message: ClusterMessage): void {
    assert.equal(sub.deliver(sh.main, encodeClusterMessage(message), true), 1, "the adapter listens on main");
  }

  async function expectResponse(message: ClusterMessage): Promise<void> {
    same(await pub.next("SPUBLISH", node), clusterChannel(message, "socket.io", "/", REQUESTER), message, clusterCodec);
  }

  test("4 SOCKETS_JOIN is applied (no response)", () => {
    inject({
      type: 4,
      data: { opts: { rooms: ["room1"], except: [], flags: {} }, rooms: ["room2"] },
      uid: REQUESTER,
      nsp: "/",
    });
    assert.ok(socket.rooms.has("room2"));
  });

  test("7 FETCH_SOCKETS → 8 (msgpack: socket data holds binary)", async () => {
    inject({ type: 7, data: { opts: NONE, requestId: "F1" }, uid: REQUESTER, nsp: "/" });
    await expectResponse({
      type: 8,
      data: {
        requestId: "F1",
        sockets: [
          {
            id: SID,
            handshake: HANDSHAKE,
            rooms: [SID, "room1", "room2"],
            data: { userId: 42, avatar: Buffer.from([0x89, 0x50]) },
          },
        ],
      },
      uid,
      nsp: "/",
    });
  });

  test("9 SERVER_SIDE_EMIT with ack → 10 (JSON, then msgpack)", async () => {
    inject({ type: 9, data: { packet: ["pingack", 1], requestId: "S1" }, uid: REQUESTER, nsp: "/" });
    await expectResponse({ type: 10, data: { requestId: "S1", packet: "pong:1" }, uid, nsp: "/" });
    inject({ type: 9, data: { packet: ["pingack", Buffer.from([7])], requestId: "S2" }, uid: REQUESTER, nsp: "/" });
    await expectResponse({ type: 10, data: { requestId: "S2", packet: { echo: Buffer.from([7]) } }, uid, nsp: "/" });
  });

  test("3 BROADCAST with requestId → 11 then 12 (JSON, then msgpack)", async () => {
    inject({
      type: 3,
      data: {
        packet: { type: 2, data: ["withack"] },
        requestId: "B1",
        opts: { rooms: [], except: [], flags: { timeout: 1000 } },
      },
      uid: REQUESTER,
      nsp: "/",
    });
    await expectResponse({ type: 11, data: { requestId: "B1", clientCount: 1 }, uid, nsp: "/" });
    socket.ack({ ok: true });
    await expectResponse({ type: 12, data: { requestId: "B1", packet: { ok: true } }, uid, nsp: "/" });
    inject({
      type: 3,
      data: { packet: { type: 2, data: ["withack"] }, requestId: "B2", opts: NONE },
      uid: REQUESTER,
      nsp: "/",
    });
    await expectResponse({ type: 11, data: { requestId: "B2", clientCount: 1 }, uid, nsp: "/" });
    socket.ack(Buffer.from("ack"));
    await expectResponse({ type: 12, data: { requestId: "B2", packet: Buffer.from("ack") }, uid, nsp: "/" });
  });

  test("nothing else was published", () => {
    assert.deepEqual(pub.unclaimed(), []);
  });
});
