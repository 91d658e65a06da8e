// The socket.io-redis factory (`redisAdapter`, the default export): the ways it is called, the clients it creates
// and closes, the `key` option, and its errors. Real redis-server, real Socket.IO servers and clients.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Server } from "socket.io";
import type { Socket as ClientSocket } from "socket.io-client";
import redisAdapterDefault, { type RedisAdapter, type RedisAdapterFactory, redisAdapter } from "../src/index.js";
import { joinFromAuth, reachAll, readyClient, until, within } from "./harness.js";

function plainClient(url: string) {
  return createClient({ url });
}
type PlainClient = ReturnType<typeof plainClient>;

let redis: RedisServer;
let admin: ReturnType<typeof createClient>;

before(async () => {
  redis = await startRedisServer();
  admin = createClient({ url: redis.url, name: "admin" });
  admin.on("error", () => {});
  await admin.connect();
});

after(async () => {
  admin?.destroy();
  await redis?.stop();
});

/** Connections to Redis other than the admin one. */
async function connections(): Promise<number> {
  const list = String(await admin.sendCommand(["CLIENT", "LIST"]));
  return list.split("\n").filter((line) => line.startsWith("id=") && !line.includes(" name=admin ")).length;
}

async function numsub(channel: string): Promise<number> {
  return Number(((await admin.sendCommand(["PUBSUB", "NUMSUB", channel])) as unknown[])[1]);
}

interface Node {
  readonly io: Server;
  adapter(nsp?: string): RedisAdapter;
  client(rooms?: string[]): Promise<ClientSocket>;
  close(): Promise<void>;
}

const open: Node[] = [];

/** A Socket.IO server on 127.0.0.1 set up the classic way, `io.adapter(factory)`; clients join `auth.rooms`. */
async function serve(factory: RedisAdapterFactory, namespaces: string[] = ["/"]): Promise<Node> {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  io.adapter(factory);
  const sockets: ClientSocket[] = [];
  let closed = false;
  const node: Node = {
    io,
    adapter: (nsp = "/") => io.of(nsp).adapter as unknown as RedisAdapter,
    async client(rooms = []) {
      const socket = await readyClient(port, rooms);
      sockets.push(socket);
      return socket;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of sockets) socket.disconnect();
      await within(new Promise<void>((resolve) => io.close(() => resolve())), "io.close()");
    },
  };
  open.push(node);
  for (const nsp of namespaces) {
    io.of(nsp).on("connection", joinFromAuth);
  }
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as AddressInfo).port;
  for (const nsp of namespaces) await within(node.adapter(nsp).init(), `subscriptions of ${nsp}`);
  return node;
}

/** Closes whatever a test left open, even when it failed. */
async function closeAll(): Promise<void> {
  await Promise.allSettled(open.splice(0).map((node) => node.close()));
}

/** Waits until an io.emit() of `from` reaches every one of `targets`; returns how many probes that took. */
const reaches = (from: Node, targets: ClientSocket[]) => reachAll(from.io, targets, "broadcasts");

/** Two servers on `make()`'s factories: broadcasts both ways and to a room. Returns them for more checks. */
async function pairOfServers(make: () => RedisAdapterFactory): Promise<[Node, Node, ClientSocket, ClientSocket]> {
  const A = await serve(make());
  const B = await serve(make());
  const a1 = await A.client(["room"]);
  const b1 = await B.client(["room"]);
  await reaches(A, [b1]);
  await reaches(B, [a1]);
  const got = new Promise((resolve) => a1.once("to-room", resolve));
  B.io.to("room").emit("to-room", "hi");
  assert.equal(await within(got, "a room broadcast from B"), "hi");
  return [A, B, a1, b1];
}

function isNodeRedisClient(client: unknown): client is ReturnType<typeof createClient> {
  return typeof (client as { sendCommand?: unknown }).sendCommand === "function" && "isOpen" in (client as object);
}

test('redisAdapter("127.0.0.1:PORT"): the default export, default key', async () => {
  try {
    assert.equal(redisAdapterDefault, redisAdapter, "the default export is redisAdapter");
    const factories: RedisAdapterFactory[] = [];
    const [A] = await pairOfServers(() => {
      const factory = redisAdapterDefault(`127.0.0.1:${redis.port}`);
      factories.push(factory);
      return factory;
    });
    assert.equal(A.adapter().prefix, "socket.io");
    assert.equal(await numsub("socket.io-request#/#"), 2);
    for (const factory of factories) {
      assert.ok(isNodeRedisClient(factory.pubClient) && isNodeRedisClient(factory.subClient), "node-redis clients");
      assert.notEqual(factory.pubClient, factory.subClient);
      assert.equal(A.adapter().pubClient, factories[0]?.pubClient);
    }
  } finally {
    await closeAll();
  }
});

test("redisAdapter({ host, port })", async () => {
  try {
    const [A, B, a1, b1] = await pairOfServers(() => redisAdapter({ host: "127.0.0.1", port: redis.port }));
    const sockets = await within(A.io.fetchSockets(), "fetchSockets");
    assert.deepEqual(sockets.map((s) => s.id).sort(), [a1.id, b1.id].sort());
    assert.equal(await within(B.adapter().serverCount(), "serverCount"), 2);
  } finally {
    await closeAll();
  }
});

test('redisAdapter("redis://127.0.0.1:PORT", { key: "x" })', async () => {
  try {
    const [A] = await pairOfServers(() => redisAdapter(`redis://127.0.0.1:${redis.port}`, { key: "x" }));
    assert.equal(A.adapter().prefix, "x");
    assert.equal(await numsub("x-request#/#"), 2);
    assert.equal(await numsub("socket.io-request#/#"), 0);
  } finally {
    await closeAll();
  }
});

test("given pubClient and subClient: used as they are, left open by io.close()", async () => {
  const clients: PlainClient[] = [];
  try {
    const factories: RedisAdapterFactory[] = [];
    await pairOfServers(() => {
      const pubClient = plainClient(redis.url);
      const subClient = pubClient.duplicate();
      clients.push(pubClient, subClient);
      pubClient.on("error", () => {});
      subClient.on("error", () => {});
      // connected after the factory is made: subscriptions wait for the connection
      void Promise.all([pubClient.connect(), subClient.connect()]);
      const factory = redisAdapter({ pubClient, subClient, key: "given" });
      assert.equal(factory.pubClient, pubClient);
      assert.equal(factory.subClient, subClient);
      factories.push(factory);
      return factory;
    });
    await closeAll();
    assert.ok(
      clients.every((c) => c.isOpen),
      "the application's clients stay open",
    );
    assert.equal(await numsub("given-request#/#"), 0, "the adapters unsubscribed");
  } finally {
    await closeAll();
    for (const c of clients) if (c.isOpen) c.destroy();
  }
});

test("given only a pubClient (node-redis or ioredis): the subClient is its duplicate, closed by io.close()", async () => {
  const given: Array<{ close(): void }> = [];
  try {
    const nodeRedis = createClient({ url: redis.url });
    nodeRedis.on("error", () => {});
    await nodeRedis.connect();
    given.push({ close: () => nodeRedis.destroy() });
    const ioredis = new Redis(redis.url, { lazyConnect: true });
    ioredis.on("error", () => {});
    await ioredis.connect();
    given.push({ close: () => ioredis.disconnect() });
    const baseline = await connections();
    const nodeFactory = redisAdapter({ pubClient: nodeRedis, key: "dup" });
    const ioFactory = redisAdapter({ pubClient: ioredis, key: "dup" });
    assert.equal(nodeFactory.pubClient, nodeRedis);
    assert.equal(ioFactory.pubClient, ioredis);
    assert.ok(nodeFactory.subClient !== nodeRedis && isNodeRedisClient(nodeFactory.subClient));
    assert.ok(ioFactory.subClient instanceof Redis && ioFactory.subClient !== ioredis);
    const A = await serve(nodeFactory);
    const B = await serve(ioFactory);
    const b1 = await B.client();
    const a1 = await A.client();
    await reaches(A, [b1]);
    await reaches(B, [a1]);
    assert.equal(await connections(), baseline + 2, "one duplicate each");
    await closeAll();
    await until(async () => (await connections()) === baseline, "the duplicates to be closed");
    assert.ok(nodeRedis.isOpen && ioredis.status === "ready", "the given clients stay open");
  } finally {
    await closeAll();
    for (const c of given) c.close();
  }
});

test("redisAdapter(pubClient, subClient, opts): the @socket.io/redis-adapter default-export signature", async () => {
  const clients: PlainClient[] = [];
  try {
    const [A] = await pairOfServers(() => {
      const pubClient = plainClient(redis.url);
      const subClient = pubClient.duplicate();
      clients.push(pubClient, subClient);
      void Promise.all([pubClient.connect(), subClient.connect()]);
      const factory = redisAdapter(pubClient, subClient, { key: "sig" });
      assert.equal(factory.pubClient, pubClient);
      return factory;
    });
    assert.equal(A.adapter().prefix, "sig");
  } finally {
    await closeAll();
    for (const c of clients) if (c.isOpen) c.destroy();
  }
});

test("the key option isolates clusters", async () => {
  try {
    const [A1, B1, a1, b1] = await pairOfServers(() => redisAdapter(`127.0.0.1:${redis.port}`, { key: "k1" }));
    const [A2, B2, a2, b2] = await pairOfServers(() => redisAdapter(`127.0.0.1:${redis.port}`, { key: "k2" }));
    const heard: string[] = [];
    for (const socket of [a2, b2]) socket.on("leak", () => heard.push(socket.id as string));
    const inB2Before = B2.adapter().counters.messagesIn;
    // cluster 1 broadcasts, to all and to the room; its own clients get it
    const got = new Promise((resolve) => b1.once("barrier", resolve));
    A1.io.emit("leak");
    A1.io.to("room").emit("leak");
    A1.io.emit("barrier");
    await within(got, "cluster 1's barrier");
    // then cluster 2 round-trips its own broadcast: had anything of cluster 1 reached it, it would be there by now
    const probes = await reaches(A2, [b2]);
    assert.deepEqual(heard, [], "cluster 2's clients heard nothing of cluster 1");
    assert.equal(B2.adapter().counters.messagesIn, inB2Before + probes, "B2 received only A2's probes");
    // requests too
    assert.equal(await within(A1.adapter().serverCount(), "serverCount k1"), 2);
    const sockets = await within(A2.io.fetchSockets(), "fetchSockets k2");
    assert.deepEqual(sockets.map((s) => s.id).sort(), [a2.id, b2.id].sort());
    const rooms = await within(B1.adapter().allRooms(), "allRooms k1");
    assert.ok(rooms.has(a1.id as string) && !rooms.has(a2.id as string));
  } finally {
    await closeAll();
  }
});

test("the clients it creates are closed once io.close() closed every namespace", async () => {
  try {
    const baseline = await connections();
    const factory = redisAdapter(`127.0.0.1:${redis.port}`, { key: "own" });
    const node = await serve(factory, ["/", "/other"]);
    const peer = await serve(redisAdapter(`127.0.0.1:${redis.port}`, { key: "own" }));
    assert.equal(await connections(), baseline + 4, "two connections per factory");
    // one namespace closed: the clients stay, the other namespace still works
    await node.adapter("/other").close();
    const pub = factory.pubClient as ReturnType<typeof createClient>;
    const sub = factory.subClient as ReturnType<typeof createClient>;
    assert.ok(pub.isOpen && sub.isOpen, "still open while '/' uses them");
    await reaches(node, [await peer.client()]);
    await reaches(peer, [await node.client()]);
    await node.close();
    await until(async () => (await connections()) === baseline + 2, "the closed server's connections to go");
    assert.ok(!pub.isOpen && !sub.isOpen, "the factory's clients are closed");
    await peer.close();
    await until(async () => (await connections()) === baseline, "every created connection to go");
  } finally {
    await closeAll();
  }
});

test("a bad uri throws a TypeError naming the problem", () => {
  for (const uri of ["127.0.0.1:notaport", "127.0.0.1:99999", "redis://[::1", "a b:1", "localhost:-1"]) {
    assert.throws(
      () => redisAdapter(uri),
      (err: Error) => err instanceof TypeError && err.message.includes(JSON.stringify(uri)),
      uri,
    );
  }
  assert.throws(
    () => redisAdapter("http://127.0.0.1:1"),
    (err: Error) => err instanceof TypeError && /http/.test(err.message),
  );
  // given clients that are not Redis clients
  assert.throws(() => redisAdapter({ pubClient: {}, subClient: {} }), TypeError);
  assert.throws(() => redisAdapter({ subClient: { publish() {} } }), /duplicate/);
});
