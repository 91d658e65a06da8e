import { after, before, test } from "node:test";
import { type RedisCluster, startRedisCluster } from "@sio-redis/testing";
import { redisPair, connectClusterAdmin } from "./harness.js";
let redis: RedisCluster;
before(async () => { redis = await startRedisCluster(); });
after(async () => { await redis?.stop(); });
const urls = () => redis.rootNodes.map(({ url }) => url);
test("x", async () => {
  for (let i = 0; i < 4; i++) {
    let t = performance.now();
    const a = await connectClusterAdmin(urls());
    const ta = performance.now() - t;
    await a.close();
    for (const library of ["node-redis-4-cluster", "ioredis-cluster"] as const) {
      t = performance.now();
      const pairs = await Promise.all([0, 1, 2].map((s) => redisPair(library, urls()[0] as string, `p${i}${s}`, urls())));
      const tp = performance.now() - t;
      for (const p of pairs) await p.close();
      console.log("admin", ta.toFixed(0), library, "3 pairs", tp.toFixed(0));
    }
  }
});
