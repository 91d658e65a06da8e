// node-redis 3.x (the callback API socket.io-redis 5 applications still use): publishing and the request protocol
// through redis@3 clients, against real Socket.IO servers.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import type { Socket as ClientSocket } from "socket.io-client";
import { Emitter } from "../src/index.js";
import { next, Recorder, type SioCluster, startCluster, within } from "./helpers.js";

/** As much of a node-redis 3 client (`redis@3`, which ships no types) as this file uses. */
interface Redis3 {
  publish(channel: string, message: string | Buffer, callback?: (err: Error | null) => void): boolean;
  quit(callback?: (err: Error | null) => void): boolean;
  end(flush: boolean): void;
  duplicate(): Redis3;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

const redis3 = createRequire(import.meta.url)("redis3") as { createClient(options: { url: string }): Redis3 };

let redis: RedisServer;
let cluster: SioCluster;
let pub: Redis3;
let sub: Redis3;
let emitter: Emitter;
let c1: ClientSocket;
let c2: ClientSocket;

/** QUIT, or a forced close if Redis does not answer within a second. */
async function quit(client: Redis3 | undefined): Promise<void> {
  if (!client) return;
  try {
    await within(new Promise<void>((resolve) => client.quit(() => resolve())), "node-redis 3 QUIT", 1000);
  } catch {
    client.end(true);
  }
}

before(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(redis.url, { count: 2 });
  // node-redis 3 connects by itself, duplicates too
  pub = redis3.createClient({ url: redis.url });
  sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([next(pub, "ready"), next(sub, "ready")]);
  emitter = new Emitter(pub, { subClient: sub, requestsTimeout: 2000 });
  c1 = await cluster.client(0, { rooms: ["room1"], data: { n: 1 } });
  c2 = await cluster.client(1, { rooms: ["room2"], data: { n: 2 } });
  for (const c of [c1, c2]) c.on("ask", (ack: (id: string | undefined) => void) => ack(c.id));
});

after(async () => {
  c1?.disconnect();
  c2?.disconnect();
  await emitter?.close();
  await Promise.all([quit(pub), quit(sub)]);
  await cluster?.close();
  await redis?.stop();
});

test("node-redis 3: emit, rooms, binary arguments and socketsJoin reach real clients", async () => {
  const recorder = new Recorder(c2);
  const got1 = next(c1, "hello");
  await emitter.emit("hello", "v3");
  assert.deepEqual(await got1, ["v3"]);
  // bytes that are not UTF-8 go through the publish script's Buffer arguments untouched
  const blob = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
  const got2 = next(c2, "blob");
  await emitter.to("room2").emit("blob", blob);
  const [received] = (await got2) as [Buffer];
  assert.ok(Buffer.from(received).equals(blob));
  await emitter.in("room1").socketsJoin("joined");
  const joined = next(c1, "joined-only");
  await emitter.to("joined").emit("joined-only");
  await emitter.emit("barrier", "x");
  await joined;
  const before = await recorder.until("x");
  assert.deepEqual(
    before.map(([ev]) => ev),
    ["hello", "blob"],
  );
});

test("node-redis 3: a burst of emits arrives in order", async () => {
  const recorder = new Recorder(c1);
  await Promise.all(Array.from({ length: 500 }, (_, i) => emitter.to("room1").emit("n", i)));
  await emitter.emit("barrier", "burst");
  // (the previous test's barrier may still be on its way to this client)
  const before = (await recorder.until("burst")).filter(([ev]) => ev === "n");
  assert.deepEqual(
    before.map(([, args]) => args[0]),
    Array.from({ length: 500 }, (_, i) => i),
  );
});

test("node-redis 3: serverCount, fetchSockets, allRooms and emitWithAck", async () => {
  assert.equal(await emitter.serverCount(), 2);
  const sockets = await emitter.fetchSockets();
  assert.deepEqual(sockets.map((s) => s.id).sort(), [c1.id, c2.id].sort());
  assert.deepEqual(
    sockets.map((s) => s.data).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
    [{ n: 1 }, { n: 2 }],
  );
  const rooms = await emitter.allRooms();
  assert.ok(rooms.has("room1") && rooms.has("room2"));
  const acks = await emitter.timeout(2000).emitWithAck("ask");
  assert.deepEqual([...acks].sort(), [c1.id, c2.id].sort());
});
