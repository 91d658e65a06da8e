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
import { client, clusterSuite, received, type SuiteClusterOptions, seedApiSuite, server } from "./cluster-suite.js";
import {
  CLUSTER_LIBRARIES,
  type ClusterLibrary,
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

/** Six messages published in the same tick, on one channel and on six: all arrive, in the order published. */
function sixInOneTick(library: ClusterLibrary, make: (opts?: SuiteClusterOptions) => ReturnType<typeof startCluster>) {
  test("6 PUBLISHes of one tick through the seam all arrive, in order, on one channel and on six", async () => {
    const key = `six${process.pid}-${library}-${Math.random().toString(36).slice(2, 8)}`;
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
        sixInOneTick(library, make);
      });
    }
  }
});
