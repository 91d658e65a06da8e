// Clusters mixing @sio-redis/adapter and @socket.io/redis-adapter 8.3 servers, in both layouts and both of our
// subscription modes: everything Socket.IO asks works whichever server asks and whichever answers, the seed API
// of our servers reaches sockets on official ones, and our one extension (customRequest) leaves official
// servers unharmed.
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import {
  adapterOf,
  client,
  clusterSuite,
  clusterTest,
  ids,
  join,
  type MakeCluster,
  only,
  PARTIAL_MS,
  received,
  type SuiteClusterOptions,
  server,
} from "./cluster-suite.js";
import { type AdapterKind, type Cluster, callback, next, OFFICIAL, oursKind, record, startCluster } from "./harness.js";

let redis: RedisServer;

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  await redis?.stop();
});

/** Indexes of our servers and of the official ones. */
function sides(c: Cluster): { ours: number[]; official: number[] } {
  return {
    ours: c.servers.filter((s) => s.kind.ours).map((s) => s.index),
    official: c.servers.filter((s) => !s.kind.ours).map((s) => s.index),
  };
}

function first(list: number[]): number {
  const [i] = list;
  if (i === undefined) throw new Error("empty layout side");
  return i;
}

function mixedSuite(name: string, make: MakeCluster): void {
  const it = (title: string, fn: (c: Cluster) => Promise<void>, opts?: SuiteClusterOptions) =>
    clusterTest(make, title, fn, opts);

  describe(name, () => {
    it("our seed API reaches sockets on official servers", async (c) => {
      const { ours, official } = sides(c);
      const asker = first(ours);
      const there = client(c, first(official), 0);
      await join(c, there, "on-official");
      const adapter = adapterOf(c, asker);
      assert.deepEqual([...((await adapter.clients()) ?? [])].sort(), ids(c.all));
      assert.deepEqual(await adapter.clients(["on-official"]), [there.id]);
      assert.deepEqual(
        [...((await adapter.clientRooms(there.id ?? "")) ?? [])].sort(),
        [there.id, "on-official"].sort(),
      );
      const rooms = await adapter.allRooms();
      for (const x of c.all) assert.ok(rooms.has(x.id ?? ""), `allRooms() has ${x.id}`);
      assert.ok(rooms.has("on-official"));

      await adapter.remoteJoin(there.id ?? "", "joined-remotely");
      assert.ok(c.serverSocket(there).socket.rooms.has("joined-remotely"), "joined on the official server");
      await adapter.remoteLeave(there.id ?? "", "joined-remotely");
      assert.ok(!c.serverSocket(there).socket.rooms.has("joined-remotely"), "left on the official server");

      const gone = next(there, "disconnect");
      await adapter.remoteDisconnect(there.id ?? "", false);
      assert.equal((await gone)[0], "io server disconnect");

      // an unknown id still fails fast: official servers answer the fetch it is looked up with
      const started = Date.now();
      await assert.rejects(adapter.clientRooms("ghost") as Promise<unknown>, /clientRooms.*ghost.*\b2 of 2\b/);
      assert.ok(Date.now() - started < adapter.requestsTimeout / 2, "failed before the timeout");
    });

    it("official servers list our rooms and sockets (allRooms, fetchSockets)", async (c) => {
      const { ours, official } = sides(c);
      const ourClient = client(c, first(ours), 1);
      await join(c, ourClient, "on-ours");
      const officialAdapter = server(c, first(official)).io.of("/").adapter as unknown as {
        allRooms(): Promise<Set<string>>;
      };
      const rooms = await officialAdapter.allRooms();
      assert.ok(rooms.has("on-ours"));
      for (const x of c.all) assert.ok(rooms.has(x.id ?? ""));
      const fetched = await server(c, first(official)).io.in("on-ours").fetchSockets();
      assert.deepEqual(
        fetched.map((x) => x.id),
        [ourClient.id],
      );
    });

    it(
      "customRequest: official servers ignore it and keep serving; ours report who answered",
      async (c) => {
        const { ours, official } = sides(c);
        for (const i of ours) adapterOf(c, i).customHook = (data, reply) => reply({ server: i, data });
        const asker = first(ours);
        const [err, elapsed] = await (async () => {
          const started = Date.now();
          const e = await adapterOf(c, asker)
            .customRequest("hello")
            ?.then(
              () => assert.fail("resolved although official servers do not answer"),
              (x: unknown) => x as Error & { partial?: unknown[] },
            );
          return [e, Date.now() - started] as const;
        })();
        assert.ok(err instanceof Error);
        const otherOurs = ours.length - 1;
        assert.match(err.message, /customRequest/);
        assert.match(err.message, new RegExp(`\\b${otherOurs} of 2\\b`));
        assert.ok(
          elapsed >= PARTIAL_MS - 50 && elapsed < PARTIAL_MS + 3000,
          `failed after ${elapsed} ms (requestsTimeout ${PARTIAL_MS})`,
        );
        assert.deepEqual(
          err.partial,
          [asker, ...ours.filter((i) => i !== asker)].map((i) => ({ server: i, data: "hello" })),
          "our servers' replies, the requester's first",
        );
        // the official servers are still up and serving, both ways
        const recs = record(c.all);
        for (const s of official) {
          server(c, s).io.emit("still-serving", s);
          assert.deepEqual(await received(c, recs, s), only(c, recs, c.all, [["still-serving", s]]));
          assert.deepEqual((await server(c, s).io.fetchSockets()).map((x) => x.id).sort(), ids(c.all));
          assert.equal(await server(c, s).io.of("/").adapter.serverCount(), 3);
        }
        server(c, asker).io.emit("from-ours");
        assert.deepEqual(await received(c, recs, asker), only(c, recs, c.all, [["from-ours"]]));
        // last, so that the checks above run whatever this gives
        const [cbErr, replies] = await callback<unknown>(
          (cb) => adapterOf(c, asker).customRequest("hello", cb),
          "callback",
        );
        assert.ok(cbErr instanceof Error);
        assert.deepEqual(replies, err.partial, "the callback gets the replies it got, like socket.io-redis 5");
      },
      { requestsTimeout: PARTIAL_MS },
    );
  });
}

const layouts: Array<[string, (ours: AdapterKind) => AdapterKind[], number[]]> = [
  ["[ours, official, ours]", (ours) => [ours, OFFICIAL, ours], [0, 2]],
  ["[official, ours, official]", (ours) => [OFFICIAL, ours, OFFICIAL], [1]],
];

describe("mixed clusters", { concurrency: true }, () => {
  for (const [layout, adapters, oursAt] of layouts) {
    for (const multiplexing of [true, false]) {
      const ours = oursKind(multiplexing);
      const make = (opts: SuiteClusterOptions = {}) =>
        startCluster({ redisUrl: redis.url, library: "node-redis", adapters: adapters(ours), ...opts });
      describe(`${layout}, ${ours.label}`, { concurrency: 1 }, () => {
        clusterSuite("cluster suite", make, {
          officialTimeoutMessages: true,
          clusterAllSockets: true,
          // official senders publish on the room channel at once: see SuiteFeatures.joinThenEmitSenders
          ...(multiplexing ? { joinThenEmitSenders: oursAt } : {}),
        });
        mixedSuite("mixed", make);
      });
    }
  }
});
