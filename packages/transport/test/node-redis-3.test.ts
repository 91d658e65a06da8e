// node-redis 3 (`redis@3`, the callback API socket.io-redis 5 applications still use) against a real Redis:
// batched publishing (the publish script, and batch()/multi() pipelines where scripts are refused), PUBSUB NUMSUB,
// subscriptions with exact bytes, the connection's states, and a reconnection after Redis restarts.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { next, type RedisServer, startRedisServer, within } from "@sio-redis/testing";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { createClient as createClient4 } from "redis4";
import { isIoRedis, isNodeRedis, isNodeRedis3, subscriptionsOf, wrapRedisClient } from "../src/index.js";
import { until } from "./helpers.js";

type Callback = (err: Error | null, reply?: unknown) => void;

interface Pipeline3 {
  publish(channel: string, message: string | Buffer): Pipeline3;
  exec(callback: Callback): boolean;
}

/** As much of a node-redis 3 client as these tests use (the package ships no types). */
interface Redis3 {
  readonly ready: boolean;
  readonly connected: boolean;
  readonly closing: boolean;
  publish(channel: string, message: string | Buffer, callback?: Callback): boolean;
  batch?: () => Pipeline3;
  multi(): Pipeline3;
  quit(callback?: Callback): boolean;
  end(flush: boolean): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface Redis3Options {
  host: string;
  port: number;
  user?: string;
  password?: string;
  return_buffers?: boolean;
}

const redis3 = createRequire(import.meta.url)("redis3") as { createClient(options: Redis3Options): Redis3 };

let redis: RedisServer;
let admin: ReturnType<typeof createClient>;

before(async () => {
  redis = await startRedisServer();
  admin = createClient({ url: redis.url });
  await admin.connect();
  // a user who may publish and subscribe but not run scripts, as some managed Redis offerings set it up
  await admin.sendCommand(["ACL", "SETUSER", "noscripts", "on", ">secret", "+@all", "-@scripting", "~*", "&*"]);
  // the same, allowed to publish only to channels starting with "allowed-"
  await admin.sendCommand(["ACL", "SETUSER", "narrow", "on", ">secret", "+@all", "-@scripting", "~*", "&allowed-*"]);
});

after(async () => {
  await admin?.close();
  await redis?.stop();
});

/** A node-redis 3 client (it connects by itself) once it is ready; errors are the test's to look at, not fatal. */
async function connect3(port: number, options: Partial<Redis3Options> = {}): Promise<Redis3> {
  const client = redis3.createClient({ host: "127.0.0.1", port, ...options });
  client.on("error", () => {});
  await next(client, "ready");
  return client;
}

/** QUIT, or a forced close if Redis does not answer within a second. */
async function quit3(client: Redis3): Promise<void> {
  try {
    await within(new Promise<void>((resolve) => client.quit(() => resolve())), "node-redis 3 QUIT", 1000);
  } catch {
    client.end(true);
  }
}

async function commandCalls(command: string): Promise<number> {
  const info = String(await admin.sendCommand(["INFO", "commandstats"]));
  const line = info.split("\r\n").find((l) => l.startsWith(`cmdstat_${command}:`));
  return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
}

/** A payload that is not valid UTF-8, so that any decoding on the way would show. */
const bytes = (i: number) => Buffer.from([0xff, 0x00, 0xc3, i & 0xff, (i >> 8) & 0xff]);

/** Publishes `count` binary messages to `channel` through `seam`, all in one tick; returns what a subscriber got. */
async function publishAndCollect(seam: ReturnType<typeof wrapRedisClient>, channel: string, count: number) {
  const sub = createClient({ url: redis.url });
  await sub.connect();
  const received: Buffer[] = [];
  await sub.subscribe(channel, (message) => received.push(message), true);
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => seam.publish(channel, bytes(i))));
    await until(() => received.length >= count, `${count} messages on ${channel}`);
    return received;
  } finally {
    await sub.close();
  }
}

const expected = (count: number) => Array.from({ length: count }, (_, i) => bytes(i));

/** Counts calls of one of `client`'s methods, still calling it. */
function spy(client: Redis3, method: "batch" | "multi"): { calls: number } {
  const original = client[method]?.bind(client);
  const counter = { calls: 0 };
  Object.assign(client, {
    [method]: () => {
      counter.calls++;
      return original?.();
    },
  });
  return counter;
}

test("node-redis 3 is told apart from node-redis ≥ 4 and ioredis, and gets its own seam", async () => {
  const v3 = await connect3(redis.port);
  const v4 = createClient4({ url: redis.url });
  const v6 = createClient({ url: redis.url });
  const io = new Redis(redis.url, { lazyConnect: true });
  try {
    assert.equal(isNodeRedis3(v3), true);
    assert.equal(isNodeRedis(v3), false);
    assert.equal(isIoRedis(v3), false);
    for (const other of [v4, v6, io, { publish() {} }, null, "redis"]) assert.equal(isNodeRedis3(other), false);
    const seam = wrapRedisClient(v3);
    assert.equal(seam.library, "node-redis-3");
    assert.equal(seam.cluster, false);
    assert.equal(seam.state(), "ready");
    assert.equal(wrapRedisClient(v3), seam, "one seam per client");
  } finally {
    await quit3(v3);
  }
});

test("a burst goes through the publish script, in order and byte for byte", async () => {
  const client = await connect3(redis.port);
  const batches = spy(client, "batch");
  try {
    const before = { eval: await commandCalls("eval"), publish: await commandCalls("publish") };
    const received = await publishAndCollect(wrapRedisClient(client), "burst-v3", 1500);
    assert.deepEqual(received, expected(1500));
    assert.ok((await commandCalls("eval")) > before.eval, "the publish script was used");
    assert.equal((await commandCalls("publish")) - before.publish, 1500);
    assert.equal(batches.calls, 0, "no pipeline while scripts work");
  } finally {
    await quit3(client);
  }
});

test("a user without scripting: batches go as batch() pipelines, or multi() for a client without batch()", async () => {
  const client = await connect3(redis.port, { user: "noscripts", password: "secret" });
  const batches = spy(client, "batch");
  try {
    const seam = wrapRedisClient(client);
    assert.deepEqual(await publishAndCollect(seam, "fallback-v3", 1200), expected(1200));
    assert.ok(batches.calls >= 1, "pipelined through batch()");
    // a lone message skips the pipeline
    const calls = batches.calls;
    assert.deepEqual(await publishAndCollect(seam, "lone-v3", 1), expected(1));
    assert.equal(batches.calls, calls);
  } finally {
    await quit3(client);
  }
  const old = await connect3(redis.port, { user: "noscripts", password: "secret" });
  Object.assign(old, { batch: undefined });
  const multis = spy(old, "multi");
  try {
    assert.deepEqual(await publishAndCollect(wrapRedisClient(old), "multi-v3", 600), expected(600));
    assert.ok(multis.calls >= 1, "pipelined through multi()");
  } finally {
    await quit3(old);
  }
});

test("a PUBLISH refused inside a pipeline rejects its batch; the others went out once", async () => {
  const client = await connect3(redis.port, { user: "narrow", password: "secret" });
  const sub = createClient({ url: redis.url });
  await sub.connect();
  const received: string[] = [];
  await sub.subscribe("allowed-v3", (message) => received.push(message));
  try {
    const seam = wrapRedisClient(client);
    await assert.rejects(
      Promise.all([seam.publish("allowed-v3", "first"), seam.publish("forbidden-v3", "x")]),
      /NOPERM/,
    );
    // Redis delivers in order: once the sentinel is in, a duplicate of "first" would be too
    await seam.publish("allowed-v3", "sentinel");
    await until(() => received.includes("sentinel"), "the sentinel");
    assert.deepEqual(received, ["first", "sentinel"]);
  } finally {
    await sub.close();
    await quit3(client);
  }
});

test("PUBSUB NUMSUB: one count per channel, in the order asked", async () => {
  const client = await connect3(redis.port);
  const subs = [createClient({ url: redis.url }), createClient({ url: redis.url })];
  await Promise.all(subs.map((s) => s.connect()));
  try {
    await Promise.all(subs.map((s) => s.subscribe("numsub-two", () => {})));
    await subs[0]?.subscribe("numsub-one", () => {});
    assert.deepEqual(await wrapRedisClient(client).numsub(["numsub-one", "numsub-none", "numsub-two"]), [1, 0, 2]);
  } finally {
    await Promise.all(subs.map((s) => s.close()));
    await quit3(client);
  }
});

test("subscriptions: channels and patterns get every byte; unsubscribed ones get nothing more", async () => {
  const pub = await connect3(redis.port);
  const sub = await connect3(redis.port);
  try {
    const seam = wrapRedisClient(pub);
    const subs = subscriptionsOf(sub, { role: "subClient" });
    const got: string[] = [];
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const onChannel = (channel: string, message: Buffer) => got.push(`${channel} ${message.equals(all)}`);
    const onPattern = (channel: string, message: Buffer) => got.push(`pattern ${channel} ${message.equals(all)}`);
    await subs.subscribe(["bin-a", "bin-b"], onChannel);
    await subs.psubscribe(["pat-*"], onPattern);
    await Promise.all([seam.publish("bin-a", all), seam.publish("bin-b", all), seam.publish("pat-1", all)]);
    await until(() => got.length >= 3, "3 messages");
    assert.deepEqual(got.sort(), ["bin-a true", "bin-b true", "pattern pat-1 true"]);

    got.length = 0;
    await subs.unsubscribe(["bin-a"], onChannel);
    await subs.punsubscribe(["pat-*"], onPattern);
    assert.deepEqual(await seam.numsub(["bin-a", "bin-b"]), [0, 1]);
    await Promise.all([seam.publish("bin-a", all), seam.publish("pat-1", all), seam.publish("bin-b", all)]);
    // in order on one connection: once bin-b's message is in, the other two would be too
    await until(() => got.length >= 1, "the message on bin-b");
    assert.deepEqual(got, ["bin-b true"]);
  } finally {
    await Promise.all([quit3(pub), quit3(sub)]);
  }
});

test("a client created with return_buffers (which never emits messageBuffer) gets its messages too", async () => {
  const pub = await connect3(redis.port, { return_buffers: true });
  const sub = await connect3(redis.port, { return_buffers: true });
  try {
    const got: Buffer[] = [];
    const subs = subscriptionsOf(sub);
    await subs.subscribe(["raw"], (_, message) => got.push(message));
    await subs.psubscribe(["raw-*"], (_, message) => got.push(message));
    const seam = wrapRedisClient(pub);
    await Promise.all([seam.publish("raw", bytes(1)), seam.publish("raw-x", bytes(2))]);
    await until(() => got.length >= 2, "2 messages");
    assert.deepEqual(got, [bytes(1), bytes(2)]);
    assert.deepEqual(await seam.numsub(["raw"]), [1]);
  } finally {
    await Promise.all([quit3(pub), quit3(sub)]);
  }
});

test("a subEvent node-redis 3 never emits is refused at once, naming the client", async () => {
  const sub = await connect3(redis.port);
  try {
    assert.throws(
      () => wrapRedisClient(sub, { role: "subClient", subEvent: "smessageBuffer" }),
      /subClient is a node-redis 3 client, which never emits "smessageBuffer"/,
    );
    // nothing was remembered: the default still works
    assert.equal(wrapRedisClient(sub, { role: "subClient" }).library, "node-redis-3");
  } finally {
    await quit3(sub);
  }
});

test("states and a Redis restart: publishes wait, subscriptions come back, then closed after QUIT", async () => {
  let server = await startRedisServer();
  const { port } = server;
  const pub = redis3.createClient({ host: "127.0.0.1", port });
  const sub = redis3.createClient({ host: "127.0.0.1", port });
  const errors: Error[] = [];
  try {
    const seam = wrapRedisClient(pub);
    const subs = subscriptionsOf(sub);
    // it connects by itself, but not synchronously
    assert.equal(seam.state(), "down");
    assert.equal(subs.seam.state(), "down");
    seam.onError((err) => errors.push(err));
    subs.seam.onError(() => {});
    await Promise.all([next(pub, "ready"), next(sub, "ready")]);
    assert.equal(seam.state(), "ready");

    const got: string[] = [];
    await subs.subscribe(["restart"], (channel, message) => got.push(`${channel}:${message}`));
    await subs.psubscribe(["restart-*"], (channel, message) => got.push(`${channel}:${message}`));
    const epoch = subs.epoch;

    await server.stop();
    await until(() => seam.state() === "down" && subs.seam.state() === "down", "both connections down");
    // waits in the publish queue, not in the client
    const queued = seam.publish("nobody", "during the outage");
    await until(() => errors.length > 0, "a connection error");
    assert.match(errors[0]?.message ?? "", /ECONNREFUSED/);

    server = await startRedisServer({ port });
    // node-redis 3 retries with a backoff from 200 ms up
    await until(() => seam.state() === "ready" && subs.seam.state() === "ready", "both connections ready", 5000);
    await within(queued, "the publish queued during the outage");
    await within(subs.ready(["restart"]), "the subscriptions after the restart");
    assert.ok(subs.epoch > epoch, "the reconnection counts as a new epoch");
    // node-redis 3 re-subscribed by itself and so did we: Redis counts the connection once
    assert.deepEqual(await seam.numsub(["restart"]), [1]);
    await until(async () => {
      // the pattern may come back a moment after the channel: ask until both arrived
      if (!got.includes("restart:back")) await seam.publish("restart", "back");
      if (!got.includes("restart-1:back")) await seam.publish("restart-1", "back");
      return got.includes("restart:back") && got.includes("restart-1:back");
    }, "messages after the restart");

    await Promise.all([quit3(pub), quit3(sub)]);
    assert.equal(seam.state(), "closed");
    assert.equal(subs.seam.state(), "closed");
    await assert.rejects(within(seam.publish("restart", "too late"), "a publish on a closed client"), /closed/);
  } finally {
    pub.end(true);
    sub.end(true);
    await server.stop();
  }
});
