// serverCount, fetchSockets, allRooms and acknowledgements against two real @socket.io/redis-adapter 8.3 nodes
// (one answering on the shared response channel, one with publishOnSpecificResponseChannel).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import type { Socket as ClientSocket } from "socket.io-client";
import { Emitter, QueryTimeoutError } from "../src/index.js";
import {
  type ClientPair,
  deferred,
  type Library,
  next,
  redisClients,
  type SioCluster,
  startCluster,
  until,
} from "./helpers.js";

let redis: RedisServer;
let cluster: SioCluster;
let c1: ClientSocket;
let c2: ClientSocket;

before(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(redis.url, { count: 2, specificResponseChannel: (i) => i === 0 });
  c1 = await cluster.client(0, { rooms: ["room1"], data: { name: "c1" } });
  c2 = await cluster.client(1, { rooms: ["room2"], data: { name: "c2" } });
  for (const [c, name] of [
    [c1, "c1"],
    [c2, "c2"],
  ] as const) {
    c.on("ask", (question: string, ack: (answer: string) => void) => ack(`${name}:${question}`));
    c.on("mute", () => {}); // never acknowledges
    c.on("half", (ack: (answer: string) => void) => {
      if (name === "c1") ack("c1 only");
    });
  }
  cluster.nodes.forEach((node, i) => {
    node.io.on("health", (ack: (answer: string) => void) => ack(`node${i}`));
    if (i === 0) node.io.on("only-a", (ack: (answer: string) => void) => ack("a"));
  });
});

after(async () => {
  c1?.disconnect();
  c2?.disconnect();
  await cluster?.close();
  await redis?.stop();
});

for (const library of ["node-redis", "ioredis"] as const satisfies readonly Library[]) {
  describe(`queries on ${library}`, () => {
    let clients: ClientPair;
    let emitter: Emitter;

    before(async () => {
      clients = await redisClients(library, redis.url);
      emitter = new Emitter(clients.pub, { subClient: clients.sub, requestsTimeout: 2000 });
    });

    after(async () => {
      await emitter?.close();
      await clients?.close();
    });

    test("serverCount() counts the adapters subscribed to the namespace", async () => {
      assert.equal(await emitter.serverCount(), 2);
      assert.equal(await emitter.of("/nobody").serverCount(), 0);
    });

    test("fetchSockets() returns the sockets of both servers with id, rooms, data and handshake", async () => {
      const sockets = await emitter.fetchSockets();
      const byId = new Map(sockets.map((s) => [s.id, s]));
      assert.equal(sockets.length, 2);
      const s1 = byId.get(c1.id as string);
      const s2 = byId.get(c2.id as string);
      assert.ok(s1 && s2, "both clients are listed");
      assert.deepEqual([...s1.rooms].sort(), [c1.id, "room1"].sort());
      assert.deepEqual([...s2.rooms].sort(), [c2.id, "room2"].sort());
      assert.deepEqual(s1.data, { name: "c1" });
      assert.deepEqual(s2.data, { name: "c2" });
      assert.deepEqual(s1.handshake.auth, { rooms: ["room1"], data: { name: "c1" } });
      assert.equal(typeof s1.handshake.address, "string");
      assert.equal(typeof (s1.handshake.headers as Record<string, unknown>).host, "string");
    });

    test("fetchSockets() honours to() / except(), and a RemoteSocket can be emitted to", async () => {
      const inRoom2 = await emitter.in("room2").fetchSockets();
      assert.deepEqual(
        inRoom2.map((s) => s.id),
        [c2.id],
      );
      const notRoom2 = await emitter.except("room2").fetchSockets();
      assert.deepEqual(
        notRoom2.map((s) => s.id),
        [c1.id],
      );
      const got = next(c2, "direct");
      await inRoom2[0]?.emit("direct", "to you");
      assert.deepEqual(await got, ["to you"]);
    });

    test("allRooms() gathers the rooms of every server", async () => {
      const rooms = await emitter.allRooms();
      for (const room of ["room1", "room2", c1.id, c2.id]) assert.ok(rooms.has(room as string), `has ${room}`);
    });

    test("emitWithAck() gathers the acks of clients on both servers", async () => {
      // every client answers: the ack timeout ends with the last ack, and only bounds a slow one (a loaded machine)
      const answers = await emitter.timeout(5000).emitWithAck("ask", "q1");
      assert.deepEqual([...answers].sort(), ["c1:q1", "c2:q1"]);
      assert.deepEqual(await emitter.to("room1").emitWithAck("ask", "q2"), ["c1:q2"]);
      assert.deepEqual(await emitter.to("nobody-here").timeout(5000).emitWithAck("ask", "q3"), []);
    });

    test("emit(..., callback) is the callback form of emitWithAck", async () => {
      const { promise, resolve } = deferred<[Error | null, unknown[]]>();
      await emitter
        .timeout(5000)
        .emit("ask", "cb", (err: Error | null, responses: unknown[]) => resolve([err, responses]));
      const [err, responses] = await promise;
      assert.equal(err, null);
      assert.deepEqual([...responses].sort(), ["c1:cb", "c2:cb"]);
    });

    test("emitWithAck() times out with the partial acks and an error naming the request", async () => {
      // c1's ack and both servers' answers must arrive within the timeout, a few hundred ms on a loaded machine
      const started = Date.now();
      const err = await emitter
        .timeout(1500)
        .emitWithAck("half")
        .then(
          () => assert.fail("should time out"),
          (e: unknown) => e,
        );
      assert.ok(err instanceof QueryTimeoutError);
      assert.match(err.message, /^emitWithAck request [\w-]+ timed out after 1500 ms: 2 of 2 servers answered/);
      assert.match(err.message, /1 of 2 acknowledgements received/);
      assert.deepEqual(err.partial, ["c1 only"]);
      assert.ok(Date.now() - started >= 1490);

      const { promise, resolve } = deferred<[Error | null, unknown[]]>();
      void emitter.timeout(200).emit("mute", (e: Error | null, responses: unknown[]) => resolve([e, responses]));
      const [cbErr, responses] = await promise;
      assert.ok(cbErr instanceof QueryTimeoutError);
      assert.deepEqual(responses, []);
    });

    test("serverSideEmitWithAck() / serverSideEmit(..., callback) collect one answer per server", async () => {
      const answers = await emitter.serverSideEmitWithAck("health");
      assert.deepEqual([...answers].sort(), ["node0", "node1"]);
      const { promise, resolve } = deferred<[Error | null, unknown[]]>();
      await emitter.serverSideEmit("health", (err: Error | null, responses: unknown[]) => resolve([err, responses]));
      const [err, responses] = await promise;
      assert.equal(err, null);
      assert.deepEqual([...responses].sort(), ["node0", "node1"]);
    });

    test("a server that does not answer gives a partial result and 'N of M servers answered'", async () => {
      // the answering servers' replies must arrive within the timeout: a few hundred ms on a loaded machine
      const quick = new Emitter(clients.pub, { subClient: clients.sub, requestsTimeout: 1500 });
      try {
        const err = await quick.serverSideEmitWithAck("only-a").catch((e: unknown) => e);
        assert.ok(err instanceof QueryTimeoutError);
        assert.equal(err.request, "serverSideEmitWithAck");
        assert.match(err.message, /timed out after 1500 ms: 1 of 2 servers answered$/);
        assert.deepEqual(err.partial, ["a"]);

        // a third subscriber that never answers (a hung server)
        const silent = createClient({ url: redis.url });
        await silent.connect();
        await silent.subscribe("socket.io-request#/#", () => {});
        try {
          assert.equal(await quick.serverCount(), 3);
          const fetchErr = await quick.fetchSockets().catch((e: unknown) => e);
          assert.ok(fetchErr instanceof QueryTimeoutError);
          assert.match(
            fetchErr.message,
            /^fetchSockets request [\w-]+ timed out after 1500 ms: 2 of 3 servers answered$/,
          );
          assert.equal((fetchErr.partial as unknown[]).length, 2);
          const roomsErr = await quick.allRooms().catch((e: unknown) => e);
          assert.ok(roomsErr instanceof QueryTimeoutError);
          assert.ok((roomsErr.partial as Set<string>).has("room1"));
        } finally {
          await silent.close();
        }
      } finally {
        await quick.close();
      }
    });

    test("queries without subClient reject with a clear error; close() fails pending queries", async () => {
      assert.throws(
        () => new Emitter(clients.pub, { subClient: clients.pub }),
        /subClient must be a separate connection/,
      );
      const plain = new Emitter(clients.pub);
      await assert.rejects(plain.fetchSockets(), /fetchSockets\(\) needs a subscriber connection/);
      await assert.rejects(plain.timeout(100).emitWithAck("ask", "x"), /emitWithAck\(\) needs a subscriber/);
      assert.equal(await plain.serverCount(), 2); // NUMSUB needs no subscription

      const closing = new Emitter(clients.pub, { subClient: clients.sub });
      const pending = closing.serverSideEmitWithAck("only-a");
      const failed = assert.rejects(pending, /closed/);
      await closing.close();
      await failed;
    });

    test("maxPendingRequests holds for concurrent calls: the extra ones are refused at once", async () => {
      const bounded = new Emitter(clients.pub, { subClient: clients.sub, maxPendingRequests: 1 });
      try {
        const results = await Promise.allSettled([1, 2, 3, 4].map(() => bounded.allRooms()));
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        for (const r of results.filter((r) => r.status === "rejected")) {
          assert.match(String((r as PromiseRejectedResult).reason), /too many pending requests \(1\)/);
        }
        await bounded.allRooms(); // the slot is free again
      } finally {
        await bounded.close();
      }
    });

    test("timeouts beyond what timers can hold are refused by name", () => {
      assert.throws(() => emitter.timeout(2 ** 31), /timeout must be a number of ms from 0 to 2147483647/);
      assert.throws(() => new Emitter(clients.pub, { requestsTimeout: -1 }), /requestsTimeout must be/);
    });

    test("the emitter never subscribes to the request channel (it would count as a server)", async () => {
      await emitter.fetchSockets();
      assert.equal(await emitter.serverCount(), 2);
    });
  });
}

test("an emitter releases a namespace's query state 30 s after its last query, and holds nothing per of()", async (t) => {
  const clients = await redisClients("node-redis", redis.url);
  const admin = createClient({ url: redis.url });
  await admin.connect();
  try {
    const emitter = new Emitter(clients.pub, { subClient: clients.sub, requestsTimeout: 2000 });
    // the official emitter's habit: a new emitter per namespace, per call; none of them subscribes anything
    for (let i = 0; i < 20_000; i++) emitter.of(`/ns${i}`).to("r");
    // the emitter's own response channels (servers subscribe to theirs and to the shared one)
    const subscribed = async () => {
      const reply = (await admin.sendCommand(["PUBSUB", "CHANNELS", "socket.io-response#*#emitter-*"])) as string[];
      return reply.length;
    };
    assert.equal(await subscribed(), 0);
    // only the idle timer of the query below is a fake one: Redis and the clients keep real time
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const rooms = await emitter.of("/").allRooms();
    assert.ok(rooms.size > 0);
    assert.equal(await subscribed(), 1, "its response channel, while in use");
    t.mock.timers.tick(29_000);
    assert.equal(await subscribed(), 1, "still there within 30 s");
    t.mock.timers.tick(1_001);
    t.mock.timers.reset();
    await until(async () => (await subscribed()) === 0, "the idle namespace's channels to be released");
    // and a later query subscribes again
    assert.ok((await emitter.of("/").allRooms()).size > 0);
    await emitter.close();
  } finally {
    t.mock.timers.reset();
    await admin.close();
    await clients.close();
  }
});
