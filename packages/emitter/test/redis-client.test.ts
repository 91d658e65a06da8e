// The client seam with recording doubles (a real Redis would only hide the batching being checked): the publish
// script and its fallbacks, pipelining, ordering, flow control, errors, PUBSUB NUMSUB.
import assert from "node:assert/strict";
import { test } from "node:test";
import { wrapRedisClient } from "../src/index.js";

type Pending = { messages: string[]; resolve(): void; reject(err: Error): void };

/**
 * A node-redis-shaped double whose pipelines settle only when the test says so. Like a Redis user without the
 * scripting commands, it refuses EVALSHA, so batches take the pipeline path.
 */
function nodeRedisDouble() {
  const pipelines: Pending[] = [];
  const singles: string[] = [];
  const client = {
    pSubscribe() {},
    sendCommand: async (args: Array<string | Buffer>) => {
      if (args[0] === "EVALSHA") throw new Error("NOPERM this user has no permissions to run the 'evalsha' command");
      return [args[2], "3"];
    },
    publish(channel: string, message: string | Buffer) {
      singles.push(`${channel}:${message}`);
      return Promise.resolve(1);
    },
    multi() {
      const messages: string[] = [];
      return {
        publish(channel: string, message: string | Buffer) {
          messages.push(`${channel}:${message}`);
        },
        execAsPipeline() {
          return new Promise<unknown>((resolve, reject) => {
            pipelines.push({ messages, resolve: () => resolve(messages.map(() => 1)), reject });
          });
        },
      };
    },
  };
  return { client, pipelines, singles };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("publishes go out as ordered batches of at most 256, 4 at a time, full ones at once", async () => {
  const { client, pipelines, singles } = nodeRedisDouble();
  const seam = wrapRedisClient(client);
  const promises = Array.from({ length: 1200 }, (_, i) => seam.publish("ch", String(i)));
  assert.equal(promises[0], promises[255], "one promise per batch");
  assert.notEqual(promises[255], promises[256]);
  // the EVALSHA refusal costs this double one round trip before its first pipeline
  await tick();
  await tick();
  assert.deepEqual(
    pipelines.map((p) => p.messages.length),
    [256, 256, 256, 256],
    "4 in flight, the rest queued",
  );
  pipelines[0]?.resolve();
  await promises[0];
  await tick();
  assert.deepEqual(
    pipelines.map((p) => p.messages.length),
    [256, 256, 256, 256, 176],
  );
  for (const p of pipelines.slice(1)) p.resolve();
  await Promise.all(promises);
  const sent = pipelines.flatMap((p) => p.messages);
  assert.deepEqual(
    sent,
    Array.from({ length: 1200 }, (_, i) => `ch:${i}`),
  );
  assert.deepEqual(singles, []);

  // a lone publish skips the pipeline
  await seam.publish("solo", "x");
  assert.deepEqual(singles, ["solo:x"]);
});

test("a failed pipeline rejects its callers only, and an ignored rejection is handled", async () => {
  const { client, pipelines } = nodeRedisDouble();
  const seam = wrapRedisClient(client);
  const first = Array.from({ length: 257 }, (_, i) => seam.publish("ch", String(i)));
  await tick();
  await tick();
  pipelines[0]?.reject(new Error("connection lost"));
  // (the 257th message went alone: a single publish)
  await assert.rejects(first[0] as Promise<void>, /connection lost/);
  await first[256];
  let unhandled = 0;
  const spy = () => unhandled++;
  process.on("unhandledRejection", spy);
  try {
    void seam.publish("ch", "a");
    void seam.publish("ch", "b");
    await tick();
    pipelines.at(-1)?.reject(new Error("down"));
    await tick();
    await tick();
    assert.equal(unhandled, 0);
  } finally {
    process.off("unhandledRejection", spy);
  }
});

test("ioredis pipelines: a per-command error rejects the batch", async () => {
  const sent: string[] = [];
  const client = {
    psubscribe() {},
    on() {},
    call: async (command: string) => {
      if (command === "EVALSHA") throw new Error("ERR unknown command 'EVALSHA'");
      return ["ch", 2];
    },
    publish: async () => 1,
    pipeline() {
      return {
        publish(channel: string) {
          sent.push(channel);
        },
        exec: async () => sent.map((c) => [c === "bad" ? new Error("ERR bad") : null, 1] as [Error | null, unknown]),
      };
    },
  };
  const seam = wrapRedisClient(client);
  assert.equal(seam.library, "ioredis");
  await Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]);
  assert.deepEqual(sent, ["a", "b"]);
  await assert.rejects(Promise.all([seam.publish("ok", "1"), seam.publish("bad", "2")]), /ERR bad/);
  assert.equal(await seam.numsub("ch"), 2);
});

test("PUBSUB NUMSUB: string counts, ioredis Cluster sums its nodes, garbage is an error", async () => {
  const { client } = nodeRedisDouble();
  assert.equal(await wrapRedisClient(client).numsub("x"), 3);
  const node = (n: number) => ({ psubscribe() {}, on() {}, publish: async () => 0, call: async () => ["x", n] });
  const cluster = { ...node(0), isCluster: true, nodes: () => [node(1), node(2), node(4)] };
  assert.equal(await wrapRedisClient(cluster).numsub("x"), 7);
  const broken = { ...node(0), call: async () => "OK" };
  await assert.rejects(wrapRedisClient(broken).numsub("x"), /unexpected PUBSUB NUMSUB reply/);
});

test("one seam per client; anything without publish() is refused by name", () => {
  const { client } = nodeRedisDouble();
  assert.equal(wrapRedisClient(client), wrapRedisClient(client));
  assert.throws(() => wrapRedisClient({}, "subClient"), /subClient must be a node-redis \(≥ 4\) or ioredis client/);
  assert.throws(() => wrapRedisClient(null), TypeError);
});

/** A node-redis-shaped double that runs the publish script: records each EVALSHA/EVAL and its arguments. */
function scriptingDouble(cached: boolean) {
  const commands: Array<Array<string | Buffer>> = [];
  const client = {
    pSubscribe() {},
    sendCommand: async (args: Array<string | Buffer>) => {
      commands.push(args);
      if (args[0] === "EVALSHA" && !cached) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
      if (args[0] === "EVAL") cached = true;
      return 0;
    },
    publish: async () => 1,
  };
  return { client, commands };
}

test("a tick's publishes go out as one EVALSHA of the publish script, in order, in runs per channel", async () => {
  const { client, commands } = scriptingDouble(true);
  const seam = wrapRedisClient(client);
  await Promise.all([
    seam.publish("a", "1"),
    seam.publish("a", Buffer.from("2")),
    seam.publish("b", "3"),
    seam.publish("a", "4"),
  ]);
  assert.equal(commands.length, 1);
  const [command, sha, keys, ...runs] = commands[0] ?? [];
  assert.equal(command, "EVALSHA");
  assert.match(String(sha), /^[0-9a-f]{40}$/);
  assert.equal(keys, "0");
  // channel, how many messages, the messages; again for each change of channel
  assert.deepEqual(
    runs.map((x) => x.toString()),
    ["a", "2", "1", "2", "b", "1", "3", "a", "1", "4"],
  );
});

test("a server without the script cached gets its body once through EVAL, then EVALSHA again", async () => {
  const { client, commands } = scriptingDouble(false);
  const seam = wrapRedisClient(client);
  await Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]);
  await Promise.all([seam.publish("c", "3"), seam.publish("d", "4")]);
  assert.deepEqual(
    commands.map((c) => c[0]),
    ["EVALSHA", "EVAL", "EVALSHA"],
  );
  assert.match(String(commands[1]?.[1]), /redis\.call\('PUBLISH'/);
});

test("a connection failure during EVALSHA rejects the batch without giving up on scripts", async () => {
  let fail = true;
  const commands: string[] = [];
  const client = {
    pSubscribe() {},
    sendCommand: async (args: Array<string | Buffer>) => {
      commands.push(String(args[0]));
      if (fail) throw new Error("The client is closed");
      return 1;
    },
    publish: async () => 1,
    multi() {
      throw new Error("must not fall back to pipelines");
    },
  };
  const seam = wrapRedisClient(client);
  await assert.rejects(Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]), /client is closed/);
  fail = false;
  await Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]);
  assert.deepEqual(commands, ["EVALSHA", "EVALSHA"]);
});
