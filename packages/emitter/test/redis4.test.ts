// node-redis 4.x (still widely deployed): publishing and the request protocol through its older client API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import type { Socket as ClientSocket } from "socket.io-client";
import { Emitter } from "../src/index.js";
import { type ClientPair, next, Recorder, redisClients, type SioCluster, startCluster } from "./helpers.js";

let redis: RedisServer;
let cluster: SioCluster;
let clients: ClientPair;
let emitter: Emitter;
let c1: ClientSocket;
let c2: ClientSocket;

before(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(redis.url, { count: 2 });
  clients = await redisClients("node-redis-4", redis.url);
  emitter = new Emitter(clients.pub, { subClient: clients.sub, requestsTimeout: 2000 });
  c1 = await cluster.client(0, { rooms: ["room1"], data: { n: 1 } });
  c2 = await cluster.client(1, { rooms: ["room2"], data: { n: 2 } });
  for (const c of [c1, c2]) c.on("ask", (ack: (id: string | undefined) => void) => ack(c.id));
});

after(async () => {
  c1?.disconnect();
  c2?.disconnect();
  await emitter?.close();
  await clients?.close();
  await cluster?.close();
  await redis?.stop();
});

test("node-redis 4: emit, rooms and socketsJoin reach real clients", async () => {
  const recorder = new Recorder(c2);
  const got1 = next(c1, "hello");
  await emitter.emit("hello", "v4");
  assert.deepEqual(await got1, ["v4"]);
  await emitter.in("room1").socketsJoin("joined");
  const joined = next(c1, "joined-only");
  await emitter.to("joined").emit("joined-only");
  await emitter.emit("barrier", "x");
  await joined;
  const before = await recorder.until("x");
  assert.deepEqual(
    before.map(([ev]) => ev),
    ["hello"],
  );
});

test("node-redis 4: serverCount, fetchSockets, allRooms and emitWithAck", async () => {
  assert.equal(await emitter.serverCount(), 2);
  const sockets = await emitter.fetchSockets();
  assert.deepEqual(sockets.map((s) => s.id).sort(), [c1.id, c2.id].sort());
  assert.deepEqual(
    sockets.map((s) => s.data).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n),
    [{ n: 1 }, { n: 2 }],
  );
  const rooms = await emitter.allRooms();
  assert.ok(rooms.has("room1") && rooms.has("room2"));
  // both clients answer: the timeout ends with the last ack, and only bounds a slow one (a loaded machine)
  const acks = await emitter.timeout(5000).emitWithAck("ask");
  assert.deepEqual([...acks].sort(), [c1.id, c2.id].sort());
});
