// The shared cluster suite and the seed API suite on a real Redis Cluster (3 masters, 3 replicas), with cluster
// clients on the classic transport (PUBLISH / SUBSCRIBE, not sharded): node-redis 6 and 4 `createCluster()` and
// ioredis `Cluster`, in both subscription modes. One Redis Cluster for the file; every configuration has its own
// channel prefix. SUITE_LIBRARY=ioredis-cluster (or node-redis-cluster, node-redis-4-cluster) and
// SUITE_MODE=dynamic (or pattern) narrow the run; SUITE_ADAPTER=official runs the cluster suite on
// @socket.io/redis-adapter 8.3 instead.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type RedisCluster, startRedisCluster } from "@sio-redis/testing";
import { subscriptionsOf, wrapRedisClient } from "@sio-redis/transport";
import { createCluster } from "redis";
import { createCluster as createCluster4 } from "redis4";
import { client, clusterSuite, received, type SuiteClusterOptions, seedApiSuite, server } from "./cluster-suite.js";
import {
  CLUSTER_LIBRARIES,
  type ClusterLibrary,
  ioRedisClusterOf,
  OFFICIAL,
  oursKind,
  record,
  redisPair,
  startCluster,
  until,
  within,
} from "./harness.js";

let redis: RedisCluster;

before(async () => {
  redis = await startRedisCluster();
  console.log(`# Redis Cluster of 6 nodes started in ${redis.startMs} ms`);
});

after(async () => {
  await redis?.stop();
});

const urls = () => redis.rootNodes.map(({ url }) => url);

const libraries = CLUSTER_LIBRARIES.filter(
  (l) => !process.env.SUITE_LIBRARY || l === (process.env.SUITE_LIBRARY as ClusterLibrary),
);
const modes = [false, true].filter(
  (dynamic) => !process.env.SUITE_MODE || process.env.SUITE_MODE === (dynamic ? "dynamic" : "pattern"),
);

/** A cluster client of `library` on the file's Redis Cluster, not connected yet. */
function unconnected(library: ClusterLibrary): { client: object; connect(): Promise<unknown>; close(): Promise<void> } {
  if (library === "ioredis-cluster" || library === "ioredis-5-cluster") {
    const client = new (ioRedisClusterOf(library))(
      redis.rootNodes.map(({ host, port }) => ({ host, port })),
      { lazyConnect: true },
    );
    client.on("error", () => {});
    return {
      client,
      connect: () => client.connect(),
      close: async () => {
        await within(client.quit(), "ioredis cluster to quit").catch(() => client.disconnect());
      },
    };
  }
  const options = { rootNodes: redis.rootNodes.map(({ url }) => ({ url })), useReplicas: true };
  const client = library === "node-redis-4-cluster" ? createCluster4(options) : createCluster(options);
  client.on("error", () => {});
  return {
    client,
    connect: () => client.connect(),
    close: async () => {
      await within(client.quit(), "node-redis cluster to quit").catch(() => {});
    },
  };
}

/** The seam on a cluster client: its connection state, and publishing and subscribing, bug by bug. */
function seamTests(library: ClusterLibrary): void {
  test("a cluster client connecting is down; subscriptions and publishes made meanwhile wait for it", async () => {
    const pub = unconnected(library);
    const sub = unconnected(library);
    try {
      const key = `conn${process.pid}-${library}`;
      const pubSeam = wrapRedisClient(pub.client);
      const subs = subscriptionsOf(sub.client);
      const connecting = [pub.connect(), sub.connect()];
      // node-redis 4 has `isOpen` and no `isReady`, and emits nothing once connected: neither ready at once nor
      // down for ever
      assert.equal(pubSeam.state(), "down");
      assert.equal(subs.seam.state(), "down");
      const got: string[] = [];
      const subscribed = subs.subscribe([`${key}#a`], (channel, message) => got.push(`${channel}:${message}`));
      const early = pubSeam.publish(`${key}#early`, "before connect() resolved");
      await within(Promise.all([...connecting, subscribed, early]), "connections, SUBSCRIBE and an early PUBLISH");
      assert.equal(pubSeam.state(), "ready");
      assert.equal(subs.seam.state(), "ready");
      assert.equal(pubSeam.cluster, true);
      await within(pubSeam.publish(`${key}#a`, "after"), "a PUBLISH");
      await until(() => got.length === 1, "the message");
      assert.deepEqual(got, [`${key}#a:after`]);
      // every node counts its own subscribers: the one subscriber, wherever it sits, counted once
      assert.deepEqual(await within(pubSeam.numsub([`${key}#a`, `${key}#none`]), "NUMSUB"), [1, 0]);
    } finally {
      await Promise.all([pub.close(), sub.close()]);
    }
  });

  test("SUBSCRIBEs of many ticks while the subscriber connection opens all hold (10 fresh clients)", async () => {
    // ioredis Cluster opens its subscriber connection at the first SUBSCRIBE: the next ones come while it is
    // still in its handshake (once lost, with ioredis failing its own ready check)
    for (let run = 0; run < 10; run++) {
      const key = `ticks${process.pid}-${library}-${run}`;
      const pair = await redisPair(library, urls()[0] as string, key, urls());
      try {
        const subs = subscriptionsOf(pair.sub);
        const got = new Set<string>();
        const handler = (channel: string) => got.add(channel);
        const channels = Array.from({ length: 10 }, (_, i) => `${key}#t${i}`);
        const subscribed: Array<Promise<void>> = [];
        for (const channel of channels) {
          subscribed.push(subs.subscribe([channel], handler));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await within(Promise.all(subscribed), `10 SUBSCRIBEs of run ${run}`);
        const seam = wrapRedisClient(pair.pub);
        assert.deepEqual(
          await within(seam.numsub(channels), "NUMSUB"),
          channels.map(() => 1),
          `run ${run}: every channel subscribed once`,
        );
        await within(Promise.all(channels.map((channel) => seam.publish(channel, "x"))), "10 publishes");
        await until(() => got.size === channels.length, `run ${run}: a message on each channel (got ${got.size})`);
      } finally {
        await pair.close();
      }
    }
  });

  test("6 PUBLISHes of one tick through the seam all arrive, in order, on one channel and on six", async () => {
    const key = `six${process.pid}-${library}`;
    const pair = await redisPair(library, urls()[0] as string, key, urls());
    try {
      const seam = wrapRedisClient(pair.pub);
      const subs = subscriptionsOf(pair.sub);
      const got: string[] = [];
      const handler = (channel: string, message: Buffer) => got.push(`${channel}:${message.toString()}`);
      const channels = Array.from({ length: 6 }, (_, i) => `${key}#c${i}`);
      await within(subs.subscribe([`${key}#one`, ...channels], handler), "SUBSCRIBE of 7 channels");
      const expected: string[] = [];
      for (let round = 0; round < 3; round++) {
        const sent: Array<Promise<void>> = [];
        for (let i = 0; i < 6; i++) {
          sent.push(seam.publish(`${key}#one`, `r${round}m${i}`));
          expected.push(`${key}#one:r${round}m${i}`);
        }
        for (const [i, channel] of channels.entries()) {
          sent.push(seam.publish(channel, `r${round}c${i}`));
          expected.push(`${channel}:r${round}c${i}`);
        }
        await within(Promise.all(sent), `12 publishes of round ${round}`);
      }
      await until(() => got.length >= expected.length, `${expected.length} messages (got ${got.length})`);
      assert.deepEqual(got, expected, "every message, in the order published");
      await subs.unsubscribe([`${key}#one`, ...channels], handler);
    } finally {
      await pair.close();
    }
  });
}

/** Six emits of one tick, to everyone and to six rooms (six channels with room channels): all arrive, in order. */
function sixEmits(make: (opts?: SuiteClusterOptions) => ReturnType<typeof startCluster>): void {
  test("6 emits of one tick reach every client of every server, in order, to everyone and to six rooms", async () => {
    const c = await make();
    try {
      const member = client(c, 2, 1);
      const rooms = Array.from({ length: 6 }, (_, i) => `six-${i}`);
      await c.join(member, rooms);
      const recs = record(c.all);
      for (let i = 0; i < 6; i++) server(c, 0).io.emit("six", i);
      for (const [i, room] of rooms.entries()) server(c, 0).io.to(room).emit("room", i);
      const got = await received(c, recs, 0);
      for (const [who, events] of Object.entries(got)) {
        const everyone = [0, 1, 2, 3, 4, 5].map((i) => ["six", i]);
        const inRooms = who === "s2c1" ? [0, 1, 2, 3, 4, 5].map((i) => ["room", i]) : [];
        assert.deepEqual(events, [...everyone, ...inRooms], who);
      }
    } finally {
      await c.close();
    }
  });
}

// configurations side by side on the one Redis Cluster, the tests of one configuration one after the other
describe("Redis Cluster, classic transport", { concurrency: true }, () => {
  for (const library of libraries) {
    const cluster =
      (adapters: Parameters<typeof startCluster>[0]["adapters"]) =>
      (opts: SuiteClusterOptions = {}) =>
        startCluster({ redisUrl: urls()[0] as string, clusterNodes: urls(), library, adapters, ...opts });
    if (process.env.SUITE_ADAPTER === "official") {
      describe(`official 8.3 on ${library}`, { concurrency: 1 }, () => {
        clusterSuite("cluster suite", cluster([OFFICIAL, OFFICIAL, OFFICIAL]), { officialTimeoutMessages: true });
      });
      continue;
    }
    for (const dynamic of modes) {
      const kind = oursKind(dynamic);
      const make = cluster([kind, kind, kind]);
      describe(`${kind.label} on ${library}`, { concurrency: 1 }, () => {
        clusterSuite("cluster suite", make, { officialTimeoutMessages: true, clusterAllSockets: true });
        seedApiSuite("seed API", make, { multiplexing: dynamic });
        sixEmits(make);
      });
    }
    describe(`the seam on ${library}`, { concurrency: 1 }, () => seamTests(library));
  }
});
