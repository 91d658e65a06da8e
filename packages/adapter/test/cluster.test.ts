// The shared cluster suite and the seed API suite on @sio-redis/adapter, for each Redis client library and
// each subscription mode. SUITE_ADAPTER=official runs the cluster suite on @socket.io/redis-adapter 8.3
// instead, which shows the suite's expectations are Socket.IO's and not our adapter's.
import { after, before, describe } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { createAdapter as createOfficial } from "@socket.io/redis-adapter";
import { clusterSuite } from "./cluster-suite.js";
import { type AdapterKind, LIBRARIES, type Library, startCluster } from "./harness.js";

let redis: RedisServer;

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  await redis?.stop();
});

const official: AdapterKind = {
  label: "official",
  ours: false,
  create: (pub, sub, { key, requestsTimeout }) => createOfficial(pub, sub, { key, requestsTimeout }),
};

const only = process.env.SUITE_LIBRARY as Library | undefined;

describe("cluster suite", { concurrency: true }, () => {
  for (const library of LIBRARIES.filter((l) => !only || l === only)) {
    describe(`${library}`, { concurrency: 1 }, () => {
      clusterSuite(`official 8.3 on ${library}`, (opts) =>
        startCluster({ redisUrl: redis.url, library, adapters: [official, official, official], ...opts }),
        { officialTimeoutMessages: true },
      );
    });
  }
});
