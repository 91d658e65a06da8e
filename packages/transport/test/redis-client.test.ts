// The client seam with recording doubles (a real Redis would only hide the batching being checked): the publish
// script and its fallbacks, pipelining, ordering, flow control, errors, PUBSUB NUMSUB.
import assert from "node:assert/strict";
import { test } from "node:test";
import { subscriptionsOf, wrapRedisClient } from "../src/index.js";

type Pending = { messages: string[]; resolve(): void; reject(err: Error): void };

/**
 * A node-redis-shaped double whose pipelines settle only when the test says so. Like a Redis user without the
 * scripting commands, it refuses EVAL, so batches take the pipeline path.
 */
function nodeRedisDouble() {
  const pipelines: Pending[] = [];
  const singles: string[] = [];
  const client = {
    pSubscribe() {},
    sendCommand: async (args: Array<string | Buffer>) => {
      if (args[0] === "EVAL") throw new Error("NOPERM User x has no permissions to run the 'eval' command");
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
  // the EVAL refusal costs this double one round trip before its first pipeline
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
      if (command === "EVAL") throw new Error("ERR unknown command 'EVAL', with args beginning with: ");
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
  assert.deepEqual(await seam.numsub(["ch"]), [2]);
});

test("PUBSUB NUMSUB: string counts, ioredis Cluster sums its nodes, garbage is an error", async () => {
  const { client } = nodeRedisDouble();
  assert.deepEqual(await wrapRedisClient(client).numsub(["x"]), [3]);
  const node = (n: number) => ({ psubscribe() {}, on() {}, publish: async () => 0, call: async () => ["x", n] });
  const cluster = { ...node(0), isCluster: true, nodes: () => [node(1), node(2), node(4)] };
  assert.deepEqual(await wrapRedisClient(cluster).numsub(["x"]), [7]);
  const broken = { ...node(0), call: async () => "OK" };
  await assert.rejects(wrapRedisClient(broken).numsub(["x"]), /unexpected PUBSUB NUMSUB reply/);
});

test("one seam per client; anything without publish() is refused by name", () => {
  const { client } = nodeRedisDouble();
  assert.equal(wrapRedisClient(client), wrapRedisClient(client));
  assert.throws(() => wrapRedisClient({}, { role: "subClient" }), /subClient must be a node-redis or ioredis client/);
  assert.throws(() => wrapRedisClient(null), TypeError);
});

/**
 * A node-redis-shaped double that answers EVAL with `evalReply` (a value, or an Error to reject with) and records
 * every command; PUBLISH is recorded too, so a resent batch shows.
 */
function scriptingDouble(evalReply: () => unknown) {
  const commands: string[][] = [];
  const client = {
    pSubscribe() {},
    sendCommand: async (args: Array<string | Buffer>) => {
      commands.push(args.map(String));
      const reply = evalReply();
      if (reply instanceof Error) throw reply;
      return reply;
    },
    publish: async (channel: string, message: string | Buffer) => {
      commands.push(["PUBLISH", channel, String(message)]);
      return 1;
    },
    multi() {
      const queued: string[][] = [];
      return {
        publish(channel: string, message: string | Buffer) {
          queued.push(["PUBLISH", channel, String(message)]);
        },
        execAsPipeline: async () => {
          commands.push(...queued);
          return queued.map(() => 1);
        },
      };
    },
  };
  return { client, commands };
}

const twoTicks = async () => {
  await tick();
  await tick();
};

test("a tick's publishes go out as one EVAL of the publish script, in order, in runs per channel", async () => {
  const { client, commands } = scriptingDouble(() => 4);
  const seam = wrapRedisClient(client);
  await Promise.all([
    seam.publish("a", "1"),
    seam.publish("a", Buffer.from("2")),
    seam.publish("b", "3"),
    seam.publish("a", "4"),
  ]);
  assert.equal(commands.length, 1);
  const [command, script, keys, ...runs] = commands[0] ?? [];
  assert.equal(command, "EVAL");
  assert.match(String(script), /redis\.pcall\('PUBLISH'/);
  assert.equal(keys, "0");
  // channel, how many messages, the messages; again for each change of channel
  assert.deepEqual(runs, ["a", "2", "1", "2", "b", "1", "3", "a", "1", "4"]);
});

test("once Redis refuses scripts, every batch, lone messages included, goes out as PUBLISHes, in order", async () => {
  const { client, commands } = scriptingDouble(
    () => new Error("NOPERM User x has no permissions to run the 'eval' command"),
  );
  const seam = wrapRedisClient(client);
  const first = [seam.publish("a", "1"), seam.publish("a", "2")];
  await twoTicks();
  const lone = seam.publish("a", "3"); // must not overtake the refused batch
  await Promise.all([...first, lone]);
  await seam.publish("a", "4");
  assert.deepEqual(
    commands.map((c) => c.slice(0, 3).join(" ")),
    [`EVAL ${String(commands[0]?.[1])} 0`, "PUBLISH a 1", "PUBLISH a 2", "PUBLISH a 3", "PUBLISH a 4"],
  );
});

test("a PUBLISH that failed inside the script rejects the batch and is not sent again", async () => {
  const { client, commands } = scriptingDouble(
    () => new Error("SIOREDIS NOPERM this user has no permissions to access the 'forbidden' channel"),
  );
  const seam = wrapRedisClient(client);
  await assert.rejects(Promise.all([seam.publish("ok", "1"), seam.publish("forbidden", "2")]), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.match(err.message, /^NOPERM .*'forbidden' channel/);
    return true;
  });
  assert.deepEqual(
    commands.map((c) => c[0]),
    ["EVAL"],
    "the messages that went out are not published twice",
  );
});

test("Redis at maxmemory: the batch goes out as PUBLISHes, and the next one tries the script again", async () => {
  let oom = true;
  const { client, commands } = scriptingDouble(() =>
    oom ? new Error("OOM command not allowed when used memory > 'maxmemory'.") : 2,
  );
  const seam = wrapRedisClient(client);
  await Promise.all([seam.publish("a", "1"), seam.publish("a", "2")]);
  oom = false;
  await Promise.all([seam.publish("a", "3"), seam.publish("a", "4")]);
  assert.deepEqual(
    commands.map((c) => c[0]),
    ["EVAL", "PUBLISH", "PUBLISH", "EVAL"],
  );
});

test("a connection failure during EVAL rejects the batch without giving up on scripts", async () => {
  let fail = true;
  const { client, commands } = scriptingDouble(() => (fail ? new Error("The client is closed") : 1));
  const seam = wrapRedisClient(client);
  await assert.rejects(Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]), /client is closed/);
  fail = false;
  await Promise.all([seam.publish("a", "1"), seam.publish("b", "2")]);
  assert.deepEqual(
    commands.map((c) => c[0]),
    ["EVAL", "EVAL"],
    "not resent: whether the first batch ran is unknown",
  );
});

test("ioredis: a SUBSCRIBE that fails is asked again by the next subscribe, and messages arrive once", async () => {
  const listeners = new Set<(channel: Buffer, message: Buffer) => void>();
  let refuse = true;
  const sent: string[][] = [];
  const client = {
    psubscribe() {},
    call: async () => ["x", 1],
    publish: async () => 1,
    on(event: string, listener: (channel: Buffer, message: Buffer) => void) {
      if (event === "messageBuffer") listeners.add(listener);
    },
    off() {},
    listenerCount: () => 0,
    subscribe: async (...channels: string[]) => {
      sent.push(channels);
      if (refuse) throw new Error("NOPERM this user has no permissions to access one of the channels");
      return 1;
    },
    unsubscribe: async () => 0,
  };
  const subs = subscriptionsOf(client);
  const got: string[] = [];
  const onMessage = (_channel: string, message: Buffer) => got.push(message.toString());
  await assert.rejects(subs.subscribe(["responses"], onMessage), /NOPERM/);
  refuse = false;
  await subs.subscribe(["responses"], onMessage);
  assert.deepEqual(sent, [["responses"], ["responses"]]);
  assert.equal(listeners.size, 1, "one listener per connection");
  for (const listener of listeners) listener(Buffer.from("responses"), Buffer.from("one"));
  assert.deepEqual(got, ["one"]);
});
