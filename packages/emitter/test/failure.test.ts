// When Redis is down every publishing call rejects, and an ignored promise never becomes an unhandled rejection
// (the official emitter drops the publish promise, so the same failure crashes the process).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Emitter, SioRedisError } from "../src/index.js";
import { until } from "./helpers.js";

let redis: RedisServer;
const unhandled: unknown[] = [];
const spy = (reason: unknown) => unhandled.push(reason);

before(async () => {
  redis = await startRedisServer();
  process.on("unhandledRejection", spy);
});

after(async () => {
  process.off("unhandledRejection", spy);
  await redis?.stop();
});

/** Lets pending rejections be reported: unhandledRejection fires after the microtask queue drains. */
async function settleRejectionTracking(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

test("with Redis down, every call rejects and ignored promises stay handled", async () => {
  // Clients set to fail fast rather than queue commands until Redis is back (both libraries' defaults queue).
  const nodeRedis = createClient({ url: redis.url, disableOfflineQueue: true });
  nodeRedis.on("error", () => {});
  await nodeRedis.connect();
  const ioredis = new Redis(redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    disconnectTimeout: 10,
  });
  ioredis.on("error", () => {});
  await ioredis.connect();
  const nodeSub = nodeRedis.duplicate();
  nodeSub.on("error", () => {});
  await nodeSub.connect();

  const emitters = {
    "node-redis": new Emitter(nodeRedis, { subClient: nodeSub, requestsTimeout: 500 }),
    ioredis: new Emitter(ioredis),
  };
  // sanity: both work while Redis is up
  for (const emitter of Object.values(emitters)) await emitter.emit("up");

  await redis.stop();
  await until(() => !nodeRedis.isReady && ioredis.status !== "ready", "both clients to notice Redis is gone");

  try {
    for (const [library, emitter] of Object.entries(emitters)) {
      // ignored promises first: if any escaped, the spy would see it
      void emitter.emit("ignored", 1);
      emitter.to("room1").emit("ignored");
      emitter.socketsJoin("x");
      emitter.serverSideEmit("ignored");
      emitter.serverCount();

      const calls: Array<[string, () => Promise<unknown>]> = [
        ["emit", () => emitter.emit("hello", "world")],
        ["to().volatile.emit", () => emitter.to("room1").volatile.emit("hello")],
        ["socketsJoin", () => emitter.socketsJoin("room2")],
        ["socketsLeave", () => emitter.in("room1").socketsLeave("room2")],
        ["disconnectSockets", () => emitter.disconnectSockets(true)],
        ["serverSideEmit", () => emitter.serverSideEmit("ping", 1)],
        ["serverCount", () => emitter.serverCount()],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(call(), Error, `${library}: ${name} should reject`);
      }
    }
    // a query whose subscription cannot be made rejects too
    await assert.rejects(emitters["node-redis"].fetchSockets(), Error);
    void emitters["node-redis"].fetchSockets();
    void emitters["node-redis"].timeout(100).emitWithAck("x");

    await settleRejectionTracking();
    assert.deepEqual(unhandled, [], "no unhandled rejection");
  } finally {
    await Promise.allSettled([nodeRedis.destroy(), nodeSub.destroy()]);
    ioredis.disconnect();
  }
});

test("an emitter with a closed client rejects instead of throwing", async () => {
  const client = createClient({ url: "redis://127.0.0.1:1" }); // never connected
  const emitter = new Emitter(client);
  await assert.rejects(emitter.emit("x"), /closed/i);
  void emitter.emit("ignored");
  await settleRejectionTracking();
  assert.deepEqual(unhandled, []);
});

test("new Emitter(null) works like the official one's: of() and operators are fine, publishing rejects clearly", async () => {
  // the official emitter only needs its client to publish: code that builds emitters first must not throw
  const emitter = new Emitter(null);
  const admin = emitter.of("admin").to("room1").volatile;
  assert.equal(emitter.of("admin").nsp, "/admin");
  await assert.rejects(admin.emit("hello"), (err) => err instanceof SioRedisError && err.code === "NO_CLIENT");
  await assert.rejects(emitter.serverSideEmit("ping"), /no Redis client/);
  await assert.rejects(emitter.serverCount(), /no Redis client/);
  await settleRejectionTracking();
  assert.deepEqual(unhandled, []);
});
