// Key prefixes that overlap: two applications on one Redis whose channel names collide. With the keys `app` and
// `app-request`, the broadcast channel of `app-request` (`app-request#/#`) is the request channel of `app`; with
// `app-response`, it is `app`'s shared response channel; `app#` starts like every channel of `app`. Servers
// count each other by the subscribers of their request channel: no other key's servers may be counted, in either
// subscription mode, or every query of `app` waits for answers that never come.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import type { RedisAdapter } from "../src/index.js";
import { type Cluster, oursKind, record, startCluster, within } from "./harness.js";

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
});

const REQUESTS_TIMEOUT = 3000;

for (const perRoom of [false, true]) {
  const kind = oursKind(perRoom);
  describe(`overlapping keys, ${kind.label}`, { concurrency: 1 }, () => {
    for (const other of ["app-request", "app-response", "app#"]) {
      test(`"app" and "${other}" on one Redis: each counts, queries and hears only its own servers`, async () => {
        const clusters: Cluster[] = [];
        try {
          for (const key of ["app", other]) {
            clusters.push(
              await startCluster({
                redisUrl: redis.url,
                library: "node-redis",
                adapters: [kind, kind],
                key: `${key}`,
                requestsTimeout: REQUESTS_TIMEOUT,
              }),
            );
          }
          for (const c of clusters) {
            const adapter = c.servers[0]?.io.of("/").adapter as unknown as RedisAdapter;
            assert.equal(await adapter.serverCount(), 2, `${c.key}: its 2 servers, none of the other key's`);
            const started = Date.now();
            const sockets = await within(
              c.servers[0]?.io.fetchSockets() ?? Promise.resolve([]),
              `${c.key} fetchSockets`,
            );
            assert.equal(sockets.length, c.all.length, `${c.key}: every socket of its own servers`);
            assert.ok(Date.now() - started < REQUESTS_TIMEOUT / 2, `${c.key}: answered, not timed out`);
            const rooms = await adapter.allRooms();
            for (const client of c.all) assert.ok(rooms.has(client.id ?? ""), `${c.key}: its clients' rooms`);
          }
          // broadcasts stay within their key: each side publishes after the other's traffic went through Redis,
          // so anything that leaked arrives before the side's own barrier
          const [app, neighbour] = clusters as [Cluster, Cluster];
          const appRecs = record(app.all);
          const neighbourRecs = record(neighbour.all);
          const round = async (c: Cluster, recs: ReturnType<typeof record>, id: string, event?: string) => {
            const io = c.servers[1]?.io;
            if (event) io?.emit(event);
            io?.emit("barrier", id);
            return Promise.all(recs.map((r) => r.until(id)));
          };
          const names = (events: Array<Array<[string, unknown[]]>>) => events.map((e) => e.map(([name]) => name));
          const expect = (c: Cluster, events: string[]) => c.all.map(() => events);
          assert.deepEqual(
            names(await round(neighbour, neighbourRecs, "n1", "from-neighbour")),
            expect(neighbour, ["from-neighbour"]),
          );
          assert.deepEqual(names(await round(app, appRecs, "a1", "from-app")), expect(app, ["from-app"]));
          assert.deepEqual(
            names(await round(neighbour, neighbourRecs, "n2")),
            expect(neighbour, []),
            "nothing of app's",
          );
        } finally {
          for (const c of clusters) await c.close();
        }
      });
    }
  });
}
