// Batched publishing against a real Redis: through the publish script by default, and through plain pipelines
// for a Redis user that may not run scripts. Either way every message arrives once and in order.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { wrapRedisClient } from "../src/index.js";
import { until } from "./helpers.js";

let redis: RedisServer;
let admin: ReturnType<typeof createClient>;

before(async () => {
  redis = await startRedisServer();
  admin = createClient({ url: redis.url });
  await admin.connect();
  // a user who may publish and subscribe but not run scripts, as some managed Redis offerings set it up
  await admin.sendCommand(["ACL", "SETUSER", "noscripts", "on", ">secret", "+@all", "-@scripting", "~*", "&*"]);
  // a user who may publish only to channels starting with "allowed-"
  await admin.sendCommand(["ACL", "SETUSER", "narrow", "on", ">secret", "+@all", "~*", "&allowed-*"]);
});

after(async () => {
  await admin?.close();
  await redis?.stop();
});

async function commandCalls(command: string): Promise<number> {
  const info = String(await admin.sendCommand(["INFO", "commandstats"]));
  const line = info.split("\r\n").find((l) => l.startsWith(`cmdstat_${command}:`));
  return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
}

async function publishAndCollect(publisher: ReturnType<typeof wrapRedisClient>, channel: string, count: number) {
  const sub = createClient({ url: redis.url });
  await sub.connect();
  const received: string[] = [];
  await sub.subscribe(channel, (message) => received.push(message));
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => publisher.publish(channel, `m${i}`)));
    await until(() => received.length >= count, `${count} messages on ${channel}`);
    return received;
  } finally {
    await sub.close();
  }
}

const expected = (count: number) => Array.from({ length: count }, (_, i) => `m${i}`);

for (const library of ["node-redis", "ioredis"] as const) {
  test(`${library}: a burst goes through the publish script and every message arrives in order`, async () => {
    const client =
      library === "node-redis" ? createClient({ url: redis.url }) : new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    try {
      const before = { eval: await commandCalls("eval"), publish: await commandCalls("publish") };
      const received = await publishAndCollect(wrapRedisClient(client), `burst-${library}`, 3000);
      assert.deepEqual(received, expected(3000));
      assert.ok((await commandCalls("eval")) > before.eval, "the publish script was used");
      // Redis counts the script's PUBLISHes like any other
      assert.equal((await commandCalls("publish")) - before.publish, 3000);
    } finally {
      if (client instanceof Redis) client.disconnect();
      else await client.close();
    }
  });

  test(`${library}: interleaved channels keep their order through the script's runs`, async () => {
    const client =
      library === "node-redis" ? createClient({ url: redis.url }) : new Redis(redis.url, { lazyConnect: true });
    const sub = createClient({ url: redis.url });
    await Promise.all([client.connect(), sub.connect()]);
    const received: string[] = [];
    const channels = [`x-${library}`, `y-${library}`];
    await sub.subscribe(channels, (message, channel) => received.push(`${channel}:${message}`));
    try {
      // runs of 1, 2 and 3 messages per channel, alternating
      const sent = Array.from({ length: 600 }, (_, i) => `${channels[Math.floor(i / (1 + (i % 3))) % 2]}:${i}`);
      const seam = wrapRedisClient(client);
      await Promise.all(
        sent.map((entry) => {
          const at = entry.lastIndexOf(":");
          return seam.publish(entry.slice(0, at), entry.slice(at + 1));
        }),
      );
      await until(() => received.length >= sent.length, `${sent.length} messages`);
      assert.deepEqual(received, sent);
    } finally {
      await sub.close();
      if (client instanceof Redis) client.disconnect();
      else await client.close();
    }
  });

  test(`${library}: a PUBLISH refused inside a batch rejects it, and what went out is not sent twice`, async () => {
    const url = redis.url.replace("redis://", "redis://narrow:secret@");
    const client = library === "node-redis" ? createClient({ url }) : new Redis(url, { lazyConnect: true });
    const sub = createClient({ url: redis.url });
    await Promise.all([client.connect(), sub.connect()]);
    const received: string[] = [];
    const channel = `allowed-${library}`;
    await sub.subscribe(channel, (message) => received.push(message));
    try {
      const seam = wrapRedisClient(client);
      await assert.rejects(
        Promise.all([seam.publish(channel, "first"), seam.publish(`forbidden-${library}`, "x")]),
        /can't publish to the channel/,
      );
      // Redis delivers in order: once the sentinel is in, a duplicate of "first" would be too
      await seam.publish(channel, "sentinel");
      await until(() => received.includes("sentinel"), "the sentinel");
      assert.deepEqual(received, ["first", "sentinel"]);
    } finally {
      await sub.close();
      if (client instanceof Redis) client.disconnect();
      else await client.close();
    }
  });

  test(`${library}: a user without scripting falls back to pipelines and loses nothing`, async () => {
    const url = redis.url.replace("redis://", "redis://noscripts:secret@");
    const client = library === "node-redis" ? createClient({ url }) : new Redis(url, { lazyConnect: true });
    await client.connect();
    try {
      const seam = wrapRedisClient(client);
      assert.deepEqual(await publishAndCollect(seam, `fallback-${library}`, 2500), expected(2500));
      // and keeps working once it knows
      assert.deepEqual(await publishAndCollect(seam, `again-${library}`, 100), expected(100));
    } finally {
      if (client instanceof Redis) client.disconnect();
      else await client.close();
    }
  });
}
