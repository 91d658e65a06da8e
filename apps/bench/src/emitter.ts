// Emitter throughput and memory, in one run: redis-benchmark's PUBLISH rate as the ceiling, then our emitter
// and the official @socket.io/redis-emitter on node-redis and on ioredis with their default settings, all
// publishing messages of the same size to a private redis-server. Redis itself counts what arrived.
//
//   pnpm --filter @sio-redis/bench emitter   (env: N=100000 messages, SIZE=64 text bytes, RUNS=5, WINDOW=1000)
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { Emitter } from "@sio-redis/emitter";
import { classicChannels, EMITTER_UID, encodeBroadcast } from "@sio-redis/protocol";
import { startRedisServer } from "@sio-redis/testing";
import { Emitter as OfficialEmitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import { createClient } from "redis";

const N = Number(process.env.N ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 5);
const TEXT_SIZE = Number(process.env.SIZE ?? 64);
const gc = (globalThis as { gc?: () => void }).gc;

// Pinning needs taskset and two cores; PIN=0 turns it off.
const PIN = process.env.PIN !== "0" && availableParallelism() >= 2 && existsSync("/usr/bin/taskset");
const REDIS_CPU = 1;
const CLIENT_CPU = 0;

function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return PIN ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];
}

// ---------------------------------------------------------------- measurements

type Publisher = {
  name: string;
  /** Publishes one message; may return the publish promise. */
  emit(): unknown;
  /** Resolves once Redis processed everything sent before (a PING behind the PUBLISHes on the same connection). */
  drain(): Promise<unknown>;
  close(): Promise<unknown>;
};

const text = "x".repeat(TEXT_SIZE);
const ARGS = ["news", { text, n: 1 }] as const;
const CHANNEL = classicChannels("socket.io", "/").broadcast;
const PAYLOAD = encodeBroadcast(
  {
    uid: EMITTER_UID,
    packet: { type: 2, data: [...ARGS], nsp: "/" },
    opts: { rooms: [], except: [], flags: {} },
  },
  { style: "emitter" },
) as Buffer;

async function publishCalls(admin: ReturnType<typeof createClient>): Promise<number> {
  const info = await admin.info("commandstats");
  const match = /cmdstat_publish:calls=(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}

const WINDOW = Number(process.env.WINDOW ?? 1000);

/**
 * Emits `count` messages the way a producer does: a loop that waits for Redis every WINDOW messages (our
 * emitter: the promises; the official one returns none, so a PING queued behind the PUBLISHes stands in).
 */
async function burst(p: Publisher, count: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < count; ) {
    const n = Math.min(WINDOW, count - sent);
    const pending: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) pending[i] = p.emit();
    await Promise.all(pending);
    await p.drain();
    sent += n;
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Heap growth while `count` emits are in flight at once (a loop that never waits), and what stays after gc. */
async function heapGrowth(p: Publisher, count: number): Promise<{ peakMb: number; retainedMb: number }> {
  const collect = gc as () => void;
  collect();
  collect();
  const before = process.memoryUsage().heapUsed;
  const pending: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) pending[i] = p.emit();
  const peak = process.memoryUsage().heapUsed;
  await Promise.all(pending);
  await p.drain();
  pending.length = 0;
  collect();
  collect();
  const after = process.memoryUsage().heapUsed;
  return { peakMb: (peak - before) / 2 ** 20, retainedMb: (after - before) / 2 ** 20 };
}

interface Row {
  name: string;
  /** Median msg/s. */
  rate: number;
  /** Median of the per-run ratios to redis-benchmark. */
  ratio?: number;
  lost: number;
  peakMb?: number;
  retainedMb?: number;
}

/** One redis-benchmark run: its PUBLISH rate. */
async function redisBenchmark(port: number): Promise<number> {
  const payload = "x".repeat(PAYLOAD.length);
  const args = ["-h", "127.0.0.1", "-p", String(port), "-c", "1", "-P", "16", "-n", String(N), "--csv"];
  const { stdout } = await promisify(execFile)(
    ...pinned(CLIENT_CPU, "redis-benchmark", [...args, "PUBLISH", CHANNEL, payload]),
  );
  const last = stdout.trim().split("\n").pop() ?? "";
  return Number(last.split(",")[1]?.replaceAll('"', ""));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

// ---------------------------------------------------------------- publishers, client defaults untouched

async function nodeRedisClient(port: number) {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  await client.connect();
  return client;
}

async function ioRedisClient(port: number) {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  await client.connect();
  return client;
}

async function publishers(port: number): Promise<Publisher[]> {
  const [nr1, nr2, io1, io2] = [
    await nodeRedisClient(port),
    await nodeRedisClient(port),
    await ioRedisClient(port),
    await ioRedisClient(port),
  ];
  const ours = new Emitter(nr1);
  const official = new OfficialEmitter(nr2);
  const oursIo = new Emitter(io1);
  const officialIo = new OfficialEmitter(io2);
  return [
    {
      name: "@sio-redis/emitter, node-redis 6",
      emit: () => ours.emit(...ARGS),
      drain: () => nr1.ping(),
      close: () => nr1.close(),
    },
    {
      name: "@socket.io/redis-emitter, node-redis 6",
      emit: () => official.emit(...ARGS),
      drain: () => nr2.ping(),
      close: () => nr2.close(),
    },
    {
      name: "@sio-redis/emitter, ioredis 6",
      emit: () => oursIo.emit(...ARGS),
      drain: () => io1.ping(),
      close: () => io1.quit(),
    },
    {
      name: "@socket.io/redis-emitter, ioredis 6",
      emit: () => officialIo.emit(...ARGS),
      drain: () => io2.ping(),
      close: () => io2.quit(),
    },
  ];
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  if (PIN) {
    // Redis on one core, the publishers (this process, or redis-benchmark) on the other: otherwise the
    // scheduler sometimes puts both on one core and a run measures that instead.
    await promisify(execFile)("taskset", ["-cp", String(REDIS_CPU), String(redis.pid)]);
    await promisify(execFile)("taskset", ["-cp", String(CLIENT_CPU), String(process.pid)]);
  }
  const admin = await nodeRedisClient(redis.port);
  const list = await publishers(redis.port);
  try {
    // warm-up as long as a run: node-redis in particular takes ~200k emits to reach its steady speed (JIT, heap)
    for (const p of list) await burst(p, N);
    // Runs are interleaved (baseline, then each publisher) so that machine noise hits all of them alike.
    const baseline: Row = { name: "redis-benchmark -c 1 -P 16 PUBLISH", rate: 0, lost: 0 };
    const rows: Row[] = list.map((p) => ({ name: p.name, rate: 0, lost: 0 }));
    const rates: number[][] = [[], ...list.map(() => [])];
    const ratios: number[][] = list.map(() => []);
    for (let run = 0; run < RUNS; run++) {
      let before = await publishCalls(admin);
      const base = await redisBenchmark(redis.port);
      baseline.lost += N - ((await publishCalls(admin)) - before);
      rates[0]?.push(base);
      for (const [i, p] of list.entries()) {
        before = await publishCalls(admin);
        const rate = (N / (await burst(p, N))) * 1000;
        (rows[i] as Row).lost += N - ((await publishCalls(admin)) - before);
        rates[i + 1]?.push(rate);
        ratios[i]?.push(rate / base);
      }
    }
    baseline.rate = median(rates[0] as number[]);
    baseline.ratio = 1;
    for (const [i, row] of rows.entries()) {
      row.rate = median(rates[i + 1] as number[]);
      row.ratio = median(ratios[i] as number[]);
    }
    if (gc) {
      for (const [i, p] of list.entries()) {
        const before = await publishCalls(admin);
        Object.assign(rows[i] as Row, await heapGrowth(p, N));
        (rows[i] as Row).lost += N - ((await publishCalls(admin)) - before);
      }
    }
    report([baseline, ...rows]);
  } finally {
    for (const p of list) await p.close();
    await admin.close();
    await redis.stop();
  }
}

function report(rows: Row[]): void {
  const baseline = rows[0] as Row;
  const officialOf = (name: string) =>
    rows.find((r) => r.name.startsWith("@socket.io") && r.name.endsWith(name.slice(name.indexOf(","))));
  console.log(
    `emitter benchmark: ${N} messages of ${PAYLOAD.length} bytes to ${CHANNEL}, median of ${RUNS} interleaved runs, ` +
      `waiting for Redis every ${WINDOW} emits, node ${process.version}`,
  );
  console.log(`baseline: redis-benchmark -c 1 -P 16 -n ${N} PUBLISH ${CHANNEL} <${PAYLOAD.length} bytes>`);
  console.log(PIN ? "pinned: redis-server on cpu 1, publishers on cpu 0 (PIN=0 to turn off)" : "not pinned to cpus");
  const header = ["publisher".padEnd(40), "msg/s".padStart(8), "vs r-b".padStart(7), "vs official".padStart(12)];
  header.push("lost".padStart(5), "heap peak MB".padStart(13), "retained MB".padStart(12));
  console.log(header.join(" "));
  for (const row of rows) {
    const official = row.name.startsWith("@sio-redis") ? officialOf(row.name) : undefined;
    console.log(
      [
        row.name.padEnd(40),
        Math.round(row.rate).toString().padStart(8),
        `${(row.ratio ?? row.rate / baseline.rate).toFixed(2)}x`.padStart(7),
        (official ? `${(row.rate / official.rate).toFixed(2)}x` : "").padStart(12),
        String(row.lost).padStart(5),
        (row.peakMb === undefined ? "" : row.peakMb.toFixed(1)).padStart(13),
        (row.retainedMb === undefined ? "" : row.retainedMb.toFixed(1)).padStart(12),
      ].join(" "),
    );
  }
  if (!gc) console.log("(run with node --expose-gc for the heap columns)");
  else console.log(`heap: ${N} emits in flight at once (a loop that never waits), then after gc`);
  const lost = rows.reduce((sum, r) => sum + r.lost, 0);
  console.log(
    lost === 0 ? "no message lost (counted by Redis: INFO commandstats cmdstat_publish)" : `${lost} messages lost`,
  );
}

await main();
