import { after, before, test } from "node:test";
import { type RedisCluster, startRedisCluster } from "@sio-redis/testing";
import { CLUSTER_LIBRARIES, oursKind, startCluster, redisPair } from "./tmp-harness.js";
import { adapterOf } from "./cluster-suite.js";
let redis: RedisCluster;
before(async () => { redis = await startRedisCluster(); });
after(async () => { await redis?.stop(); });
const urls = () => redis.rootNodes.map(({ url }) => url);
for (const library of [...CLUSTER_LIBRARIES, "node-redis" as const]) {
  test(library, async () => {
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      const p = await redisPair(library, urls()[0] as string, "x" + i, library === "node-redis" ? undefined : urls());
      const tp = performance.now() - t;
      await p.close();
      t = performance.now();
      const c = await startCluster({ redisUrl: urls()[0] as string, clusterNodes: library === "node-redis" ? undefined : urls(), library, adapters: [oursKind(false), oursKind(false), oursKind(false)] });
      const ts = performance.now() - t;
      t = performance.now();
      await adapterOf(c, 0).allRooms();
      const tq = performance.now() - t;
      t = performance.now();
      await c.close();
      console.log(library, "pair", tp.toFixed(0), "start", ts.toFixed(0), "allRooms", tq.toFixed(0), "close", (performance.now() - t).toFixed(0));
    }
  });
}
