// Processes without Socket.IO reach our servers through Redis: @socket.io/redis-emitter 5.1, the old
// socket.io-emitter 3.2 (its own node-redis 2 client, or an ioredis one) and @sio-redis/emitter, whose queries
// (fetchSockets, serverCount, acknowledgements) our servers answer. Both subscription modes of the adapter.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe } from "node:test";
import { Emitter as OurEmitter } from "@sio-redis/emitter";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { Emitter as OfficialEmitter } from "@socket.io/redis-emitter";
import type { Socket as ClientSocket } from "socket.io-client";
import { client, clusterTest, ids, join, label, only, type SuiteClusterOptions, toBuffer } from "./cluster-suite.js";
import {
  type Cluster,
  next,
  OFFICIAL,
  oursKind,
  type Recorder,
  record,
  redisPair,
  startCluster,
  until,
  within,
} from "./harness.js";

let redis: RedisServer;

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  await redis?.stop();
});

/** The old socket.io-emitter 3.2 API (CommonJS, untyped): mutable `to()` state, reset after each emit. */
interface OldEmitter {
  redis: { quit(cb?: () => void): unknown; on(event: string, listener: () => void): unknown };
  to(room: string): OldEmitter;
  of(nsp: string): OldEmitter;
  emit(...args: unknown[]): OldEmitter;
}
type OldEmitterFactory = (redis: unknown, opts?: { key?: string; host?: string; port?: number }) => OldEmitter;
const oldEmitter = createRequire(import.meta.url)("socket.io-emitter") as OldEmitterFactory;

/** What the tests ask of an emitter. */
interface Publisher {
  emit(nsp: string, rooms: string[], ev: string, ...args: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** What socket.io-emitter 3.2 lacks: except, socket management, server-side events. */
interface FullPublisher extends Publisher {
  except(room: string, ev: string, ...args: unknown[]): Promise<void>;
  socketsJoin(inRoom: string | undefined, rooms: string | string[]): Promise<void>;
  socketsLeave(inRoom: string | undefined, rooms: string | string[]): Promise<void>;
  disconnectSockets(inRoom: string | undefined, close: boolean): Promise<void>;
  serverSideEmit(ev: string, ...args: unknown[]): Promise<void>;
}

type EmitterKind =
  | { label: string; full: false; open(c: Cluster): Promise<Publisher> }
  | { label: string; full: true; open(c: Cluster): Promise<FullPublisher> };

const officialEmitter: EmitterKind = {
  label: "@socket.io/redis-emitter 5.1 (node-redis 6)",
  full: true,
  async open(c) {
    const pair = await redisPair("node-redis", c.redisUrl, `${c.key}:re`);
    const emitter = new OfficialEmitter(pair.pub, { key: c.key });
    const select = (inRoom: string | undefined) => (inRoom === undefined ? emitter : emitter.in(inRoom));
    return {
      async emit(nsp, rooms, ev, ...args) {
        const e = emitter.of(nsp);
        (rooms.length > 0 ? e.to(rooms) : e).emit(ev, ...args);
      },
      async except(room, ev, ...args) {
        emitter.except(room).emit(ev, ...args);
      },
      async socketsJoin(inRoom, rooms) {
        select(inRoom).socketsJoin(rooms);
      },
      async socketsLeave(inRoom, rooms) {
        select(inRoom).socketsLeave(rooms);
      },
      async disconnectSockets(inRoom, close) {
        select(inRoom).disconnectSockets(close);
      },
      async serverSideEmit(ev, ...args) {
        emitter.serverSideEmit(ev, ...args);
      },
      close: () => pair.close(),
    };
  },
};

function socketIoEmitter(own: boolean): EmitterKind {
  return {
    label: own ? "socket.io-emitter 3.2 ({ host, port }: its node-redis 2)" : "socket.io-emitter 3.2 (ioredis)",
    full: false,
    async open(c) {
      const pair = own ? undefined : await redisPair("ioredis", c.redisUrl, `${c.key}:se`);
      const port = Number(new URL(c.redisUrl).port);
      const emitter = own ? oldEmitter({ host: "127.0.0.1", port, key: c.key }) : oldEmitter(pair?.pub, { key: c.key });
      if (own) emitter.redis.on("error", () => {});
      return {
        async emit(nsp, rooms, ev, ...args) {
          let e = emitter.of(nsp);
          for (const room of rooms) e = e.to(room);
          e.emit(ev, ...args);
        },
        async close() {
          if (pair) await pair.close();
          else await within(new Promise<void>((resolve) => emitter.redis.quit(() => resolve())), "node-redis 2 quit");
        },
      };
    },
  };
}

const ourEmitter: EmitterKind = {
  label: "@sio-redis/emitter (node-redis 6)",
  full: true,
  async open(c) {
    const pair = await redisPair("node-redis", c.redisUrl, `${c.key}:ours`);
    const emitter = new OurEmitter(pair.pub, { key: c.key, subClient: pair.sub });
    const select = (inRoom: string | undefined) => (inRoom === undefined ? emitter : emitter.in(inRoom));
    return {
      emit: (nsp, rooms, ev, ...args) => {
        const e = emitter.of(nsp);
        return rooms.length > 0 ? e.to(rooms).emit(ev, ...args) : e.emit(ev, ...args);
      },
      except: (room, ev, ...args) => emitter.except(room).emit(ev, ...args),
      socketsJoin: (inRoom, rooms) => select(inRoom).socketsJoin(rooms),
      socketsLeave: (inRoom, rooms) => select(inRoom).socketsLeave(rooms),
      disconnectSockets: (inRoom, close) => select(inRoom).disconnectSockets(close),
      serverSideEmit: (ev, ...args) => emitter.serverSideEmit(ev, ...args),
      async close() {
        await emitter.close();
        await pair.close();
      },
    };
  },
};

let barriers = 0;

/**
 * What each recorder got before a barrier that `publisher` emits on `nsp` itself (its earlier publishes were
 * sent on the same connection, so they arrive first), keyed by client label.
 */
async function receivedVia(
  c: Cluster,
  publisher: Publisher,
  recorders: readonly Recorder[],
  nsp = "/",
): Promise<Record<string, unknown[][]>> {
  const id = `e${++barriers}`;
  await publisher.emit(nsp, [], "barrier", id);
  const all = await Promise.all(recorders.map((r) => r.until(id)));
  return Object.fromEntries(
    recorders.map((r, i) => [label(c, r.socket), (all[i] ?? []).map(([ev, args]) => [ev, ...args])]),
  );
}

/** Server-side socket ids in `room` on every server. */
function members(c: Cluster, room: string): string[] {
  return c.servers.flatMap((s) => [...(s.io.of("/").adapter.rooms.get(room) ?? [])]).sort();
}

/** Runs `fn` with a fresh cluster and a publisher opened on it, both closed afterwards. */
function withPublisher<P extends Publisher>(
  make: (opts?: SuiteClusterOptions) => Promise<Cluster>,
  open: (c: Cluster) => Promise<P>,
) {
  return (title: string, fn: (c: Cluster, p: P) => Promise<void>, opts?: SuiteClusterOptions) =>
    clusterTest(
      make,
      title,
      async (c) => {
        const publisher = await open(c);
        try {
          await fn(c, publisher);
        } finally {
          await publisher.close();
        }
      },
      opts,
    );
}

function emitterSuite(
  kind: EmitterKind,
  make: (opts?: SuiteClusterOptions) => Promise<Cluster>,
  multiplexing: boolean,
): void {
  const it = withPublisher<Publisher>(make, (c) => kind.open(c));

  describe(kind.label, () => {
    it("emit() reaches every client of every server, binary intact", async (c, p) => {
      const recs = record(c.all);
      await p.emit("/", [], "hello", 1, { two: [2] }, Buffer.from([0, 255, 7]));
      const got = await receivedVia(c, p, recs);
      for (const [who, events] of Object.entries(got)) {
        assert.equal(events.length, 1, `${who} got one event`);
        const [ev, one, two, bin] = events[0] as unknown[];
        assert.deepEqual([ev, one, two], ["hello", 1, { two: [2] }], who);
        assert.deepEqual(toBuffer(bin), Buffer.from([0, 255, 7]), who);
      }
    });

    it("to(room) and to several rooms reach the members once, on every server", async (c, p) => {
      const inA = [client(c, 0, 0), client(c, 2, 1)];
      const inB = [client(c, 1, 1), client(c, 2, 1)];
      for (const x of inA) await join(c, x, "a");
      for (const x of inB) await join(c, x, "b");
      const recs = record(c.all);
      await p.emit("/", ["a"], "to-a");
      assert.deepEqual(await receivedVia(c, p, recs), only(c, recs, inA, [["to-a"]]));
      await p.emit("/", ["a", "b"], "to-a-b");
      assert.deepEqual(await receivedVia(c, p, recs), only(c, recs, [...new Set([...inA, ...inB])], [["to-a-b"]]));
      await p.emit("/", [client(c, 1, 0).id ?? ""], "to-id");
      assert.deepEqual(await receivedVia(c, p, recs), only(c, recs, [client(c, 1, 0)], [["to-id"]]));
    });

    it(
      "of(nsp) reaches that namespace only",
      async (c, p) => {
        const other = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/other" })));
        await c.ready("/other", other);
        const main = record(c.all);
        const second = record(other);
        await p.emit("/other", [], "other-only");
        const [a, b] = await Promise.all([receivedVia(c, p, main), receivedVia(c, p, second, "/other")]);
        assert.deepEqual(a, only(c, main, [], []));
        for (const events of Object.values(b)) assert.deepEqual(events, [["other-only"]]);
      },
      { namespaces: ["/", "/other"] },
    );

    // Emitters other than ours publish to the room channel right after the join, which servers subscribing per room
    // only listen to once they processed it: a documented limitation of subscriptionMode "dynamic".
    const joinThenEmit = !multiplexing || kind === ourEmitter;
    if (kind.full)
      fullEmitterTests(
        withPublisher<FullPublisher>(make, (c) => kind.open(c)),
        joinThenEmit,
      );
  });
}

function fullEmitterTests(
  it: (title: string, fn: (c: Cluster, p: FullPublisher) => Promise<void>, opts?: SuiteClusterOptions) => void,
  joinThenEmit: boolean,
): void {
  it("except(room) reaches everyone but the members", async (c, p) => {
    const excluded = [client(c, 0, 1), client(c, 1, 0)];
    for (const x of excluded) await join(c, x, "ex");
    const recs = record(c.all);
    await p.except("ex", "not-ex");
    assert.deepEqual(
      await receivedVia(c, p, recs),
      only(
        c,
        recs,
        c.all.filter((x) => !excluded.includes(x)),
        [["not-ex"]],
      ),
    );
  });

  it("socketsJoin() / socketsLeave() act on the selected sockets of every server", async (c, p) => {
    const selected = [client(c, 0, 0), client(c, 2, 0)];
    for (const x of selected) await join(c, x, "sel");
    await p.socketsJoin("sel", ["j1", "j2"]);
    await until(() => members(c, "j2").length === 2, "the selected sockets in j2");
    assert.deepEqual(members(c, "j1"), ids(selected));
    await p.socketsJoin(undefined, "everyone");
    await until(() => members(c, "everyone").length === c.all.length, "every socket in 'everyone'");
    await p.socketsLeave("sel", "everyone");
    await until(() => members(c, "everyone").length === c.all.length - 2, "the selected to leave");
    assert.deepEqual(members(c, "everyone"), ids(c.all.filter((x) => !selected.includes(x))));
  });

  if (joinThenEmit)
    it("socketsJoin() then emit() to the new room from the same emitter reaches the joined sockets", async (c, p) => {
      const selected = [client(c, 0, 1), client(c, 1, 1), client(c, 2, 1)];
      for (const x of selected) await join(c, x, "pick");
      const recs = record(c.all);
      // published in this order on one connection: every server applies the join before it gets the emit
      await p.socketsJoin("pick", "picked");
      await p.emit("/", ["picked"], "welcome");
      assert.deepEqual(await receivedVia(c, p, recs), only(c, recs, selected, [["welcome"]]));
    });

  it("disconnectSockets() disconnects the selected sockets of every server, closing with true", async (c, p) => {
    const soft = [client(c, 0, 0), client(c, 1, 0)];
    const hard = [client(c, 2, 1)];
    for (const x of soft) await join(c, x, "soft");
    for (const x of hard) await join(c, x, "hard");
    const reasons = [...soft, ...hard].map((x) => next(x, "disconnect"));
    const closed = [...soft, ...hard].map((x) =>
      next(c.serverSocket(x).socket.conn, "close").then(([reason]) => reason),
    );
    await p.disconnectSockets("soft", false);
    await p.disconnectSockets("hard", true);
    assert.deepEqual(
      (await Promise.all(reasons)).map(([r]) => r),
      ["io server disconnect", "io server disconnect", "io server disconnect"],
    );
    assert.deepEqual(await Promise.all(closed), ["transport close", "transport close", "forced close"]);
    const rest = c.all.filter((x) => !soft.includes(x) && !hard.includes(x));
    const recs = record(rest);
    await p.emit("/", [], "still-here");
    assert.deepEqual(await receivedVia(c, p, recs), only(c, recs, rest, [["still-here"]]));
  });

  it("serverSideEmit() reaches every server", async (c, p) => {
    const got: unknown[][][] = c.servers.map(() => []);
    for (const s of c.servers) s.io.on("from-emitter", (...args: unknown[]) => got[s.index]?.push(args));
    await p.serverSideEmit("from-emitter", 1, { two: 2 });
    await until(() => got.every((g) => g.length === 1), "every server");
    for (const g of got) assert.deepEqual(g, [[1, { two: 2 }]]);
  });
}

/** @sio-redis/emitter's queries, answered by our servers. */
function ourEmitterQueries(make: (opts?: SuiteClusterOptions) => Promise<Cluster>): void {
  const it = (title: string, fn: (c: Cluster, e: OurEmitter) => Promise<void>, opts?: SuiteClusterOptions) =>
    clusterTest(
      make,
      title,
      async (c) => {
        const pair = await redisPair("node-redis", c.redisUrl, `${c.key}:q`);
        const emitter = new OurEmitter(pair.pub, { key: c.key, subClient: pair.sub, requestsTimeout: 2000 });
        try {
          await fn(c, emitter);
        } finally {
          await emitter.close();
          await pair.close();
        }
      },
      opts,
    );

  describe("@sio-redis/emitter queries", () => {
    it("serverCount() is 3", async (_c, e) => {
      assert.equal(await e.serverCount(), 3);
    });

    it("fetchSockets() returns every socket with data and rooms; in(room) selects", async (c, e) => {
      const inRoom = [client(c, 0, 1), client(c, 2, 0)];
      for (const x of inRoom) await join(c, x, "fetched");
      const all = await within(e.fetchSockets(), "fetchSockets");
      assert.deepEqual(all.map((x) => x.id).sort(), ids(c.all));
      for (const x of all) {
        const owner = c.clients.findIndex((list) => list.some((y) => y.id === x.id));
        const n = c.clients[owner]?.findIndex((y) => y.id === x.id);
        assert.deepEqual(x.data, { server: owner, client: n });
        assert.ok(x.rooms.has(x.id));
        assert.equal(typeof x.handshake.headers, "object");
      }
      const some = await within(e.in("fetched").fetchSockets(), "in(room).fetchSockets");
      assert.deepEqual(some.map((x) => x.id).sort(), ids(inRoom));
      assert.deepEqual([...(some[0]?.rooms ?? [])].sort(), [some[0]?.id, "fetched"].sort());
    });

    it("RemoteSocket.emit / join / leave / disconnect act on that socket", async (c, e) => {
      const target = client(c, 1, 1);
      const [remote] = await within(e.in(target.id ?? "").fetchSockets(), "fetch one");
      assert.ok(remote);
      const recs = record(c.all);
      const probe = (recorders: readonly Recorder[]) =>
        receivedVia(
          c,
          {
            emit: (nsp, rooms, ev, ...args) =>
              e
                .of(nsp)
                .to(rooms)
                .emit(ev, ...args),
            close: async () => {},
          },
          recorders,
        );
      await remote.emit("direct", 1);
      assert.deepEqual(await probe(recs), only(c, recs, [target], [["direct", 1]]));
      await remote.join("rs");
      await until(() => members(c, "rs").length === 1, "the remote socket in rs");
      await c.settle(target, "rs");
      await remote.leave("rs");
      await until(() => members(c, "rs").length === 0, "the remote socket out of rs");
      const gone = next(target, "disconnect");
      await remote.disconnect();
      assert.equal((await gone)[0], "io server disconnect");
    });

    it("timeout().emitWithAck() collects one ack per client of every server", async (c, e) => {
      for (const x of c.all) x.on("ask", (n: number, cb: (reply: string) => void) => cb(`${x.id}:${n}`));
      // every client answers: the ack timeout ends with the last ack, and only bounds a slow one (a loaded machine)
      const acks = await within(e.timeout(5000).emitWithAck("ask", 7), "emitWithAck");
      assert.deepEqual([...acks].sort(), c.all.map((x) => `${x.id}:7`).sort());
      const inRoom: ClientSocket[] = [client(c, 0, 0), client(c, 1, 1)];
      for (const x of inRoom) await join(c, x, "ackers");
      const some = await within(e.to("ackers").timeout(5000).emitWithAck("ask", 8), "to(room).emitWithAck");
      assert.deepEqual([...some].sort(), inRoom.map((x) => `${x.id}:8`).sort());
    });

    it("serverSideEmitWithAck() gets one reply per server", async (c, e) => {
      for (const s of c.servers) s.io.on("who", (cb: (reply: number) => void) => cb(s.index));
      const replies = await within(e.serverSideEmitWithAck("who"), "serverSideEmitWithAck");
      assert.deepEqual([...(replies as number[])].sort(), [0, 1, 2]);
    });

    it("allRooms() lists every server's rooms", async (c, e) => {
      await join(c, client(c, 2, 1), "listed");
      const rooms = await within(e.allRooms(), "allRooms");
      assert.ok(rooms.has("listed"));
      for (const x of c.all) assert.ok(rooms.has(x.id ?? ""));
    });
  });
}

// SUITE_ADAPTER=official: the same tests against @socket.io/redis-adapter 8.3 servers
const kinds = process.env.SUITE_ADAPTER === "official" ? [OFFICIAL] : [oursKind(true), oursKind(false)];

describe("emitters to our servers", { concurrency: true }, () => {
  for (const kind of kinds) {
    const make = (opts: SuiteClusterOptions = {}) =>
      startCluster({ redisUrl: redis.url, library: "node-redis", adapters: [kind, kind, kind], ...opts });
    describe(kind.label, { concurrency: 1 }, () => {
      for (const emitter of [officialEmitter, socketIoEmitter(true), socketIoEmitter(false), ourEmitter]) {
        emitterSuite(emitter, make, kind.label === "ours (room channels)");
      }
      ourEmitterQueries(make);
    });
  }
});
