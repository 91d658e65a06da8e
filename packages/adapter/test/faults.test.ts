// Faults a production cluster meets: Redis restarting mid-traffic, a peer dying mid-request, publishes the Redis
// client refuses, client errors with and without listeners, hostile frames on the request and response channels
// (the crashes of the official adapter), and a password-protected Redis. Real redis-server processes, real
// Socket.IO servers and clients; every process started here is stopped by PID.
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, type TestContext, test } from "node:test";
import { type RedisServer, startRedisServer, WAIT_MS } from "@sio-redis/testing";
import { Redis, type RedisOptions } from "ioredis";
import { createClient } from "redis";
import { createClient as createClient4 } from "redis4";
import { Server } from "socket.io";
import type { Socket as ClientSocket } from "socket.io-client";
import { type AdapterConstructor, createAdapter, type RedisAdapter, redisAdapter } from "../src/index.js";
import { joinFromAuth, reachAll, readyClient, until, within } from "./harness.js";

// --- process-level crash detection ------------------------------------------------------------------------

const crashes: unknown[] = [];
/** Crashes that happened between tests (in hooks): checked once at the end. */
const between: unknown[] = [];
const onCrash = (err: unknown) => {
  crashes.push(err);
};

before(() => {
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
});

beforeEach(() => {
  between.push(...crashes.splice(0));
});

after(() => {
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  assert.deepEqual([...between, ...crashes], [], "no uncaught exception or unhandled rejection between tests");
});

/** Lets pending rejections be reported (unhandledRejection fires once the microtask queue drains), then checks. */
async function assertNoCrash(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(crashes, [], "no uncaught exception or unhandled rejection");
}

/** Cleanup steps run last-in first-out, each bounded and none able to stop the others. */
class Cleanup {
  readonly #steps: Array<[string, () => unknown]> = [];

  add(what: string, step: () => unknown): void {
    this.#steps.push([what, step]);
  }

  async run(): Promise<void> {
    for (const [what, step] of this.#steps.reverse()) {
      await within(Promise.resolve().then(step), `cleanup: ${what}`, 5000).catch(() => {});
    }
    this.#steps.length = 0;
  }
}

/** A test that owns a Cleanup, run whatever happens, and fails on any crash, cleanup included. */
function faultTest(
  title: string,
  fn: (cleanup: Cleanup, t: TestContext) => Promise<void>,
  options: { timeout?: number; todo?: string } = {},
): void {
  // a guard against a hung test, not a speed limit: on a loaded 2-core machine starting its servers alone can
  // take seconds (and a child process, compiled by tsx, up to PEER_READY_MS)
  test(title, { timeout: options.timeout ?? 60_000, todo: options.todo }, async (t) => {
    const cleanup = new Cleanup();
    try {
      await fn(cleanup, t);
    } finally {
      await cleanup.run();
    }
    await assertNoCrash();
  });
}

// --- building blocks ----------------------------------------------------------------------------------------

type Library = "node-redis" | "ioredis" | "node-redis-4";

interface Pair {
  readonly pub: unknown;
  readonly sub: unknown;
  /** True while both connections are usable. */
  ready(): boolean;
  /** True while neither connection is. */
  down(): boolean;
  /** Adds a no-op `error` listener to both clients: errors after the server closed must not crash the test. */
  mute(): void;
  close(): Promise<void>;
}

const noop = () => {};

interface PairOptions {
  url?: string;
  ioredis?: RedisOptions;
  nodeRedis?: Parameters<typeof createClient>[0];
  nodeRedis4?: Parameters<typeof createClient4>[0];
}

/** A connected pub/sub pair of `library`, with no `error` listener of its own (the adapter adds one). */
async function redisPair(library: Library, options: PairOptions): Promise<Pair> {
  let pair: Pair;
  let connecting: Promise<unknown>;
  if (library === "ioredis") {
    const pub = options.url
      ? new Redis(options.url, { lazyConnect: true, ...options.ioredis })
      : new Redis({ lazyConnect: true, ...options.ioredis });
    const sub = pub.duplicate();
    connecting = Promise.all([pub.connect(), sub.connect()]);
    pair = {
      pub,
      sub,
      ready: () => pub.status === "ready" && sub.status === "ready",
      down: () => pub.status !== "ready" && sub.status !== "ready",
      mute: () => {
        pub.on("error", noop);
        sub.on("error", noop);
      },
      async close() {
        pub.disconnect();
        sub.disconnect();
      },
    };
  } else if (library === "node-redis-4") {
    const pub = createClient4({ url: options.url, ...options.nodeRedis4 });
    const sub = createClient4({ url: options.url });
    connecting = Promise.all([pub.connect(), sub.connect()]);
    pair = {
      pub,
      sub,
      ready: () => pub.isReady && sub.isReady,
      down: () => !pub.isReady && !sub.isReady,
      mute: () => {
        pub.on("error", noop);
        sub.on("error", noop);
      },
      async close() {
        await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
      },
    };
  } else {
    const pub = createClient({ url: options.url, ...options.nodeRedis });
    const sub = pub.duplicate();
    connecting = Promise.all([pub.connect(), sub.connect()]);
    pair = {
      pub,
      sub,
      ready: () => pub.isReady && sub.isReady,
      down: () => !pub.isReady && !sub.isReady,
      mute: () => {
        pub.on("error", noop);
        sub.on("error", noop);
      },
      async close() {
        pub.destroy();
        sub.destroy();
      },
    };
  }
  try {
    await within(connecting, `${library} connections`);
  } catch (err) {
    await pair.close();
    throw err;
  }
  return pair;
}

interface SioNode {
  readonly io: Server;
  readonly port: number;
  readonly adapter: RedisAdapter;
  /** Connects a websocket client; resolves once the server joined `rooms` for it. */
  client(rooms?: string[]): Promise<ClientSocket>;
}

/** A Socket.IO server on 127.0.0.1 whose connections join the rooms of `auth.rooms`; cleanup closes it. */
async function startNode(adapter: AdapterConstructor, cleanup: Cleanup): Promise<SioNode> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter });
  const sockets: ClientSocket[] = [];
  cleanup.add("server", async () => {
    for (const socket of sockets) socket.disconnect();
    await within(new Promise<void>((resolve) => io.close(() => resolve())), "io.close()");
  });
  io.on("connection", joinFromAuth);
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as AddressInfo).port;
  const nsp = io.of("/").adapter as unknown as RedisAdapter;
  await within(nsp.init(), "adapter subscriptions");
  return { io, port, adapter: nsp, client: (rooms = []) => connectClient(port, rooms, sockets) };
}

/**
 * A server with createAdapter on a new pair of `library`. At cleanup the clients are muted (errors they meet once
 * the adapter stopped listening are not the test's subject), the server is closed while they are still open (its
 * adapter unsubscribes), then they are closed.
 */
async function nodeOn(
  library: Library,
  options: PairOptions,
  adapterOptions: Parameters<typeof createAdapter>[2],
  cleanup: Cleanup,
): Promise<SioNode & { readonly pair: Pair }> {
  const pair = await redisPair(library, options);
  cleanup.add("redis clients", () => pair.close());
  const node = await startNode(createAdapter(pair.pub, pair.sub, adapterOptions), cleanup);
  cleanup.add("mute redis clients", () => pair.mute());
  return { ...node, pair };
}

async function connectClient(port: number, rooms: string[], sockets: ClientSocket[]): Promise<ClientSocket> {
  const socket = await readyClient(port, rooms);
  sockets.push(socket);
  return socket;
}

/** Waits until a broadcast from `from` reaches every one of `targets` (subscriptions complete asynchronously). */
const crossReady = (from: SioNode, targets: ClientSocket[]) =>
  reachAll(from.io, targets, `broadcasts of port ${from.port}`).then(() => undefined);

function plainClient(url: string) {
  return createClient({ url });
}
type PlainClient = ReturnType<typeof plainClient>;

/** A plain node-redis connection for PUBSUB, CLIENT LIST/KILL and raw PUBLISHes. */
async function rawClient(url: string, cleanup: Cleanup): Promise<PlainClient> {
  const client = plainClient(url);
  client.on("error", () => {});
  cleanup.add("raw client", () => client.destroy());
  await within(client.connect(), "raw connection");
  return client;
}

async function numsub(client: PlainClient, channel: string): Promise<number> {
  return Number(((await client.sendCommand(["PUBSUB", "NUMSUB", channel])) as unknown[])[1]);
}

/** Kills the Redis connection named `name` (CLIENT SETNAME) with CLIENT KILL ID. */
async function killConnection(admin: PlainClient, name: string): Promise<void> {
  const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
  const id = list
    .split("\n")
    .find((line) => line.includes(` name=${name} `))
    ?.match(/^id=(\d+)/)?.[1];
  if (!id) throw new Error(`no Redis connection named ${name}`);
  await admin.sendCommand(["CLIENT", "KILL", "ID", id]);
}

/** What one client received: event name, sequence number and arrival time. */
class Log {
  readonly entries: Array<{ event: string; seq: number; at: number }> = [];

  constructor(socket: ClientSocket) {
    socket.onAny((event: string, seq: unknown) => {
      if (typeof seq === "number") this.entries.push({ event, seq, at: Date.now() });
    });
  }

  seqs(event: string): number[] {
    return this.entries.filter((e) => e.event === event).map((e) => e.seq);
  }

  /** When the first `event` numbered above `seq` arrived, if it did. */
  firstAfter(event: string, seq: number): number | undefined {
    return this.entries.find((e) => e.event === event && e.seq > seq)?.at;
  }
}

function isStrictlyIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > (values[i - 1] as number));
}

// --- 1. Redis restarts mid-traffic -------------------------------------------------------------------------

const REQUEST = "socket.io-request#/#";
/** How long after Redis is back the servers may take to reconnect and resubscribe (see the restart test). */
const RECOVERY_MS = 5000;
/** Recovery times measured by the restart tests, printed at the end. */
const recoveries: string[] = [];

describe("Redis restart mid-traffic", { concurrency: false }, () => {
  after(() => {
    if (recoveries.length > 0) console.log(`# recovery after a Redis restart:\n# ${recoveries.join("\n# ")}`);
  });

  for (const library of ["node-redis", "ioredis", "node-redis-4"] as const) {
    for (const multiplex of [true, false]) {
      const mode = multiplex ? "room channels" : "pattern";
      faultTest(
        `${library}, ${mode}: local delivery survives the outage, remote delivery is back within 5 s`,
        async (cleanup, t) => {
          let redis: RedisServer = await startRedisServer();
          cleanup.add("redis-server", () => redis.stop());
          const nodes: Array<SioNode & { pair: Pair }> = [];
          let errors = 0;
          for (let i = 0; i < 3; i++) {
            const node = await nodeOn(
              library,
              { url: redis.url },
              { subscriptionMode: multiplex ? "dynamic" : "pattern" },
              cleanup,
            );
            node.adapter.on("error", () => errors++);
            nodes.push(node);
          }
          const [A, B, C] = nodes as unknown as [SioNode, SioNode, SioNode];
          const a1 = await A.client(["r"]);
          const b1 = await B.client(["r"]);
          const b2 = await B.client();
          const c1 = await C.client(["r"]);
          await crossReady(A, [b1, b2, c1]);
          const logs = new Map([a1, b1, b2, c1].map((s) => [s, new Log(s)]));
          const log = (s: ClientSocket) => logs.get(s) as Log;
          // what each client gets from A: everyone "all", room r "room", b2 "direct" (io.to(b2.id))
          const expected: Array<[ClientSocket, string]> = [
            [a1, "all"],
            [a1, "room"],
            [b1, "all"],
            [b1, "room"],
            [b2, "all"],
            [b2, "direct"],
            [c1, "all"],
            [c1, "room"],
          ];
          const remote = expected.filter(([s]) => s !== a1);
          const b2id = b2.id as string;
          let seq = 0;
          const timer = setInterval(() => {
            seq++;
            A.io.emit("all", seq);
            A.io.to("r").emit("room", seq);
            A.io.to(b2id).emit("direct", seq);
          }, 10);
          cleanup.add("broadcast loop", () => clearInterval(timer));
          await until(
            () => expected.every(([s, ev]) => log(s).seqs(ev).length > 0),
            "every client to get its broadcasts before the outage",
          );

          // the outage
          await redis.stop();
          const pairs = nodes.map((n) => n.pair);
          await until(() => pairs.every((p) => p.down()), "every Redis client to notice the outage");
          const seqAtOutage = seq;
          await until(
            () => (log(a1).seqs("all").at(-1) ?? 0) >= seqAtOutage + 20,
            "A's own client to get 20 more broadcasts during the outage",
          );
          assert.ok(
            log(a1)
              .seqs("room")
              .some((s) => s > seqAtOutage),
            "A's own client in room r gets A's room broadcasts during the outage",
          );
          assert.ok(
            pairs.every((p) => p.down()),
            "Redis was still down while A delivered locally",
          );

          // the restart, on the same port
          redis = await startRedisServer({ port: redis.port });
          const restartedAt = Date.now();
          const seqAtRestart = seq;
          // The clients retry with a backoff that grows to 2 s (node-redis 6: plus up to 0.2 s of jitter) while Redis
          // is down: the longer the outage (a loaded machine restarts Redis slowly), the longer the wait for the
          // first attempt after the restart. RECOVERY_MS: the longest backoff, plus room for a busy machine.
          await until(
            () => remote.every(([s, ev]) => log(s).firstAfter(ev, seqAtRestart) !== undefined),
            "broadcasts sent after the restart to reach B and C (to all, to room r, to b2's id)",
            RECOVERY_MS,
          );
          const recovery = Math.max(
            ...remote.map(([s, ev]) => (log(s).firstAfter(ev, seqAtRestart) as number) - restartedAt),
          );

          // requests too, once every server's subscriber connection is back (each reconnects at its own pace)
          const admin = await rawClient(redis.url, cleanup);
          await until(async () => (await numsub(admin, REQUEST)) === 3, "every server subscribed again", RECOVERY_MS);
          const everyone = Date.now() - restartedAt;
          const sockets = await within(A.io.fetchSockets(), "fetchSockets after the restart");
          assert.equal(sockets.length, 4, "fetchSockets sees the 4 clients of A, B and C");
          recoveries.push(`${library}, ${mode}: broadcasts ${recovery} ms, every subscriber ${everyone} ms`);
          t.diagnostic(`broadcasts back ${recovery} ms after the restart, every subscriber ${everyone} ms`);
          t.diagnostic(`adapter errors reported: ${errors}`);

          clearInterval(timer);
          const last = seq;
          await until(() => remote.every(([s, ev]) => log(s).seqs(ev).includes(last)), "the last broadcast");
          // A's own clients got every broadcast, outage or not, exactly once and in order
          const all = Array.from({ length: last }, (_, i) => i + 1);
          assert.deepEqual(log(a1).seqs("all"), all, "a1 got every io.emit() of A");
          assert.deepEqual(log(a1).seqs("room"), all, "a1 got every io.to('r').emit() of A");
          // remote clients miss what was published during the outage (nothing is stored), never get one twice
          for (const [s, ev] of remote) {
            assert.ok(isStrictlyIncreasing(log(s).seqs(ev)), `${ev} on ${s.id}: no duplicate, in order`);
          }
        },
        // two redis-server starts, three servers, a restart: more than the default guard on a loaded machine
        { timeout: 90_000 },
      );
    }
  }
});

// --- 2. a peer dies mid-request ----------------------------------------------------------------------------

const PEER = new URL("./fixtures/peer-server.ts", import.meta.url);
/**
 * How long a peer-server may take to be ready, from its fork: tsx compiles it first, ~1 s on an idle machine and
 * several on a loaded one. Its messages after that are IPC round trips, bounded by the default wait.
 */
const PEER_READY_MS = 30_000;
/**
 * "At once" for a request whose peer died, as opposed to at R's requestsTimeout (5000): ~100 ms on an idle
 * machine (servers are recounted every 100 ms), half the timeout leaves room for a loaded one.
 */
const FAST_MS = 2500;

interface Peer {
  readonly child: ChildProcess;
  readonly port: number;
  /** The next IPC message of `type`. */
  message(type: string, ms?: number): Promise<Record<string, unknown>>;
  /** kill -9 by PID; resolves once it has exited. */
  kill(): Promise<void>;
}

async function startPeer(url: string, key: string, cleanup: Cleanup): Promise<Peer> {
  const child = fork(PEER, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, REDIS_URL: url, KEY: key },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGKILL");
    }
    await exited;
  };
  cleanup.add("peer-server process", kill);
  const message = (type: string, ms = WAIT_MS) =>
    within(
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const onMessage = (m: Record<string, unknown>) => {
          if (m.type !== type) return;
          child.off("message", onMessage);
          resolve(m);
        };
        child.on("message", onMessage);
        child.once("exit", (code) => reject(new Error(`peer-server exited (${code}) before "${type}"`)));
      }),
      `peer-server message "${type}"`,
      ms,
    );
  // the clock starts at the fork, so this one is generous; the next ones start once the peer is up
  const ready = await message("ready", PEER_READY_MS);
  return { child, port: Number(ready.port), message, kill };
}

describe("a peer dies mid-request", { concurrency: false }, () => {
  let redis: RedisServer;
  let keys = 0;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  /** R (requestsTimeout 5000) and L in this process, D in a child process; a client on each. */
  async function trio(cleanup: Cleanup) {
    const key = `peer${process.pid}-${++keys}`;
    const R = await nodeOn("node-redis", { url: redis.url }, { key, requestsTimeout: 5000 }, cleanup);
    const L = await nodeOn("node-redis", { url: redis.url }, { key }, cleanup);
    const D = await startPeer(redis.url, key, cleanup);
    const sockets: ClientSocket[] = [];
    cleanup.add("clients of D", () => {
      for (const s of sockets) s.disconnect();
    });
    const r1 = await R.client(["r-room"]);
    const l1 = await L.client(["l-room"]);
    const d1 = await connectClient(D.port, ["d-room"], sockets);
    await crossReady(R, [l1, d1]);
    L.io.on("fast", (reply: (answer: unknown) => void) => reply("L"));
    L.io.on("slow", (reply: (answer: unknown) => void) => reply("L"));
    const admin = await rawClient(redis.url, cleanup);
    const servers = () => numsub(admin, `${key}-request#/#`);
    assert.equal(await servers(), 3, "3 servers subscribed");
    return { R, D, r1, l1, servers };
  }

  faultTest(
    "killed after receiving serverSideEmitWithAck it never answers: done at once with the live answers",
    async (cleanup) => {
      const { R, D, r1, l1, servers } = await trio(cleanup);
      const answers = R.io.serverSideEmitWithAck("slow");
      await D.message("slow");
      assert.equal(R.adapter.pendingRequests, 1, "the request waits for D");
      const killed = Date.now();
      await D.kill();
      const result = await within(answers, "serverSideEmitWithAck after the kill", 4000);
      const elapsed = Date.now() - killed;
      assert.deepEqual(result, ["L"], "the live peer's answer");
      assert.ok(elapsed < FAST_MS, `done ${elapsed} ms after the kill (requestsTimeout 5000)`);
      assert.equal(R.adapter.pendingRequests, 0, "nothing left pending");
      console.log(`# serverSideEmitWithAck done ${elapsed} ms after kill -9 of the peer`);

      // requests sent once the peer is gone are done at once
      await until(async () => (await servers()) === 2, "Redis to drop the dead peer's subscriptions");
      const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
        const start = Date.now();
        const value = await within(run(), what, 4000);
        const ms = Date.now() - start;
        assert.ok(ms < FAST_MS, `${what} took ${ms} ms with a dead peer (requestsTimeout 5000)`);
        return value;
      };
      const sockets = await timed("fetchSockets", () => R.io.fetchSockets());
      assert.deepEqual(sockets.map((s) => s.id).sort(), [r1.id, l1.id].sort());
      const rooms = await timed("allRooms", () => R.adapter.allRooms());
      assert.ok(rooms.has("l-room") && rooms.has("r-room") && !rooms.has("d-room"), `rooms ${[...rooms]}`);
      assert.deepEqual(await timed("serverSideEmitWithAck", () => R.io.serverSideEmitWithAck("fast")), ["L"]);
      assert.equal(R.adapter.pendingRequests, 0);
    },
  );

  faultTest(
    "a frozen peer killed while fetchSockets, allRooms and serverSideEmitWithAck wait for it",
    async (cleanup) => {
      const { R, D, r1, l1 } = await trio(cleanup);
      D.child.send({ type: "freeze" });
      await D.message("frozen");
      const fetched = R.io.fetchSockets();
      const rooms = R.adapter.allRooms();
      const answers = R.io.serverSideEmitWithAck("fast");
      // L answers at once; D cannot, and Redis still counts its connection
      await until(() => R.adapter.pendingRequests === 3, "the 3 requests to wait for D");
      const killed = Date.now();
      await D.kill();
      const [sockets, all, acks] = await within(Promise.all([fetched, rooms, answers]), "the 3 requests", 4000);
      const elapsed = Date.now() - killed;
      assert.ok(elapsed < FAST_MS, `done ${elapsed} ms after the kill (requestsTimeout 5000)`);
      assert.deepEqual(sockets.map((s) => s.id).sort(), [r1.id, l1.id].sort(), "R's and L's sockets");
      assert.ok(all.has("l-room") && all.has("r-room") && !all.has("d-room"), `rooms ${[...all]}`);
      assert.deepEqual(acks, ["L"]);
      assert.equal(R.adapter.pendingRequests, 0, "nothing left pending");
      console.log(`# 3 requests done ${elapsed} ms after kill -9 of a frozen peer`);
    },
  );
});

// --- 3. publishes the client refuses ---------------------------------------------------------------------

// (Redis unreachable is outage.test.ts: publishes wait in the adapter's queue instead of being refused.)

describe("publishes the Redis client refuses", { concurrency: false }, () => {
  faultTest(
    "node-redis 4 commandsQueueMaxLength: 'queue is full' rejections are counted and reported",
    async (cleanup) => {
      const redis = await startRedisServer();
      cleanup.add("redis-server", () => redis.stop());
      // 2 is the least node-redis 4 connects with
      const node = await nodeOn(
        "node-redis-4",
        { url: redis.url, nodeRedis4: { commandsQueueMaxLength: 2 } },
        {},
        cleanup,
      );
      const reported: Error[] = [];
      node.adapter.on("error", (err: Error) => reported.push(err));
      const errorsBefore = node.adapter.counters.errors;
      // several batches in one tick: the client takes two commands and refuses the others
      for (let i = 0; i < 2000; i++) node.io.emit("burst", i);
      await until(() => node.adapter.counters.errors > errorsBefore, "refused publishes to be counted");
      await until(() => reported.length > 0, "refused publishes to be reported");
      assert.ok(
        reported.some((err) => /queue is full/i.test(err.message)),
        reported.map((e) => e.message).join("; "),
      );
      // later publishes go through
      const other = await nodeOn("node-redis-4", { url: redis.url }, {}, cleanup);
      const target = await other.client();
      await crossReady(node, [target]);
    },
  );
});

// --- 4. client errors ------------------------------------------------------------------------------------

describe("Redis client errors", { concurrency: false }, () => {
  let redis: RedisServer;
  let pairs = 0;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  /** A server on node-redis clients named `<name>:pub` / `<name>:sub` (so CLIENT KILL can find them). */
  async function namedNode(cleanup: Cleanup, sub: Parameters<typeof createClient>[0] = {}) {
    const name = `errors${++pairs}`;
    const pubClient = createClient({ url: redis.url, name: `${name}:pub` });
    const subClient = createClient({ url: redis.url, name: `${name}:sub`, ...sub });
    cleanup.add("redis clients", () => {
      pubClient.destroy();
      subClient.destroy();
    });
    await within(Promise.all([pubClient.connect(), subClient.connect()]), "node-redis connections");
    const node = await startNode(createAdapter(pubClient, subClient), cleanup);
    cleanup.add("mute redis clients", () => {
      pubClient.on("error", noop);
      subClient.on("error", noop);
    });
    return { name, pubClient, subClient, node };
  }

  faultTest("client errors reach the adapter's 'error' listeners and are counted", async (cleanup) => {
    const admin = await rawClient(redis.url, cleanup);
    const { name, pubClient, subClient, node } = await namedNode(cleanup);
    const reported: Error[] = [];
    node.adapter.on("error", (err: Error) => reported.push(err));
    await killConnection(admin, `${name}:sub`);
    await until(() => reported.length >= 1, "the sub client's error to reach the adapter");
    assert.match(reported[0]?.message ?? "", /closed/i);
    await until(() => subClient.isReady, "the sub client to reconnect");
    const afterSub = reported.length;
    await killConnection(admin, `${name}:pub`);
    await until(() => reported.length > afterSub, "the pub client's error to reach the adapter");
    assert.equal(node.adapter.counters.errors, reported.length, "every counted error was reported");
    // the clients reconnect and the adapter works again, both ways
    await until(() => pubClient.isReady && subClient.isReady, "reconnection");
    const peer = await nodeOn("node-redis", { url: redis.url }, {}, cleanup);
    await crossReady(node, [await peer.client()]);
    await crossReady(peer, [await node.client()]);
  });

  faultTest(
    "with no listener on the adapter nor the clients: no crash, one console.warn per client",
    async (cleanup) => {
      const admin = await rawClient(redis.url, cleanup);
      const warnings: string[] = [];
      const warn = console.warn;
      console.warn = (...args: unknown[]) => {
        warnings.push(args.map(String).join(" "));
      };
      cleanup.add("console.warn", () => {
        console.warn = warn;
      });
      const { name, pubClient, subClient, node } = await namedNode(cleanup);
      assert.equal(pubClient.listenerCount("error") + subClient.listenerCount("error"), 2, "the adapter's only");
      for (let i = 1; i <= 2; i++) {
        await killConnection(admin, `${name}:sub`);
        await until(() => node.adapter.counters.errors >= i, `sub client error ${i}`);
        await until(() => subClient.isReady, "the sub client to reconnect");
      }
      assert.equal(warnings.length, 1, `one warning for two errors of the sub client: ${warnings.join(" | ")}`);
      assert.match(warnings[0] ?? "", /subClient/);
      for (let i = 3; i <= 4; i++) {
        await killConnection(admin, `${name}:pub`);
        await until(() => node.adapter.counters.errors >= i, `pub client error ${i - 2}`);
        await until(() => pubClient.isReady, "the pub client to reconnect");
      }
      assert.equal(warnings.length, 2, `one more for the pub client: ${warnings.join(" | ")}`);
      assert.match(warnings[1] ?? "", /pubClient/);
    },
  );

  faultTest(
    "a query made while this server's own subscriber connection is down does not resolve with a partial answer",
    async (cleanup) => {
      const admin = await rawClient(redis.url, cleanup);
      // A's sub connection logs in as a user that can be disabled: killed, it stays down
      await admin.sendCommand(["ACL", "SETUSER", "asub", "on", ">asubpass", "~*", "&*", "+@all"]);
      cleanup.add("ACL user", () => admin.sendCommand(["ACL", "DELUSER", "asub"]));
      const { name, subClient, node: A } = await namedNode(cleanup, { username: "asub", password: "asubpass" });
      A.adapter.on("error", () => {});
      const B = await nodeOn("node-redis", { url: redis.url }, {}, cleanup);
      const a1 = await A.client();
      const b1 = await B.client();
      await crossReady(A, [b1]);
      await admin.sendCommand(["ACL", "SETUSER", "asub", "off"]);
      await killConnection(admin, `${name}:sub`).catch(() => {}); // unless disabling the user closed it
      await until(() => !subClient.isReady, "A's sub connection to be down");
      // Redis drops the killed connection's subscriptions asynchronously
      await until(async () => (await numsub(admin, REQUEST)) === 1, "only B to be subscribed to the request channel");
      const outcome = await within(
        A.io.fetchSockets().then(
          (sockets) => sockets.map((s) => s.id).sort(),
          (err: Error) => err,
        ),
        "fetchSockets",
        4000,
      );
      // a failure, or the whole answer (waiting for the connection): never B's sockets silently missing
      if (!(outcome instanceof Error)) assert.deepEqual(outcome, [a1.id, b1.id].sort());
    },
  );
});

// --- 5. the official adapter's crash repros --------------------------------------------------------------

describe("hostile frames on the request and response channels", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  faultTest(
    '{"type":5} and msgpack nil (c0) on every request and response channel: dropped, all stays up',
    async (cleanup) => {
      const A = await nodeOn("node-redis", { url: redis.url }, { key: "crash1" }, cleanup);
      const B = await nodeOn("node-redis", { url: redis.url }, { key: "crash1" }, cleanup);
      const a1 = await A.client(["room-a"]);
      const b1 = await B.client(["room-b"]);
      await crossReady(A, [b1]);
      await crossReady(B, [a1]);
      const raw = await rawClient(redis.url, cleanup);
      const frames = [Buffer.from('{"type":5}'), Buffer.from([0xc0])];
      const channels = [
        "crash1-request#/#",
        "crash1-response#/#",
        `crash1-response#/#${A.adapter.uid}#`,
        `crash1-response#/#${B.adapter.uid}#`,
      ];
      const before = [A.adapter.counters.dropped, B.adapter.counters.dropped] as const;
      for (const channel of channels) for (const frame of frames) await raw.publish(channel, frame);
      // each adapter hears the request channel, the shared response channel and its own response channel
      await until(() => A.adapter.counters.dropped >= before[0] + 6, "A to drop 6 frames");
      await until(() => B.adapter.counters.dropped >= before[1] + 6, "B to drop 6 frames");
      assert.equal(B.adapter.counters.dropped, before[1] + 6, "B dropped each frame once");
      // later requests and broadcasts work
      const sockets = await within(A.io.fetchSockets(), "fetchSockets");
      assert.deepEqual(sockets.map((s) => s.id).sort(), [a1.id, b1.id].sort());
      const rooms = await within(B.adapter.allRooms(), "allRooms");
      assert.ok(rooms.has("room-a") && rooms.has("room-b"));
      await crossReady(A, [b1]);
      assert.equal(A.adapter.counters.dropped, before[0] + 6, "nothing else dropped");
      assert.ok(a1.connected && b1.connected, "no client was disconnected");
    },
  );

  faultTest(
    "a peer answering a pending fetchSockets with malformed responses: dropped, the request completes",
    async (cleanup) => {
      const A = await nodeOn("node-redis", { url: redis.url }, { key: "crash2" }, cleanup);
      const B = await nodeOn("node-redis", { url: redis.url }, { key: "crash2" }, cleanup);
      const a1 = await A.client();
      const b1 = await B.client();
      await crossReady(A, [b1]);
      // a misbehaving peer: a real subscriber of the request channel (so counted as a server) answering garbage
      const raw = await rawClient(redis.url, cleanup);
      const spy = await rawClient(redis.url, cleanup);
      const garbage = (requestId: string) => [
        Buffer.from([0xc0]),
        Buffer.from('{"type":5}'),
        Buffer.from(JSON.stringify({ requestId })),
        Buffer.from(JSON.stringify({ requestId, sockets: [null] })),
        Buffer.from(JSON.stringify({ requestId, sockets: "x" })),
        Buffer.from(JSON.stringify({ requestId, sockets: [{ id: 5 }] })),
      ];
      const answered: string[] = [];
      await spy.subscribe("crash2-request#/#", (message) => {
        const request = JSON.parse(message) as { uid: string; requestId: string; type: number };
        if (request.type !== 5) return;
        const channel = `crash2-response#/#${request.uid}#`;
        for (const frame of garbage(request.requestId)) void raw.publish(channel, frame);
        void raw.publish(channel, JSON.stringify({ requestId: request.requestId, sockets: [] }));
        answered.push(request.requestId);
      });
      const before = A.adapter.counters.dropped;
      const sockets = await within(A.io.fetchSockets(), "fetchSockets answered by B and the misbehaving peer");
      assert.equal(answered.length, 1, "the peer answered");
      assert.deepEqual(sockets.map((s) => s.id).sort(), [a1.id, b1.id].sort());
      assert.equal(A.adapter.counters.dropped, before + 6, "the 6 malformed answers were dropped");
      assert.equal(A.adapter.pendingRequests, 0);
      await spy.unsubscribe("crash2-request#/#");
      const rooms = await within(A.adapter.allRooms(), "allRooms once the peer is gone");
      assert.ok(rooms.has(b1.id as string));
    },
  );
});

// --- 6. a password-protected Redis ---------------------------------------------------------------------

describe("password-protected Redis", { concurrency: false }, () => {
  let redis: RedisServer;
  let keys = 0;
  const PASSWORD = "s3cret";
  before(async () => {
    redis = await startRedisServer({ args: ["--requirepass", PASSWORD] });
    const admin = createClient({ url: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
    admin.on("error", () => {});
    await admin.connect();
    try {
      // least privilege: pub/sub and connection commands, no keys, no scripts (EVAL is refused, so the adapter
      // publishes without its script)
      await admin.sendCommand(
        ["ACL", "SETUSER", "sio", "on", ">siopass", "resetkeys", "resetchannels", "&*", "-@all"].concat([
          "+@pubsub",
          "+@connection",
          "+info",
        ]),
      );
    } finally {
      admin.destroy();
    }
  });
  after(async () => {
    await redis?.stop();
  });

  /** Two servers, each with the adapter `make` gives; broadcasts checked both ways, to all and to a room. */
  function crossCheck(title: string, make: (key: string, cleanup: Cleanup) => Promise<AdapterConstructor>) {
    faultTest(title, async (cleanup) => {
      const key = `auth${++keys}`;
      const nodes: SioNode[] = [];
      for (let i = 0; i < 2; i++) {
        const node = await startNode(await make(key, cleanup), cleanup);
        const errors: Error[] = [];
        node.adapter.on("error", (err: Error) => errors.push(err));
        nodes.push(node);
      }
      const [A, B] = nodes as [SioNode, SioNode];
      const a1 = await A.client(["room"]);
      const b1 = await B.client(["room"]);
      await crossReady(A, [b1]);
      await crossReady(B, [a1]);
      const got = new Promise((resolve) => b1.once("to-room", resolve));
      A.io.to("room").emit("to-room", 1);
      assert.equal(await within(got, "a room broadcast across servers"), 1);
      assert.equal(await within(A.adapter.serverCount(), "serverCount"), 2);
    });
  }

  /** createAdapter on a pair of `library`; cleanup closes the pair before the server. */
  const pairOf = (library: Library, options: () => PairOptions) => async (key: string, cleanup: Cleanup) => {
    const pair = await redisPair(library, options());
    cleanup.add("redis clients", () => pair.close());
    cleanup.add("mute redis clients", () => pair.mute());
    return createAdapter(pair.pub, pair.sub, { key });
  };
  const url = (auth: string) => `redis://${auth}@127.0.0.1:${redis.port}`;

  crossCheck(
    "node-redis 6 with the password in the URL",
    pairOf("node-redis", () => ({ url: url(`:${PASSWORD}`) })),
  );
  crossCheck(
    "node-redis 4 with the password in the URL",
    pairOf("node-redis-4", () => ({ url: url(`:${PASSWORD}`) })),
  );
  crossCheck(
    "ioredis with { password }",
    pairOf("ioredis", () => ({ ioredis: { host: "127.0.0.1", port: redis.port, password: PASSWORD } })),
  );
  crossCheck(
    "node-redis 6 as an ACL user that may not EVAL",
    pairOf("node-redis", () => ({ url: url("sio:siopass") })),
  );
  crossCheck(
    "ioredis as an ACL user that may not EVAL",
    pairOf("ioredis", () => ({
      ioredis: { host: "127.0.0.1", port: redis.port, username: "sio", password: "siopass" },
    })),
  );
  crossCheck("classic factory with { host, port, password }", async (key) =>
    redisAdapter({ host: "127.0.0.1", port: redis.port, password: PASSWORD, key }),
  );
  crossCheck("classic factory with { auth_pass }", async (key) =>
    redisAdapter({ host: "127.0.0.1", port: redis.port, auth_pass: PASSWORD, key }),
  );
  crossCheck("classic factory with { username, password } of an ACL user", async (key) =>
    redisAdapter({ host: "127.0.0.1", port: redis.port, username: "sio", password: "siopass", key }),
  );
});
