// Adapter benchmark: @sio-redis/adapter against the official @socket.io/redis-adapter 8.3.0, side by side in one
// run, both on node-redis 6 clients, each candidate with its own private redis-server. Every Socket.IO server is
// a process of its own (adapter-server.ts); the socket.io-client websocket clients live in this process.
//
//   (a) fan-out:   2 servers, 200 clients; server A emits to everyone; deliveries/s end to end
//   (b) rooms:     1000 rooms of one client, half on each of 2 servers; A emits to random rooms; emits/s and
//                  pub/sub messages received by the servers' sub connections per emit
//   (c) requests:  3 servers x 100 clients with realistic handshakes; fetchSockets() and
//                  serverSideEmitWithAck() latency from A, and what B and C's sub connections receive meanwhile
//   (d) churn:     connect + disconnect cycles/s against 2 servers
//
//   pnpm --filter @sio-redis/bench adapter [--scenario a|b|c|d[,...]] [--rounds N (default 7)]
//   env: PIN=0 (no cpu pinning), FANOUT_EMITS=1000, ROOM_EMITS=5000, REQUESTS=30, CHURN_CYCLES=500
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { seededRandom } from "@sio-redis/testing";
import type { Socket as ClientSocket } from "socket.io-client";
import {
  type Candidate,
  CLIENT_CPU,
  Cluster,
  openClient,
  PIN,
  pin,
  REDIS_CPU,
  SERVER_CPU,
  stopAll,
} from "./adapter-cluster.js";
import type { ClientAuth, ServerStats, Timed } from "./adapter-server.js";

const OURS_BUILD = new URL("../../../packages/adapter/dist/esm/index.js", import.meta.url);
const OURS_BUILT = existsSync(OURS_BUILD);

const OFFICIAL: Candidate = { name: "official", kind: "official", options: {} };
const OFFICIAL_SPECIFIC: Candidate = {
  name: "official, specific responses",
  kind: "official",
  options: { publishOnSpecificResponseChannel: true },
};
const OURS: Candidate = { name: "ours", kind: "ours", options: {} };
const OURS_DYNAMIC: Candidate = {
  name: "ours, dynamic",
  kind: "ours",
  options: { subscriptionMode: "dynamic" },
};

// ---------------------------------------------------------------- flags and sizes

const USAGE = "usage: adapter [--scenario a|b|c|d[,...]] [--rounds N]";

function fail(message: string): never {
  console.error(`adapter bench: ${message}\n${USAGE}`);
  process.exit(2);
}

/** A positive integer from the environment, or the default; anything else names itself and exits 2. */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`bad ${name}=${raw}: expected a positive integer`);
  return n;
}

const FANOUT_EMITS = envCount("FANOUT_EMITS", 1000);
const ROOM_EMITS = envCount("ROOM_EMITS", 5000);
const REQUESTS = envCount("REQUESTS", 30);
const CHURN_CYCLES = envCount("CHURN_CYCLES", 500);
const CHURN_CONCURRENCY = 10;
const DELIVERY_TIMEOUT_MS = 30_000;
/** How long Redis may take to drop the channels of sockets that left, after the servers dropped the sockets. */
const UNSUBSCRIBE_TIMEOUT_MS = 5_000;

function parseFlags(argv: string[]): { scenarios: string[]; rounds: number } {
  const flags = { scenarios: ["a", "b", "c", "d"], rounds: 7 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") continue; // what some pnpm versions pass through
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = () => {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined || v === "") fail(`${name} needs a value`);
      return v;
    };
    if (name === "--scenario") {
      const v = value();
      const list = v.split(",");
      const bad = list.find((s) => !["a", "b", "c", "d"].includes(s));
      if (bad !== undefined) fail(`bad --scenario ${v}: ${JSON.stringify(bad)} is not one of a, b, c, d`);
      flags.scenarios = [...new Set(list)].sort();
    } else if (name === "--rounds") {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100) fail(`bad --rounds ${v}: expected an integer from 1 to 100`);
      flags.rounds = n;
    } else if (name === "--help" || name === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      fail(`unknown flag ${arg}`);
    }
  }
  return flags;
}

// ---------------------------------------------------------------- statistics

const median = (values: number[]) => percentile(values, 50);

/** Nearest-rank percentile; NaN for no values. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Per-candidate samples, filled round by round. */
class Samples {
  readonly #values = new Map<string, number[]>();
  add(candidate: string, metric: string, ...values: number[]): void {
    const key = `${candidate}\u0000${metric}`;
    const list = this.#values.get(key) ?? [];
    list.push(...values);
    this.#values.set(key, list);
  }
  get(candidate: string, metric: string): number[] {
    return this.#values.get(`${candidate}\u0000${metric}`) ?? [];
  }
  median(candidate: string, metric: string): number {
    return median(this.get(candidate, metric));
  }
  /** Median of the per-round ratios a/b (rounds pair up by index). */
  pairedRatio(a: string, b: string, metric: string): number {
    const x = this.get(a, metric);
    const y = this.get(b, metric);
    return median(x.slice(0, Math.min(x.length, y.length)).map((v, i) => v / (y[i] as number)));
  }
}

/** Counts events until a target; `until` resolves when it is reached. */
class Tally {
  n = 0;
  #target = Number.POSITIVE_INFINITY;
  #reached: (() => void) | undefined;
  hit(): void {
    if (++this.n === this.#target) this.#reached?.();
  }
  until(target: number, what: string): Promise<void> {
    this.#target = target;
    if (this.n >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: ${this.n} of ${target} after ${DELIVERY_TIMEOUT_MS} ms`)),
        DELIVERY_TIMEOUT_MS,
      );
      this.#reached = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  reset(): void {
    this.n = 0;
    this.#target = Number.POSITIVE_INFINITY;
    this.#reached = undefined;
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const delta = (after: ServerStats[], before: ServerStats[], pick: (s: ServerStats) => number | undefined) =>
  after.map((s, i) => (pick(s) ?? Number.NaN) - (pick(before[i] as ServerStats) ?? Number.NaN));

/** Alternates the order of candidates from one round to the next, so neither always goes first. */
const ordered = <T>(items: T[], round: number) => (round % 2 === 0 ? items : [...items].reverse());

// ---------------------------------------------------------------- reporting

interface SummaryRow {
  scenario: string;
  metric: string;
  reference: string;
  referenceValue: number;
  ours: number;
  /** ours / reference; for lower-is-better metrics too (the target says which way is good). */
  ratio: number;
  target: string;
}

const summary: SummaryRow[] = [];
const notes: string[] = [];

function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Prints aligned columns: the first `left` ones (names) to the left, the rest (numbers) to the right. */
function table(header: string[], rows: string[][], left = 1): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)));
  console.log(line(header).join("  "));
  for (const row of rows) console.log(line(row).join("  "));
}

function candidatesOf(all: Candidate[]): Candidate[] {
  return OURS_BUILT ? all : all.filter((c) => c.kind !== "ours");
}

/** Starts a cluster per candidate, runs `body`, always stops them all. */
async function withClusters<T>(
  candidates: Candidate[],
  servers: number,
  body: (clusters: Cluster[]) => Promise<T>,
): Promise<T> {
  const clusters: Cluster[] = [];
  try {
    for (const c of candidates) clusters.push(await Cluster.start(c, servers));
    return await body(clusters);
  } finally {
    await Promise.allSettled(clusters.map((c) => c.stop()));
  }
}

// ---------------------------------------------------------------- (a) fan-out

async function fanout(rounds: number): Promise<void> {
  const CLIENTS = 200;
  const text = "x".repeat(64);
  const candidates = candidatesOf([OFFICIAL, OURS, OURS_DYNAMIC]);
  const samples = new Samples();
  await withClusters(candidates, 2, async (clusters) => {
    const tallies = new Map<Cluster, { tally: Tally; perClient: number[] }>();
    for (const cluster of clusters) {
      const sockets = await cluster.connect(CLIENTS, (i) => ({ server: cluster.server(i % 2) }));
      const state = { tally: new Tally(), perClient: new Array<number>(CLIENTS).fill(0) };
      for (const [i, socket] of sockets.entries()) {
        socket.on("m", () => {
          state.perClient[i] = (state.perClient[i] as number) + 1;
          state.tally.hit();
        });
      }
      tallies.set(cluster, state);
    }
    const once = async (cluster: Cluster, record: boolean) => {
      const { tally, perClient } = tallies.get(cluster) as { tally: Tally; perClient: number[] };
      await cluster.gc();
      tally.reset();
      perClient.fill(0);
      const before = await cluster.stats();
      const started = performance.now();
      const arrived = tally.until(CLIENTS * FANOUT_EMITS, `fan-out ${cluster.candidate.name}`);
      await Promise.all([cluster.server(0).call({ cmd: "fanout", count: FANOUT_EMITS, text }), arrived]);
      const ms = performance.now() - started;
      const after = await cluster.stats();
      const wrong = perClient.filter((n) => n !== FANOUT_EMITS).length;
      if (wrong > 0 || tally.n !== CLIENTS * FANOUT_EMITS) {
        throw new Error(`fan-out ${cluster.candidate.name}: ${wrong} clients got a wrong count (${tally.n} in all)`);
      }
      if (!record) return;
      const name = cluster.candidate.name;
      samples.add(name, "rate", ((CLIENTS * FANOUT_EMITS) / ms) * 1000);
      samples.add(name, "msgs", sum(delta(after, before, (s) => s.subMessages)) / FANOUT_EMITS);
      samples.add(name, "bytes", sum(delta(after, before, (s) => s.subBytes)) / FANOUT_EMITS);
    };
    for (const cluster of clusters) await once(cluster, false); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const cluster of ordered(clusters, round)) await once(cluster, true);
    }
  });
  console.log(
    `\n(a) fan-out: 2 servers, ${CLIENTS} clients (100 each); server A emits ${FANOUT_EMITS} events of 64 text ` +
      `bytes to all; median of ${rounds} rounds`,
  );
  table(
    ["adapter", "deliveries/s", "vs official", "sub msgs/emit (A+B)", "sub bytes/emit (A+B)"],
    candidates.map((c) => [
      c.name,
      fmt(samples.median(c.name, "rate")),
      c.kind === "ours" ? `${fmt(samples.pairedRatio(c.name, OFFICIAL.name, "rate"), 2)}x` : "",
      fmt(samples.median(c.name, "msgs"), 2),
      fmt(samples.median(c.name, "bytes")),
    ]),
  );
  for (const ours of candidates.filter((c) => c.kind === "ours")) {
    summary.push({
      scenario: `a fan-out, ${ours.name}`,
      metric: "deliveries/s",
      reference: OFFICIAL.name,
      referenceValue: samples.median(OFFICIAL.name, "rate"),
      ours: samples.median(ours.name, "rate"),
      ratio: samples.pairedRatio(ours.name, OFFICIAL.name, "rate"),
      target: "≈ 1 (higher is better)",
    });
  }
}

// ---------------------------------------------------------------- (b) rooms

async function rooms(rounds: number): Promise<void> {
  const ROOMS = 1000;
  const candidates = candidatesOf([OFFICIAL, OURS, OURS_DYNAMIC]);
  const samples = new Samples();
  await withClusters(candidates, 2, async (clusters) => {
    const tallies = new Map<Cluster, { tally: Tally; perRoom: number[] }>();
    for (const cluster of clusters) {
      const state = { tally: new Tally(), perRoom: new Array<number>(ROOMS).fill(0) };
      const sockets = await cluster.connect(ROOMS, (i) => ({
        server: cluster.server(i % 2),
        options: { auth: { rooms: [`room-${i}`] } satisfies ClientAuth },
      }));
      for (const [i, socket] of sockets.entries()) {
        socket.on("r", () => {
          state.perRoom[i] = (state.perRoom[i] as number) + 1;
          state.tally.hit();
        });
      }
      tallies.set(cluster, state);
    }
    const once = async (cluster: Cluster, round: number, record: boolean) => {
      const { tally, perRoom } = tallies.get(cluster) as { tally: Tally; perRoom: number[] };
      // seeded: every candidate gets the same "random" rooms in a round
      const next = seededRandom(round + 1);
      const targets = Array.from({ length: ROOM_EMITS }, () => Math.floor(next() * ROOMS));
      const expected = new Array<number>(ROOMS).fill(0);
      for (const t of targets) expected[t] = (expected[t] as number) + 1;
      await cluster.gc();
      tally.reset();
      perRoom.fill(0);
      const before = await cluster.stats();
      const started = performance.now();
      const arrived = tally.until(ROOM_EMITS, `rooms ${cluster.candidate.name}`);
      const roomNames = targets.map((t) => `room-${t}`);
      await Promise.all([cluster.server(0).call({ cmd: "rooms", rooms: roomNames }), arrived]);
      const ms = performance.now() - started;
      const after = await cluster.stats();
      const wrong = perRoom.filter((n, i) => n !== expected[i]).length;
      if (wrong > 0) throw new Error(`rooms ${cluster.candidate.name}: ${wrong} rooms got a wrong count`);
      if (!record) return;
      const name = cluster.candidate.name;
      const msgs = delta(after, before, (s) => s.subMessages);
      samples.add(name, "rate", (ROOM_EMITS / ms) * 1000);
      samples.add(name, "msgs", sum(msgs) / ROOM_EMITS);
      samples.add(name, "msgsA", (msgs[0] as number) / ROOM_EMITS);
      samples.add(name, "msgsB", (msgs[1] as number) / ROOM_EMITS);
      samples.add(name, "bytes", sum(delta(after, before, (s) => s.subBytes)) / ROOM_EMITS);
      samples.add(name, "counter", sum(delta(after, before, (s) => s.counters?.messagesIn)) / ROOM_EMITS);
    };
    for (const cluster of clusters) await once(cluster, 0, false);
    for (let round = 0; round < rounds; round++) {
      for (const cluster of ordered(clusters, round)) await once(cluster, round, true);
    }
  });
  console.log(
    `\n(b) rooms: ${ROOMS} rooms of one client, ${ROOMS / 2} on each of 2 servers; server A emits ${ROOM_EMITS} ` +
      `events, each to one random room; median of ${rounds} rounds`,
  );
  table(
    ["adapter", "emits/s", "vs official", "sub msgs/emit A+B", "A", "B", "sub bytes/emit", "counters.messagesIn/emit"],
    candidates.map((c) => [
      c.name,
      fmt(samples.median(c.name, "rate")),
      c.kind === "ours" ? `${fmt(samples.pairedRatio(c.name, OFFICIAL.name, "rate"), 2)}x` : "",
      fmt(samples.median(c.name, "msgs"), 2),
      fmt(samples.median(c.name, "msgsA"), 2),
      fmt(samples.median(c.name, "msgsB"), 2),
      fmt(samples.median(c.name, "bytes")),
      fmt(samples.median(c.name, "counter"), 2),
    ]),
  );
  for (const ours of candidates.filter((c) => c.kind === "ours")) {
    summary.push(
      {
        scenario: `b rooms, ${ours.name}`,
        metric: "emits/s",
        reference: OFFICIAL.name,
        referenceValue: samples.median(OFFICIAL.name, "rate"),
        ours: samples.median(ours.name, "rate"),
        ratio: samples.pairedRatio(ours.name, OFFICIAL.name, "rate"),
        target: "higher is better",
      },
      {
        scenario: `b rooms, ${ours.name}`,
        metric: "sub msgs per emit (A+B)",
        reference: OFFICIAL.name,
        referenceValue: samples.median(OFFICIAL.name, "msgs"),
        ours: samples.median(ours.name, "msgs"),
        ratio: samples.median(ours.name, "msgs") / samples.median(OFFICIAL.name, "msgs"),
        target: "pattern 2.0 like official; dynamic 1.0",
      },
    );
  }
}

// ---------------------------------------------------------------- (c) fetchSockets / serverSideEmitWithAck

const USER_AGENT =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** What a browser behind a proxy sends, give or take: headers, cookies, a token, some query parameters. */
function realisticHandshake(i: number) {
  const next = seededRandom(1000 + i);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
  const b64 = (n: number) => Buffer.from(hex(n * 2), "hex").toString("base64url");
  const auth: ClientAuth = {
    token: `${b64(27)}.${b64(90)}.${b64(32)}`,
    rooms: [`user:${i}`, `org:${i % 20}`],
    data: { userId: `u_${hex(12)}`, name: `User ${i}`, roles: ["member"], joinedAt: 1764064800000 + i * 1000 },
  };
  return {
    auth,
    query: { app: "web", version: "5.12.3", tz: "Europe/Paris" },
    extraHeaders: {
      "user-agent": USER_AGENT,
      "accept-language": "en-US,en;q=0.9,fr;q=0.8",
      "accept-encoding": "gzip, deflate, br, zstd",
      "cache-control": "no-cache",
      origin: "https://app.example.com",
      cookie: `session=${hex(64)}; _ga=GA1.1.${Math.floor(next() * 1e9)}.1764064800; theme=dark; locale=en-US`,
      "x-forwarded-for": `203.0.113.${i % 250}, 10.0.0.${i % 250}`,
      "x-forwarded-proto": "https",
      "x-request-id": `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    },
  };
}

async function requests(rounds: number): Promise<void> {
  const PER_SERVER = 100;
  const SERVERS = 3;
  const candidates = candidatesOf([OFFICIAL, OFFICIAL_SPECIFIC, OURS, OURS_DYNAMIC]);
  const samples = new Samples();
  await withClusters(candidates, SERVERS, async (clusters) => {
    for (const cluster of clusters) {
      await cluster.connect(PER_SERVER * SERVERS, (i) => ({
        server: cluster.server(i % SERVERS),
        options: realisticHandshake(i),
      }));
    }
    const once = async (cluster: Cluster, record: boolean) => {
      const name = cluster.candidate.name;
      const asker = cluster.server(0);
      await cluster.gc();
      const s0 = await cluster.stats();
      const fetched = await asker.call<Timed>({ cmd: "fetchSockets", times: REQUESTS });
      const s1 = await cluster.stats();
      const emitted = await asker.call<Timed>({ cmd: "serverSideEmit", times: REQUESTS });
      const s2 = await cluster.stats();
      if (fetched.count !== PER_SERVER * SERVERS) {
        throw new Error(`${name}: fetchSockets() returned ${fetched.count} sockets, not ${PER_SERVER * SERVERS}`);
      }
      if (emitted.count !== SERVERS - 1) {
        throw new Error(`${name}: serverSideEmitWithAck() got ${emitted.count} answers, not ${SERVERS - 1}`);
      }
      if (!record) return;
      // the servers that did not ask: B and C, averaged; and A, which asked
      const others = (d: number[]) => sum(d.slice(1)) / (SERVERS - 1) / REQUESTS;
      samples.add(name, "fetchMs", ...fetched.latencies);
      samples.add(name, "sseMs", ...emitted.latencies);
      samples.add(name, "fetchKbBC", others(delta(s1, s0, (s) => s.subBytes)) / 1024);
      samples.add(name, "fetchBytesA", (delta(s1, s0, (s) => s.subBytes)[0] as number) / REQUESTS);
      samples.add(name, "fetchMsgsBC", others(delta(s1, s0, (s) => s.subMessages)));
      samples.add(name, "sseBytesBC", others(delta(s2, s1, (s) => s.subBytes)));
      samples.add(name, "sseMsgsBC", others(delta(s2, s1, (s) => s.subMessages)));
    };
    for (const cluster of clusters) await once(cluster, false);
    for (let round = 0; round < rounds; round++) {
      for (const cluster of ordered(clusters, round)) await once(cluster, true);
    }
  });
  console.log(
    `\n(c) requests: ${SERVERS} servers x ${PER_SERVER} clients with realistic handshakes; server A calls ` +
      `io.fetchSockets() then io.serverSideEmitWithAck() ${REQUESTS} times each per round, one at a time; ` +
      `${rounds} rounds; B/C = mean of the two servers that did not ask, per call`,
  );
  table(
    [
      "adapter",
      "fetch median ms",
      "p95",
      "KB to A",
      "KB to B/C",
      "msgs to B/C",
      "sse median ms",
      "p95",
      "bytes to B/C",
      "msgs to B/C",
    ],
    candidates.map((c) => [
      c.name,
      fmt(samples.median(c.name, "fetchMs"), 2),
      fmt(percentile(samples.get(c.name, "fetchMs"), 95), 2),
      fmt(samples.median(c.name, "fetchBytesA") / 1024, 1),
      fmt(samples.median(c.name, "fetchKbBC"), 2),
      fmt(samples.median(c.name, "fetchMsgsBC"), 1),
      fmt(samples.median(c.name, "sseMs"), 2),
      fmt(percentile(samples.get(c.name, "sseMs"), 95), 2),
      fmt(samples.median(c.name, "sseBytesBC")),
      fmt(samples.median(c.name, "sseMsgsBC"), 1),
    ]),
  );
  const pairs = candidates
    .filter((c) => c.kind === "ours")
    .flatMap((ours) => [OFFICIAL, OFFICIAL_SPECIFIC].map((reference) => [ours, reference] as const));
  for (const [ours, reference] of pairs) {
    const row = (metric: string, key: string, target: string, p = 50): SummaryRow => {
      const r = percentile(samples.get(reference.name, key), p);
      const o = percentile(samples.get(ours.name, key), p);
      return {
        scenario: `c requests, ${ours.name}`,
        metric,
        reference: reference.name,
        referenceValue: r,
        ours: o,
        ratio: o / r,
        target,
      };
    };
    summary.push(
      row("fetchSockets median ms", "fetchMs", "lower is better"),
      row("fetchSockets p95 ms", "fetchMs", "lower is better", 95),
      row("fetchSockets KB to B/C", "fetchKbBC", "ours < 1 KB"),
      row("serverSideEmitWithAck median ms", "sseMs", "lower is better"),
      row("serverSideEmitWithAck p95 ms", "sseMs", "lower is better", 95),
      row("serverSideEmitWithAck bytes to B/C", "sseBytesBC", "lower is better"),
    );
  }
}

// ---------------------------------------------------------------- (d) churn

async function churn(rounds: number): Promise<void> {
  const candidates = candidatesOf([OFFICIAL, OURS, OURS_DYNAMIC]);
  const samples = new Samples();
  await withClusters(candidates, 2, async (clusters) => {
    const baselines = new Map<Cluster, number>();
    for (const cluster of clusters) baselines.set(cluster, await cluster.channelCount());
    const once = async (cluster: Cluster, cycles: number, record: boolean) => {
      const name = cluster.candidate.name;
      const baseline = baselines.get(cluster) as number;
      await cluster.gc();
      const callsBefore = await cluster.commandCalls();
      const started = performance.now();
      let next = 0;
      const loop = async () => {
        while (next < cycles) {
          const i = next++;
          const socket: ClientSocket = await openClient(cluster.server(i % 2).url);
          socket.disconnect();
        }
      };
      await Promise.all(Array.from({ length: CHURN_CONCURRENCY }, loop));
      // done when both servers have let every socket go and Redis holds no channel of theirs any more
      const deadline = performance.now() + DELIVERY_TIMEOUT_MS;
      while ((await cluster.stats()).some((s) => s.sockets > 0)) {
        if (performance.now() > deadline) throw new Error(`churn ${name}: sockets left on the servers`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      let channels = await cluster.channelCount();
      const unsubscribed = performance.now() + UNSUBSCRIBE_TIMEOUT_MS;
      while (channels > baseline && performance.now() < unsubscribed) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        channels = await cluster.channelCount();
      }
      const ms = performance.now() - started;
      if (channels > baseline) throw new Error(`churn ${name}: ${channels - baseline} channels still subscribed`);
      const callsAfter = await cluster.commandCalls();
      if (!record) return;
      const subs = ["subscribe", "unsubscribe", "psubscribe", "punsubscribe"];
      const commands = sum(subs.map((c) => (callsAfter.get(c) ?? 0) - (callsBefore.get(c) ?? 0)));
      samples.add(name, "rate", (cycles / ms) * 1000);
      samples.add(name, "subs", commands / cycles);
    };
    for (const cluster of clusters) await once(cluster, Math.ceil(CHURN_CYCLES / 3), false);
    for (let round = 0; round < rounds; round++) {
      for (const cluster of ordered(clusters, round)) await once(cluster, CHURN_CYCLES, true);
    }
  });
  console.log(
    `\n(d) churn: ${CHURN_CYCLES} connect+disconnect cycles per round, ${CHURN_CONCURRENCY} at a time, ` +
      `alternating between 2 servers; timed until both servers dropped every socket and Redis dropped every ` +
      `channel they added; median of ${rounds} rounds`,
  );
  const ours = candidates.find((c) => c === OURS_DYNAMIC);
  table(
    ["adapter", "cycles/s", "vs official", "vs ours (pattern)", "(un)subscribe cmds/cycle"],
    candidates.map((c) => [
      c.name,
      fmt(samples.median(c.name, "rate")),
      c.kind === "ours" ? `${fmt(samples.pairedRatio(c.name, OFFICIAL.name, "rate"), 2)}x` : "",
      c === ours ? `${fmt(samples.pairedRatio(c.name, OURS.name, "rate"), 2)}x` : "",
      fmt(samples.median(c.name, "subs"), 2),
    ]),
  );
  if (ours) {
    summary.push(
      {
        scenario: "d churn",
        metric: "cycles/s",
        reference: OURS.name,
        referenceValue: samples.median(OURS.name, "rate"),
        ours: samples.median(ours.name, "rate"),
        ratio: samples.pairedRatio(ours.name, OURS.name, "rate"),
        target: "≥ 0.8",
      },
      {
        scenario: "d churn",
        metric: "cycles/s",
        reference: OFFICIAL.name,
        referenceValue: samples.median(OFFICIAL.name, "rate"),
        ours: samples.median(ours.name, "rate"),
        ratio: samples.pairedRatio(ours.name, OFFICIAL.name, "rate"),
        target: "for reference",
      },
    );
  }
}

// ---------------------------------------------------------------- main

const SCENARIOS: Record<string, (rounds: number) => Promise<void>> = { a: fanout, b: rooms, c: requests, d: churn };

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const flags = parseFlags(args);
  await pin(process.pid, CLIENT_CPU);
  const started = performance.now();
  console.log(
    `adapter benchmark: @sio-redis/adapter vs @socket.io/redis-adapter 8.3.0, node-redis 6 clients, socket.io 4.8.4, ` +
      `node ${process.version}; each candidate on its own redis-server, every Socket.IO server its own process`,
  );
  console.log(
    PIN
      ? `pinned: Socket.IO servers on cpu ${SERVER_CPU}, redis-server on cpu ${REDIS_CPU}, clients on cpu ${CLIENT_CPU} (PIN=0 to turn off)`
      : "not pinned to cpus",
  );
  if (!OURS_BUILT) notes.push(`ours not measured: ${OURS_BUILD.pathname} does not exist (build @sio-redis/adapter)`);
  for (const scenario of flags.scenarios) {
    try {
      await SCENARIOS[scenario]?.(flags.rounds);
    } catch (err) {
      // one failing scenario (typically a candidate that loses messages) must not hide the others
      console.error(`\n(${scenario}) failed: ${(err as Error).stack ?? err}`);
      notes.push(`scenario ${scenario} FAILED: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }

  console.log(
    `\nsummary: ratio = ours / reference; rates: median of the per-round ratios of ${flags.rounds} interleaved ` +
      "rounds; latencies (all calls pooled) and counts: ratio of the medians",
  );
  table(
    ["scenario", "metric", "reference", "reference value", "ours", "ratio", "target"],
    summary.map((r) => [
      r.scenario,
      r.metric,
      r.reference,
      fmt(r.referenceValue, r.referenceValue < 100 ? 2 : 0),
      fmt(r.ours, r.ours < 100 ? 2 : 0),
      `${fmt(r.ratio, 2)}x`,
      r.target,
    ]),
    3,
  );
  for (const note of notes) console.log(note);
  console.log(`total ${fmt((performance.now() - started) / 1000, 1)} s`);
  console.log(`command: pnpm --filter @sio-redis/bench adapter${args.length ? ` ${args.join(" ")}` : ""}`);
}

process.once("SIGINT", async () => {
  await stopAll();
  process.exit(130);
});

await main();
