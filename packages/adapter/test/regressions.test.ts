// Behaviour a review of the adapter found wrong, each checked on a real 2–3 server cluster: numeric rooms, the
// order of acknowledged broadcasts, application callbacks that throw, a customHook that fails, and the
// @socket.io/redis-adapter-style default export.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import redisAdapter, { type RedisAdapter } from "../src/index.js";
import { type Cluster, oursKind, record, startCluster, until, within } from "./harness.js";

let redis: RedisServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

before(async () => {
  redis = await startRedisServer();
  process.on("unhandledRejection", onUnhandled);
});

after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await redis?.stop();
});

function adapterOf(c: Cluster, index: number): RedisAdapter {
  return c.servers[index]?.io.of("/").adapter as unknown as RedisAdapter;
}

for (const multiplexing of [true, false]) {
  describe(`regressions, ${oursKind(multiplexing).label}`, { concurrency: 1 }, () => {
    let c: Cluster;
    before(async () => {
      const kind = oursKind(multiplexing);
      c = await startCluster({ redisUrl: redis.url, library: "node-redis", adapters: [kind, kind, kind] });
    });
    after(async () => {
      await c?.close();
    });

    test("a numeric room joined on one server gets broadcasts from another", async () => {
      const member = c.clients[1]?.[0];
      assert.ok(member);
      // Socket.IO keeps the number as the room key; the channel name spells it as text
      await c.serverSocket(member).socket.join(7 as unknown as string);
      const [rec] = record([member]);
      await until(async () => {
        c.servers[0]?.io.to(7 as unknown as string).emit("numeric", 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return (rec?.events.length ?? 0) > 0;
      }, "a broadcast to room 7 from server 0");
      assert.deepEqual(rec?.events[0], ["numeric", [1]]);
    });

    test("rooms that are one channel on the wire (a lone surrogate and U+FFFD) are one room everywhere", async () => {
      const [x, y] = [c.clients[1]?.[0], c.clients[1]?.[1]];
      assert.ok(x && y);
      const lone = "\uD800";
      const replacement = "\uFFFD";
      await c.join(x, lone);
      await c.join(y, replacement);
      assert.ok(c.serverSocket(x).socket.rooms.has(replacement), "the lone surrogate is held as U+FFFD");
      // a broadcast to either name, from another server or this one, reaches both members
      const recs = record([x, y]);
      for (const i of [0, 1]) {
        c.servers[i]?.io.to(lone).emit("to-lone");
        c.servers[i]?.io.to(replacement).emit("to-replacement");
        c.servers[i]?.io.emit("barrier", `u${i}`);
        for (const rec of recs) {
          assert.deepEqual(
            (await rec.until(`u${i}`)).map(([e]) => e),
            ["to-lone", "to-replacement"],
            `from server ${i}`,
          );
        }
      }
      // one member leaves under the other name: the room, and its subscription, stay for the other one
      await c.serverSocket(x).socket.leave(lone);
      assert.ok(!c.serverSocket(x).socket.rooms.has(replacement), "x left");
      const [after] = record([y]);
      c.servers[0]?.io.to(replacement).emit("still-there");
      c.servers[0]?.io.emit("barrier", "u3");
      assert.deepEqual(
        (await after?.until("u3"))?.map(([e]) => e),
        ["still-there"],
      );
      await c.serverSocket(y).socket.leave(replacement);
    });

    test("an acknowledged broadcast keeps its place before a later plain broadcast", async () => {
      const remote = c.clients[1]?.[0];
      assert.ok(remote);
      const order: string[] = [];
      const done = new Promise<void>((resolve) => {
        remote.on("first", (_n: number, ack: (v: string) => void) => {
          order.push("first");
          ack("ok");
        });
        remote.on("second", () => {
          order.push("second");
          resolve();
        });
      });
      c.servers[0]?.io.timeout(1000).emit("first", 1, () => {});
      c.servers[0]?.io.emit("second");
      await within(done, "both broadcasts on server 1's client");
      remote.off("first");
      remote.off("second");
      assert.deepEqual(order, ["first", "second"]);
    });

    test("a serverSideEmit ack callback that throws: Node gets the exception as uncaught, never as a rejection", async () => {
      for (const s of c.servers) s.io.on("ping-throw", (cb: (v: number) => void) => cb(s.index));
      const adapter = adapterOf(c, 0);
      const before = adapter.counters.errors;
      const thrown: unknown[] = [];
      // what the application would see as an uncaught exception (its test runner reports it as a failure)
      process.setUncaughtExceptionCaptureCallback((err) => thrown.push(err));
      try {
        c.servers[0]?.io.serverSideEmit("ping-throw", () => {
          throw new Error("application bug");
        });
        await until(() => thrown.length > 0, "the exception");
        assert.match((thrown[0] as Error).message, /application bug/);
        assert.equal(adapter.counters.errors, before + 1);
        assert.deepEqual(unhandled, []);
      } finally {
        process.setUncaughtExceptionCaptureCallback(null);
        for (const s of c.servers) s.io.removeAllListeners("ping-throw");
      }
    });

    test("the socket.io-redis API without a callback: an ignored failure is no unhandled rejection", async () => {
      const adapter = adapterOf(c, 0);
      // fire and forget, as socket.io-redis code does: the socket does not exist, so each call fails
      adapter.remoteDisconnect("no-such-socket", false);
      adapter.remoteJoin("no-such-socket", "room");
      adapter.clientRooms("no-such-socket");
      // awaited, the same call still throws
      await assert.rejects(adapter.remoteLeave("no-such-socket", "room") as Promise<void>, /no socket/);
      await until(() => adapter.pendingRequests === 0, "the ignored calls to fail");
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    });

    test("a customHook that throws answers null instead of leaving the request waiting", async () => {
      const asking = adapterOf(c, 0);
      adapterOf(c, 1).customHook = () => {
        throw new Error("hook bug");
      };
      asking.customHook = () => {
        throw new Error("own hook bug");
      };
      try {
        const started = Date.now();
        const replies = await asking.customRequest("q");
        assert.ok(Date.now() - started < asking.requestsTimeout, "answered before the deadline");
        assert.deepEqual(replies, [null, null, null]);
      } finally {
        for (const i of [0, 1]) adapterOf(c, i).customHook = (_d, reply) => reply(null);
      }
    });
  });
}

test("the default export also takes (pubClient, subClient, opts), like @socket.io/redis-adapter's", async () => {
  const c = await startCluster({
    redisUrl: redis.url,
    library: "node-redis",
    adapters: [
      (pub, sub, { key, requestsTimeout }) => redisAdapter(pub, sub, { key, requestsTimeout }),
      oursKind(true),
    ],
  });
  try {
    const factoryAdapter = adapterOf(c, 0);
    assert.equal(factoryAdapter.pubClient, c.servers[0]?.redis.pub);
    assert.equal(await factoryAdapter.serverCount(), 2);
    const sockets = await c.servers[0]?.io.fetchSockets();
    assert.equal(sockets?.length, c.all.length);
  } finally {
    await c.close();
  }
});

test("io.close() after the application closed its node-redis clients does not wait for Redis", async () => {
  const { createClient } = await import("redis");
  const { Server } = await import("socket.io");
  const { createAdapter } = await import("../src/index.js");
  const pub = createClient({ url: redis.url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const { createServer } = await import("node:http");
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { requestsTimeout: 2000 }) });
  await (io.of("/").adapter as unknown as RedisAdapter).init();
  await Promise.all([pub.close(), sub.close()]);
  const started = Date.now();
  await within(new Promise<void>((resolve) => io.close(() => resolve())), "io.close()");
  // half the requestsTimeout: a local close takes a few ms, but a loaded machine may not run this process for a while
  assert.ok(Date.now() - started < 1000, `closed in ${Date.now() - started} ms, not after requestsTimeout (2000)`);
});
