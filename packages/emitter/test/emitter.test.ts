// Every operator and flag, observed on real Socket.IO clients behind @socket.io/redis-adapter 8.3, for each
// client library the emitter supports.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import type { Socket as ClientSocket } from "socket.io-client";
import { Emitter } from "../src/index.js";
import {
  type ClientPair,
  type Library,
  next,
  Recorder,
  redisClients,
  type SioCluster,
  startCluster,
} from "./helpers.js";

let redis: RedisServer;
let cluster: SioCluster;

before(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(redis.url, { count: 2, namespaces: ["/", "/admin"] });
});

after(async () => {
  await cluster?.close();
  await redis?.stop();
});

for (const library of ["node-redis", "ioredis"] as const satisfies readonly Library[]) {
  describe(`emitter on ${library}`, () => {
    let clients: ClientPair;
    let emitter: Emitter;
    // c1 on node A in room1; c2 on node B in room2; c3 on node B in room1 and room2
    let c1: ClientSocket;
    let c2: ClientSocket;
    let c3: ClientSocket;
    let r1: Recorder;
    let r2: Recorder;
    let r3: Recorder;
    let barrierId = 0;

    before(async () => {
      clients = await redisClients(library, redis.url);
      emitter = new Emitter(clients.pub);
      c1 = await cluster.client(0, { rooms: ["room1"] });
      c2 = await cluster.client(1, { rooms: ["room2"] });
      c3 = await cluster.client(1, { rooms: ["room1", "room2"] });
      [r1, r2, r3] = [new Recorder(c1), new Recorder(c2), new Recorder(c3)];
    });

    after(async () => {
      for (const c of [c1, c2, c3]) c?.disconnect();
      await clients?.close();
    });

    /** What each of c1, c2, c3 received from the emits made before this call. */
    async function received(): Promise<[unknown[], unknown[], unknown[]]> {
      const id = `b${++barrierId}`;
      await emitter.emit("barrier", id);
      const all = await Promise.all([r1, r2, r3].map((r) => r.until(id)));
      return all.map((events) => events.map(([ev, args]) => [ev, ...args])) as [unknown[], unknown[], unknown[]];
    }

    test("emit() reaches every client with its arguments", async () => {
      const result = await emitter.emit("hello", 1, "2", { three: [3] }, null);
      assert.equal(result, undefined);
      const [a, b, c] = await received();
      const expected = [["hello", 1, "2", { three: [3] }, null]];
      assert.deepEqual(a, expected);
      assert.deepEqual(b, expected);
      assert.deepEqual(c, expected);
    });

    test("to() / in() target one room, a room list, and dedupe clients in several rooms", async () => {
      await emitter.to("room1").emit("one");
      await emitter.in("room2").emit("two");
      await emitter.to(["room1", "room2"]).emit("both");
      await emitter.to("room1").to("room2").emit("chained");
      const [a, b, c] = await received();
      assert.deepEqual(a, [["one"], ["both"], ["chained"]]);
      assert.deepEqual(b, [["two"], ["both"], ["chained"]]);
      assert.deepEqual(c, [["one"], ["two"], ["both"], ["chained"]]);
    });

    test("except() leaves out rooms and socket ids", async () => {
      await emitter.except("room1").emit("not-room1");
      await emitter.to("room2").except("room1").emit("room2-only");
      await emitter.except(c1.id as string).emit("not-c1");
      await emitter.except(["room2", "nothing"]).emit("not-room2");
      const [a, b, c] = await received();
      assert.deepEqual(a, [["not-room2"]]);
      assert.deepEqual(b, [["not-room1"], ["room2-only"], ["not-c1"]]);
      assert.deepEqual(c, [["not-c1"]]);
    });

    test("a socket id works as a room", async () => {
      await emitter.to(c2.id as string).emit("direct", "hi");
      const [a, b, c] = await received();
      assert.deepEqual([a, b, c], [[], [["direct", "hi"]], []]);
    });

    test("volatile and compress(bool) are delivered to ready clients", async () => {
      // A volatile packet is dropped while the connection is still writing the previous one, so each emit
      // waits until its clients got it before the next.
      const v = [c1, c2, c3].map((c) => next(c, "v"));
      await emitter.volatile.emit("v", 1);
      await Promise.all(v);
      const nc = [c1, c2, c3].map((c) => next(c, "nc"));
      await emitter.compress(false).emit("nc", 2);
      await Promise.all(nc);
      const both = [c1, c3].map((c) => next(c, "both"));
      await emitter.to("room1").compress(true).volatile.emit("both", 3);
      await Promise.all(both);
      const [a, b, c] = await received();
      assert.deepEqual(a, [
        ["v", 1],
        ["nc", 2],
        ["both", 3],
      ]);
      assert.deepEqual(b, [
        ["v", 1],
        ["nc", 2],
      ]);
      assert.deepEqual(c, [
        ["v", 1],
        ["nc", 2],
        ["both", 3],
      ]);
    });

    test("binary, Dates and toJSON() values arrive as the adapter and parser deliver them", async () => {
      const date = new Date("2026-11-25T10:00:00.123Z");
      const custom = { toJSON: () => ({ custom: true }) };
      await emitter.emit("bin", Buffer.from([1, 2, 3]), new Uint8Array([4, 5]).buffer, { nested: Buffer.from("hi") });
      await emitter.emit("date", date, custom);
      const [a] = await received();
      const [bin, dated] = a as [unknown[], unknown[]];
      assert.equal(bin[0], "bin");
      assert.deepEqual(Buffer.from(bin[1] as Uint8Array), Buffer.from([1, 2, 3]));
      assert.deepEqual(Buffer.from(bin[2] as Uint8Array), Buffer.from([4, 5]));
      assert.deepEqual(Buffer.from((bin[3] as { nested: Uint8Array }).nested), Buffer.from("hi"));
      assert.deepEqual(dated, ["date", date.toISOString(), { custom: true }]);
    });

    test("operators are immutable: rooms and flags never leak into the next call", async () => {
      const room1 = emitter.to("room1");
      room1.to("room2");
      room1.except("room1");
      void room1.volatile;
      emitter.to("room2");
      await room1.emit("r1");
      await emitter.emit("all");
      const [a, b, c] = await received();
      assert.deepEqual(a, [["r1"], ["all"]]);
      assert.deepEqual(b, [["all"]]);
      assert.deepEqual(c, [["r1"], ["all"]]);
    });

    test("reserved event names and unencodable values throw a clear error", () => {
      for (const ev of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
        assert.throws(() => emitter.emit(ev), new RegExp(`"${ev}" is a reserved event name`));
        assert.throws(() => emitter.to("room1").emit(ev), /reserved event name/);
      }
      assert.throws(() => emitter.emit("big", 10n), /cannot encode/);
      // server-side events: the names a Socket.IO namespace emits itself or an EventEmitter treats specially
      for (const ev of ["connect", "connection", "new_namespace", "error", "newListener", "removeListener"]) {
        assert.throws(() => emitter.serverSideEmit(ev), new RegExp(`"${ev}" is a reserved event name`));
      }
      emitter.serverSideEmit("disconnect"); // an ordinary name between servers
    });

    test("serverSideEmitWithAck with a reserved name rejects rather than throws", async () => {
      await assert.rejects(emitter.serverSideEmitWithAck("error"), /"error" is a reserved event name/);
    });

    test('of("admin") adds the missing "/" and reaches only that namespace', async () => {
      const admin = emitter.of("admin");
      assert.equal(admin.nsp, "/admin");
      const a1 = await cluster.client(0, { nsp: "/admin", rooms: ["ops"] });
      const a2 = await cluster.client(1, { nsp: "/admin" });
      try {
        const got1 = next(a1, "admin-news");
        const got2 = next(a2, "admin-news");
        const opsOnly = next(a1, "ops");
        await admin.emit("admin-news", 42);
        await admin.to("ops").emit("ops");
        assert.deepEqual(await got1, [42]);
        assert.deepEqual(await got2, [42]);
        await opsOnly;
        const [a, b, c] = await received();
        assert.deepEqual([a, b, c], [[], [], []]);
      } finally {
        a1.disconnect();
        a2.disconnect();
      }
    });

    test("socketsJoin / socketsLeave change rooms on every server", async () => {
      await emitter.in("room1").socketsJoin(["joined", "other"]);
      await emitter.to("joined").emit("after-join");
      let [a, b, c] = await received();
      assert.deepEqual([a, b, c], [[["after-join"]], [], [["after-join"]]]);
      const socketOnB = cluster.nodes[1]?.io.of("/").sockets.get(c3.id as string);
      assert.ok(socketOnB?.rooms.has("joined") && socketOnB.rooms.has("other"));

      await emitter.in("room2").except("room1").socketsJoin("joined");
      await emitter.socketsLeave("other");
      await emitter.in("room2").socketsLeave("joined");
      await emitter.to("joined").emit("after-leave");
      await emitter.to("other").emit("nobody");
      [a, b, c] = await received();
      assert.deepEqual([a, b, c], [[["after-leave"]], [], []]);
      assert.equal(socketOnB?.rooms.has("other"), false);
      await emitter.socketsLeave("joined");
    });

    test("disconnectSockets() disconnects the selected sockets, with close the transport too", async () => {
      const d1 = await cluster.client(0, { rooms: ["doomed"] });
      const d2 = await cluster.client(1, { rooms: ["doomed", "closing"] });
      const d3 = await cluster.client(1, { rooms: ["spared"] });
      const spared = new Recorder(d3);
      // a second namespace on the same connection shows whether the connection itself was closed
      const [d1admin, d2admin] = [d1, d2].map((d) => d.io.socket("/admin").connect()) as [ClientSocket, ClientSocket];
      await Promise.all([next(d1admin, "connect"), next(d2admin, "connect")]);
      const gone1 = next(d1, "disconnect");
      const gone2 = next(d2, "disconnect");
      const closed2 = next(d2admin, "disconnect");
      await emitter.in("closing").disconnectSockets(true);
      assert.deepEqual(await gone2, ["io server disconnect", undefined]);
      await closed2; // close = true took the whole connection, its other namespace included
      await emitter.in("doomed").except("spared").disconnectSockets();
      assert.deepEqual(await gone1, ["io server disconnect", undefined]);
      await emitter.emit("barrier", "spared");
      await spared.until("spared");
      assert.equal(d3.connected, true);
      assert.equal(d1admin.connected, true); // close = false keeps the connection
      d1admin.disconnect();
      d3.disconnect();
    });

    test("serverSideEmit() reaches the listeners of every server", async () => {
      const onA = next(cluster.nodes[0]?.io as never, "refresh");
      const onB = next(cluster.nodes[1]?.io as never, "refresh");
      await emitter.serverSideEmit("refresh", { all: true }, 2);
      assert.deepEqual(await onA, [{ all: true }, 2]);
      assert.deepEqual(await onB, [{ all: true }, 2]);
    });
  });
}
