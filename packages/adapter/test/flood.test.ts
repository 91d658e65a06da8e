// Queries never silently incomplete, and a flood of them does not get this server's subscriber dropped. Three
// servers with 100 sockets each; one of them starts hundreds of fetchSockets() at once. Their answers (some 80 KB
// per server and query) all come to that one subscriber connection: sent at once, they exceed Redis's
// `client-output-buffer-limit pubsub` and Redis drops the connection, losing answers. Each call must then resolve
// with every socket or fail; and the adapter bounds the queries in flight so that the connection survives.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import type { RedisAdapter } from "../src/index.js";
import { type Cluster, oursKind, startCluster, until, within } from "./harness.js";

// FLOOD_CALLS=2000 FLOOD_REDIS_DEFAULTS=1 measures the issue's own scenario (Redis's default limits)
const CALLS = Number(process.env.FLOOD_CALLS ?? 600);
let redis: RedisServer;
let c: Cluster;

before(async () => {
  // a quarter of Redis's default limits (32 MB hard, 8 MB for 60 s): 600 queries of ~160 KB of answers at once
  // are ~96 MB, twelve times the hard limit
  const limits = process.env.FLOOD_REDIS_DEFAULTS ? [] : ["--client-output-buffer-limit", "pubsub 8mb 2mb 60"];
  redis = await startRedisServer({ args: limits });
  c = await startCluster({
    redisUrl: redis.url,
    library: "node-redis",
    adapters: [oursKind(false), oursKind(false), oursKind(false)],
    clientsPerServer: 100,
    requestsTimeout: 30_000,
  });
  // what applications keep in socket.data: ~800 bytes a socket, ~80 KB per server answer
  for (const server of c.servers) {
    for (const socket of server.io.of("/").sockets.values()) socket.data = { profile: "x".repeat(800) };
  }
});

after(async () => {
  await c?.close();
  await redis?.stop();
});

test(`${CALLS} fetchSockets() at once: each resolves with all 300 sockets or fails, and the subscriber survives`, async (t) => {
  const io = c.servers[0]?.io;
  assert.ok(io);
  const adapter = io.of("/").adapter as unknown as RedisAdapter;
  // the subscriber connection's id in CLIENT LIST: a connection Redis dropped comes back with another
  const subId = async () => {
    const list = String(await c.admin.command(["CLIENT", "LIST"]));
    const line = list.split("\n").find((l) => l.includes(` name=${c.servers[0]?.subName} `));
    return line?.match(/^id=(\d+)/)?.[1];
  };
  const before = await subId();
  assert.ok(before, "the subscriber connection is in CLIENT LIST");
  // what waits in Redis for this subscriber (CLIENT LIST omem), sampled while the flood runs
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const list = String(await c.admin.command(["CLIENT", "LIST"]));
      const line = list.split("\n").find((l) => l.includes(` name=${c.servers[0]?.subName} `));
      peak = Math.max(peak, Number(line?.match(/ omem=(\d+)/)?.[1] ?? 0));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = Date.now();
  const results = await within(
    Promise.allSettled(Array.from({ length: CALLS }, () => io.fetchSockets())),
    `${CALLS} fetchSockets`,
    60_000,
  );
  const elapsed = Date.now() - started;
  sampling = false;
  await sampler;
  const complete = results.filter((r) => r.status === "fulfilled" && r.value.length === 300).length;
  const incomplete = results.filter((r) => r.status === "fulfilled" && r.value.length !== 300).length;
  const failed = results.filter((r) => r.status === "rejected").length;
  t.diagnostic(`${complete} complete, ${failed} failed, ${incomplete} incomplete, in ${elapsed} ms`);
  t.diagnostic(`subscriber output buffer peak: ${(peak / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal(incomplete, 0, "no call resolved with a server's answer missing");
  assert.equal(complete, CALLS, "every call completed");
  assert.equal(await subId(), before, "Redis did not drop the subscriber connection");
  await until(() => adapter.pendingRequests === 0, "nothing left pending");
});
