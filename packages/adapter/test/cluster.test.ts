// The shared cluster suite and the seed API suite on @sio-redis/adapter, for each Redis client library and
// each subscription mode (room channels or one pattern). SUITE_ADAPTER=official runs the cluster suite on
// @socket.io/redis-adapter 8.3 instead: it shows the suite asks what Socket.IO asks, not what we happen to do.
// SUITE_LIBRARY=ioredis (or node-redis, node-redis-4, node-redis-3) narrows the run to one client library.
import { after, before, describe } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { clusterSuite, type SuiteClusterOptions, seedApiSuite } from "./cluster-suite.js";
import { LIBRARIES, type Library, OFFICIAL, oursKind, startCluster } from "./harness.js";

let redis: RedisServer;

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  await redis?.stop();
});

const libraries = LIBRARIES.filter((l) => !process.env.SUITE_LIBRARY || l === (process.env.SUITE_LIBRARY as Library));

// one redis-server; configurations side by side (each cluster has its own channel prefix), the tests of one
// configuration one after the other
describe("cluster", { concurrency: true }, () => {
  for (const library of libraries) {
    if (process.env.SUITE_ADAPTER === "official") {
      describe(`official 8.3 on ${library}`, { concurrency: 1 }, () => {
        clusterSuite(
          "cluster suite",
          (opts) => startCluster({ redisUrl: redis.url, library, adapters: [OFFICIAL, OFFICIAL, OFFICIAL], ...opts }),
          { officialTimeoutMessages: true },
        );
      });
      continue;
    }
    for (const multiplexing of [true, false]) {
      const kind = oursKind(multiplexing);
      const make = (opts: SuiteClusterOptions = {}) =>
        startCluster({ redisUrl: redis.url, library, adapters: [kind, kind, kind], ...opts });
      describe(`${kind.label} on ${library}`, { concurrency: 1 }, () => {
        clusterSuite("cluster suite", make, { officialTimeoutMessages: true, clusterAllSockets: true });
        seedApiSuite("seed API", make, { multiplexing });
      });
    }
  }
});
