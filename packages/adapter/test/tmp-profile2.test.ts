import { after, before, test } from "node:test";
import { type RedisCluster, startRedisCluster } from "@sio-redis/testing";
import { createAdapter } from "@sio-redis/adapter";
import { Server } from "socket.io";
import http from "node:http";
import { redisPair, connectClusterAdmin } from "./harness.js";
let redis: RedisCluster;
before(async () => { redis = await startRedisCluster(); });
after(async () => { await redis?.stop(); });
const urls = () => redis.rootNodes.map(({ url }) => url);
for (const library of ["node-redis-4-cluster", "ioredis-cluster", "node-redis-cluster"] as const) {
  test(library, async () => {
    const admin = await connectClusterAdmin(urls());
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const pairs = await Promise.all([0, 1, 2].map((s) => redisPair(library, urls()[0] as string, `p${i}${s}`, urls())));
      const t1 = performance.now();
      const ios = pairs.map((p) => new Server(http.createServer(), { adapter: createAdapter(p.pub, p.sub, { key: `k${library}${i}` }) }));
      let n = 0;
      const marks: string[] = [];
      for (;;) { n++; const c = await admin.numsub(`k${library}${i}-request#/#`); if (c >= 3) break; if (n % 10 === 0) marks.push(`${c}@${(performance.now() - t1).toFixed(0)}`); await new Promise((r) => setTimeout(r, 10)); }
      const t2 = performance.now();
      console.log(library, "pairs", (t1 - t).toFixed(0), "subscribed", (t2 - t1).toFixed(0), "polls", n, marks.join(" "));
      for (const io of ios) await new Promise((r) => io.close(() => r(undefined)));
      for (const p of pairs) await p.close();
    }
    await admin.close();
  });
}
