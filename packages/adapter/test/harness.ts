// Multi-server test harness: 3 real Socket.IO 4.8 servers on 127.0.0.1, each with its own pub and sub Redis
// connection and its own adapter factory (ours or the official one, mixed at will), real websocket clients.
import { once } from "node:events";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@sio-redis/adapter";
import { Recorder as BaseRecorder, deferred, next, until, WAIT_MS, within } from "@sio-redis/testing";
import { type RedisSeam, wrapRedisClient } from "@sio-redis/transport";
import { createAdapter as createOfficial } from "@socket.io/redis-adapter";
import { Cluster as IoRedisCluster, Redis } from "ioredis";
import { Cluster as IoRedis5Cluster } from "ioredis5";
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from "redis";
import {
  createClient as createClient4,
  createCluster as createCluster4,
  type RedisClientType as RedisClientType4,
  type RedisClusterType as RedisClusterType4,
} from "redis4";
import { Server, type ServerOptions, type Socket as ServerSocket } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";

export { deferred, next, until, within };

/** What a test client received (see @sio-redis/testing), leaving out the harness's own events. */
export type Recorder = BaseRecorder<ClientSocket>;

/**
 * A client of the server on 127.0.0.1:`port` (which uses {@link joinFromAuth}), in `rooms`; resolves once its
 * server says it is ready. No reconnection: a test sees a lost connection as it is.
 */
export async function readyClient(port: number, rooms: readonly string[] = []): Promise<ClientSocket> {
  const socket = connect(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: { rooms },
  });
  const [error] = await within(
    new Promise<unknown[]>((resolve, reject) => {
      socket.once("__ready", (...args: unknown[]) => resolve(args));
      socket.once("connect_error", reject);
    }),
    `client of port ${port} to be ready`,
  ).catch((err: unknown) => {
    socket.disconnect();
    throw err;
  });
  if (error) throw new Error(`port ${port} could not join ${rooms.join(",")}: ${error}`);
  return socket;
}

/**
 * Emits `__probe` from `io` until one probe reaches every one of `targets` (subscriptions complete
 * asynchronously), 100 ms per probe, for `ms` at most; returns how many probes that took.
 */
export async function reachAll(
  io: Server,
  targets: readonly ClientSocket[],
  what: string,
  ms = WAIT_MS,
): Promise<number> {
  let probe = 0;
  const deadline = Date.now() + ms;
  for (;;) {
    const token = `p${++probe}`;
    const seen = new Set<ClientSocket>();
    const offs = targets.map((socket) => {
      const listener = (t: string) => {
        if (t === token) seen.add(socket);
      };
      socket.on("__probe", listener);
      return () => socket.off("__probe", listener);
    });
    io.emit("__probe", token);
    await until(() => seen.size === targets.length, "probe", 100).catch(() => {});
    for (const off of offs) off();
    if (seen.size === targets.length) return probe;
    if (Date.now() > deadline) throw new Error(`${what} do not reach every client`);
  }
}

/** A promise and its resolve function (Promise.withResolvers is Node 22+). */

/** Calls a Node-style callback API and turns the callback into a promise of `[err, value]`, within `ms`. */
export function callback<T>(
  call: (cb: (err: Error | null | undefined, value: T) => void) => unknown,
  what: string,
  ms = WAIT_MS,
): Promise<[Error | null | undefined, T]> {
  return within(
    new Promise<[Error | null | undefined, T]>((resolve) => {
      call((err, value) => resolve([err, value]));
    }),
    `callback of ${what}`,
    ms,
  );
}

export type Library = "node-redis" | "node-redis-4" | "node-redis-3" | "ioredis" | ClusterLibrary;

/**
 * Cluster clients, opened from every node of a Redis Cluster (`ClusterOptions.clusterNodes`): node-redis 6 and 4
 * `createCluster({ rootNodes, useReplicas: true })`, so that a pub/sub connection may sit on a replica, and ioredis
 * `Cluster`.
 */
export type ClusterLibrary = "node-redis-cluster" | "node-redis-4-cluster" | "ioredis-cluster" | "ioredis-5-cluster";

export const CLUSTER_LIBRARIES: readonly ClusterLibrary[] = [
  "node-redis-cluster",
  "node-redis-4-cluster",
  "ioredis-cluster",
  // ioredis 5 writes a Cluster's SUBSCRIBEs during its subscriber's handshake (6 holds them): see ioredis.ts
  "ioredis-5-cluster",
];

/** The ioredis `Cluster` class of `library`. */
export function ioRedisClusterOf(library: "ioredis-cluster" | "ioredis-5-cluster"): typeof IoRedisCluster {
  return library === "ioredis-5-cluster" ? (IoRedis5Cluster as unknown as typeof IoRedisCluster) : IoRedisCluster;
}

function isClusterLibrary(library: Library): library is ClusterLibrary {
  return (CLUSTER_LIBRARIES as readonly Library[]).includes(library);
}

export const LIBRARIES: readonly Library[] = ["node-redis", "node-redis-4", "node-redis-3", "ioredis"];

/** As much of a node-redis 3 client (`redis@3`, callback API, no types of its own) as the harness uses. */
export interface Redis3 {
  publish(channel: string, message: string | Buffer, callback?: (err: Error | null) => void): boolean;
  send_command(command: string, args: string[], callback: (err: Error | null, reply: unknown) => void): boolean;
  quit(callback?: (err: Error | null) => void): boolean;
  end(flush: boolean): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

const redis3 = createRequire(import.meta.url)("redis3") as {
  createClient(options: { url: string }): Redis3;
  RedisClient: abstract new (...args: never[]) => Redis3;
};

export type RedisClient =
  | RedisClientType
  | RedisClientType4
  | Redis
  | Redis3
  | RedisClusterType
  | RedisClusterType4
  | IoRedisCluster
  | IoRedis5Cluster;

/** A connected pub/sub pair, both named (CLIENT SETNAME) so CLIENT LIST tells them apart. */
export interface RedisPair {
  readonly pub: RedisClient;
  readonly sub: RedisClient;
  close(): Promise<void>;
}

/**
 * A cluster client of `library` on the Redis Cluster of `nodes` (urls), every connection it opens named `name`
 * (ioredis names its subscriber connection `ioredis-cluster(subscriber):${name}`).
 */
function connectCluster(
  library: ClusterLibrary,
  nodes: readonly string[],
  name: string,
): { client: RedisClient; ready: Promise<unknown> } {
  if (library === "ioredis-cluster" || library === "ioredis-5-cluster") {
    const startup = nodes.map((url) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) }));
    const client = new (ioRedisClusterOf(library))(startup, {
      lazyConnect: true,
      redisOptions: { connectionName: name, maxRetriesPerRequest: 1 },
    });
    client.on("error", () => {});
    return { client, ready: client.connect() };
  }
  // node-redis 6 builds a client class per distinct options (cached one at a time by their JSON), ~40 ms of CPU
  // per cluster client, most of a test's time: a name left out of that JSON lets every cluster client share one
  const defaults = Object.defineProperty({ name }, "toJSON", { value: () => ({ name: "(each its own)" }) });
  const options = { rootNodes: nodes.map((url) => ({ url })), useReplicas: true, defaults };
  const client: RedisClusterType | RedisClusterType4 =
    library === "node-redis-4-cluster" ? (createCluster4(options) as RedisClusterType4) : createCluster(options);
  client.on("error", () => {});
  return { client, ready: client.connect() };
}

function connectNamed(
  library: Library,
  url: string,
  name: string,
  nodes: readonly string[] = [url],
): { client: RedisClient; ready: Promise<unknown> } {
  if (isClusterLibrary(library)) return connectCluster(library, nodes, name);
  if (library === "ioredis") {
    const client = new Redis(url, { lazyConnect: true, connectionName: name, maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    return { client, ready: client.connect() };
  }
  if (library === "node-redis-3") {
    // it connects by itself, and names nothing: CLIENT SETNAME once it is ready
    const client = redis3.createClient({ url });
    client.on("error", () => {});
    const ready = (async () => {
      await next(client, "ready");
      await new Promise<void>((resolve, reject) => {
        client.send_command("CLIENT", ["SETNAME", name], (err) => (err ? reject(err) : resolve()));
      });
    })();
    return { client, ready };
  }
  // (node-redis 6 builds a new client class for a `name` option, ~30 ms: name the connection by hand instead)
  const client: RedisClientType | RedisClientType4 =
    library === "node-redis-4" ? (createClient4({ url }) as RedisClientType4) : createClient({ url });
  client.on("error", () => {});
  const ready = (async () => {
    await client.connect();
    await client.sendCommand(["CLIENT", "SETNAME", name]);
  })();
  return { client, ready };
}

/**
 * Closes a client gracefully (pending commands, like an adapter's last UNSUBSCRIBE, still get their reply, so
 * nothing rejects behind the test's back), and forcibly if that does not finish within a second.
 */
async function closeClient(client: RedisClient): Promise<void> {
  if (client instanceof IoRedisCluster || client instanceof IoRedis5Cluster) {
    try {
      await within(client.quit(), "ioredis cluster client to quit", 1000);
    } catch {
      client.disconnect();
    }
    return;
  }
  if (client instanceof redis3.RedisClient) {
    // node-redis 3's quit() calls back once Redis answered (or the connection is gone)
    try {
      await within(new Promise<void>((resolve) => client.quit(() => resolve())), "node-redis 3 client to quit", 1000);
    } catch {
      client.end(true);
    }
    return;
  }
  const graceful =
    client instanceof Redis
      ? client.quit()
      : "close" in client
        ? client.close()
        : (client as { quit(): Promise<unknown> }).quit();
  try {
    await within(Promise.resolve(graceful), "redis client to quit", 1000);
  } catch {
    if (client instanceof Redis) client.disconnect();
    else if ("destroy" in client) client.destroy();
    else await (client as { disconnect(): Promise<void> }).disconnect().catch(() => {});
  }
}

/**
 * Connects a pub and a sub client of `library`, named `${name}:pub` and `${name}:sub`; a cluster library opens
 * them from `nodes` (every node of the Redis Cluster).
 */
export async function redisPair(
  library: Library,
  url: string,
  name: string,
  nodes: readonly string[] = [url],
): Promise<RedisPair> {
  const pub = connectNamed(library, url, `${name}:pub`, nodes);
  const sub = connectNamed(library, url, `${name}:sub`, nodes);
  const clients = [pub.client, sub.client];
  try {
    await within(Promise.all([pub.ready, sub.ready]), `${library} connections to ${url}`);
  } catch (err) {
    await Promise.allSettled(clients.map(closeClient));
    throw err;
  }
  return {
    pub: pub.client,
    sub: sub.client,
    async close() {
      await Promise.allSettled(clients.map(closeClient));
    },
  };
}

/** A plain node-redis 6 connection for inspecting Redis (PUBSUB, CLIENT LIST) from outside the cluster. */
export interface Admin {
  command(args: string[]): Promise<unknown>;
  /** PUBSUB NUMSUB for one channel. */
  numsub(channel: string): Promise<number>;
  /** PUBSUB CHANNELS `pattern`, sorted. */
  channels(pattern: string): Promise<string[]>;
  /** Channel and pattern subscription counts of the connection named `name`, from CLIENT LIST. */
  subscriptions(name: string): Promise<{ sub: number; psub: number }>;
  close(): Promise<void>;
}

export async function connectAdmin(url: string): Promise<Admin> {
  const client = createClient({ url });
  client.on("error", () => {});
  await within(client.connect(), `admin connection to ${url}`);
  const command = (args: string[]) => client.sendCommand(args) as Promise<unknown>;
  return {
    command,
    async numsub(channel) {
      const reply = (await command(["PUBSUB", "NUMSUB", channel])) as unknown[];
      return Number(reply[1]);
    },
    async channels(pattern) {
      const reply = (await command(["PUBSUB", "CHANNELS", pattern])) as unknown[];
      return reply.map(String).sort();
    },
    async subscriptions(name) {
      const list = String(await command(["CLIENT", "LIST"]));
      const line = list.split("\n").find((l) => l.includes(` name=${name} `));
      if (!line) throw new Error(`no Redis connection named ${name}`);
      const field = (f: string) => Number(line.match(new RegExp(`(?:^| )${f}=(\\d+)`))?.[1]);
      return { sub: field("sub"), psub: field("psub") };
    },
    async close() {
      await client.close();
    },
  };
}

/**
 * The {@link Admin} of a Redis Cluster: one plain connection per node of `urls`. Pub/sub state is per node (a
 * subscriber connection sits on one node, master or replica), so each question is asked of every node: NUMSUB
 * summed, CHANNELS merged, and a client's subscriptions summed over its connections (a cluster client opens one
 * per node, all with the same name). `command` runs on the first node.
 */
export async function connectClusterAdmin(urls: readonly string[]): Promise<Admin> {
  // ioredis: node-redis 6 would build a client class per node (see connectCluster)
  const clients = urls.map((url) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 }));
  for (const client of clients) client.on("error", () => {});
  const all = <T>(ask: (command: (args: string[]) => Promise<unknown>) => Promise<T>): Promise<T[]> =>
    Promise.all(clients.map((client) => ask(([name, ...args]) => client.call(name as string, ...args))));
  try {
    await within(Promise.all(clients.map((client) => client.connect())), `admin connections to ${urls.join(", ")}`);
  } catch (err) {
    for (const client of clients) client.disconnect();
    throw err;
  }
  const first = clients[0];
  if (!first) throw new Error("a cluster admin needs at least one node");
  return {
    command: ([name, ...args]) => first.call(name as string, ...args),
    async numsub(channel) {
      const counts = await all(async (command) =>
        Number(((await command(["PUBSUB", "NUMSUB", channel])) as unknown[])[1]),
      );
      return counts.reduce((sum, n) => sum + n, 0);
    },
    async channels(pattern) {
      const lists = await all(async (command) =>
        ((await command(["PUBSUB", "CHANNELS", pattern])) as unknown[]).map(String),
      );
      return [...new Set(lists.flat())].sort();
    },
    async subscriptions(name) {
      // ioredis names its Cluster's subscriber connection after the node connections
      const names = new Set([name, `ioredis-cluster(subscriber):${name}`]);
      const lists = await all(async (command) => String(await command(["CLIENT", "LIST"])));
      const lines = lists
        .flatMap((list) => list.split("\n"))
        .filter((line) => names.has(line.match(/(?:^| )name=(\S*)/)?.[1] ?? ""));
      if (lines.length === 0) throw new Error(`no Redis connection named ${name} on any node`);
      const field = (line: string, f: string) => Number(line.match(new RegExp(`(?:^| )${f}=(\\d+)`))?.[1]);
      return {
        sub: lines.reduce((sum, line) => sum + field(line, "sub"), 0),
        psub: lines.reduce((sum, line) => sum + field(line, "psub"), 0),
      };
    },
    async close() {
      await Promise.allSettled(
        clients.map((client) =>
          within(client.quit(), "admin connection to quit", 1000).catch(() => client.disconnect()),
        ),
      );
    },
  };
}

/** The `adapter` server option. */
export type AdapterOption = NonNullable<Partial<ServerOptions>["adapter"]>;

/** What an adapter factory gets besides the clients: the channel prefix of this cluster, the server's index. */
export interface AdapterContext {
  readonly key: string;
  readonly index: number;
  /** For the adapter's `requestsTimeout` option. */
  readonly requestsTimeout: number;
}

/** Builds one server's `adapter` option from its own Redis clients. */
export type AdapterFactory = (pub: RedisClient, sub: RedisClient, ctx: AdapterContext) => AdapterOption;

/** An adapter factory with a name, for test titles and for suites to know which side they talk to. */
export interface AdapterKind {
  readonly label: string;
  readonly ours: boolean;
  readonly create: AdapterFactory;
}

/** @sio-redis/adapter, subscribing per room (`subscriptionMode: "dynamic"`) or with one pattern (the default). */
export function oursKind(perRoom: boolean): AdapterKind {
  const subscriptionMode = perRoom ? "dynamic" : "pattern";
  return {
    label: perRoom ? "ours (room channels)" : "ours",
    ours: true,
    create: (pub, sub, { key, requestsTimeout }) => createAdapter(pub, sub, { key, requestsTimeout, subscriptionMode }),
  };
}

/** @socket.io/redis-adapter 8.3. */
export const OFFICIAL: AdapterKind = {
  label: "official",
  ours: false,
  create: (pub, sub, { key, requestsTimeout }) => createOfficial(pub, sub, { key, requestsTimeout }),
};

export interface ClusterServer {
  readonly index: number;
  readonly kind: AdapterKind;
  readonly io: Server;
  readonly httpServer: http.Server;
  readonly port: number;
  readonly redis: RedisPair;
  /** The parent namespace of `dynamic` (`io.of(regex)` makes a new, empty one on every call). */
  readonly parent: ReturnType<Server["of"]> | undefined;
  /** Name of this server's sub connection in CLIENT LIST. */
  readonly subName: string;
}

export interface ConnectOptions {
  nsp?: string;
  /** Rooms the server joins (and awaits) before it tells the client it is ready. */
  rooms?: string[];
  /** Becomes `socket.data` on the server. */
  data?: unknown;
  /** Wait until broadcasts to `rooms` from every server reach the client (see {@link Cluster.settle}). Default true. */
  settle?: boolean;
}

export interface Cluster {
  /** The channel prefix (adapters' `key` option): unique per cluster so clusters never hear each other. */
  readonly key: string;
  readonly redisUrl: string;
  readonly library: Library;
  readonly servers: readonly ClusterServer[];
  /** `clients[i]`: the clients connected to `servers[i]` on "/" at start. */
  readonly clients: readonly (readonly ClientSocket[])[];
  /** Every client connected at start, server by server. */
  readonly all: readonly ClientSocket[];
  readonly admin: Admin;
  /** Connects one more client to server `index`; resolves once the server has joined its rooms. */
  connect(index: number, opts?: ConnectOptions): Promise<ClientSocket>;
  /** The server-side socket of `client` and the index of its server. */
  serverSocket(client: ClientSocket, nsp?: string): { socket: ServerSocket; index: number };
  /**
   * Waits until a broadcast from each server on `nsp` (to `room` if given) reaches every given client (default:
   * all on "/"), re-sending every 30 ms, for WAIT_MS (10 s) at most. Subscriptions to Redis complete asynchronously.
   */
  ready(nsp?: string, clients?: readonly ClientSocket[], room?: string): Promise<void>;
  /**
   * Joins `client` to `rooms` on its server (awaiting what `socket.join()` returns), then waits until broadcasts
   * to each room from every server reach it. Tests of the join itself use `serverSocket(...).socket.join`.
   */
  join(client: ClientSocket, rooms: string | readonly string[], nsp?: string): Promise<void>;
  /** Waits until broadcasts to each of `rooms` from every server reach `client`. */
  settle(client: ClientSocket, rooms: string | readonly string[], nsp?: string): Promise<void>;
  /** Closes clients, servers, Redis connections; never throws, safe to call twice. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  redisUrl: string;
  library: Library;
  /**
   * Every node of a Redis Cluster (urls), for the cluster libraries: their clients start from these, and the
   * admin asks every node. `redisUrl` is then one of them.
   */
  clusterNodes?: readonly string[];
  /** One per server: a named kind, or just a factory (then labelled "custom", not ours). */
  adapters: ReadonlyArray<AdapterKind | AdapterFactory>;
  clientsPerServer?: number;
  /** Namespaces created at start on every server (default "/"). */
  namespaces?: readonly string[];
  /** Dynamic namespaces handled like the static ones. */
  dynamic?: RegExp;
  serverOptions?: Partial<ServerOptions>;
  key?: string;
  /** Passed to the adapter factories (default 1000 ms). */
  requestsTimeout?: number;
}

/** Events of the harness itself, which recorders leave out. */
const INTERNAL = new Set(["__ready", "__probe"]);

let clusterCount = 0;

/**
 * Keeps the harness's probes that `sub` (a subscriber connection of @sio-redis/adapter) receives, its server's own
 * included, which never reach a client: the seam's sink is wrapped before the adapter installs it.
 */
function probeSpy(sub: RedisClient): Buffer[] {
  const kept: Buffer[] = [];
  const marker = Buffer.from("__probe");
  const keep = (message: Buffer) => {
    if (message.includes(marker)) kept.push(message);
  };
  const seam = wrapRedisClient(sub);
  const listen = seam.listen.bind(seam);
  (seam as { listen: RedisSeam["listen"] }).listen = (sink) =>
    listen({
      message(channel, message) {
        keep(message);
        sink.message(channel, message);
      },
      pmessage(pattern, channel, message) {
        keep(message);
        sink.pmessage(pattern, channel, message);
      },
    });
  return kept;
}

/**
 * The server side of every test client: handshake auth `{ rooms, data }` joins the rooms (awaiting the adapter),
 * sets `socket.data`, then says `__ready` (with the error text if the join failed). `io.on("connection", joinFromAuth)`.
 */
export async function joinFromAuth(socket: ServerSocket): Promise<void> {
  const auth = socket.handshake.auth as { rooms?: string[]; data?: unknown };
  socket.data = auth.data ?? null;
  try {
    if (auth.rooms && auth.rooms.length > 0) await socket.join(auth.rooms);
    socket.emit("__ready");
  } catch (err) {
    socket.emit("__ready", String(err));
  }
}

/**
 * Starts one Socket.IO server per entry of `adapters` (each with its own pub and sub connection), connects
 * `clientsPerServer` clients to each, and waits until every server's broadcasts reach every client.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { redisUrl, library } = options;
  const key = options.key ?? `sio${process.pid}-${++clusterCount}`;
  const namespaces = options.namespaces ?? ["/"];
  const servers: ClusterServer[] = [];
  const pairs: RedisPair[] = [];
  const extra: ClientSocket[] = [];
  const clients: ClientSocket[][] = [];
  let closed = false;
  let admin: Admin | undefined;

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const socket of [...clients.flat(), ...extra]) socket.disconnect();
    await Promise.allSettled(
      servers
        .filter((server) => server.httpServer.listening)
        .map((server) =>
          within(
            new Promise<void>((resolve) => server.io.close(() => resolve())),
            `io.close() of server ${server.index}`,
          ),
        ),
    );
    await Promise.allSettled(pairs.map((pair) => pair.close()));
    await admin?.close().catch(() => {});
  };

  const connectClient = async (index: number, opts: ConnectOptions = {}) => {
    const server = servers[index];
    if (!server) throw new Error(`no server ${index}`);
    const socket = connect(`http://127.0.0.1:${server.port}${opts.nsp ?? "/"}`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { rooms: opts.rooms ?? [], data: opts.data ?? null },
    });
    extra.push(socket);
    const [error] = await within(
      new Promise<unknown[]>((resolve, reject) => {
        socket.once("__ready", (...args: unknown[]) => resolve(args));
        socket.once("connect_error", reject);
      }),
      `client of server ${index} on ${opts.nsp ?? "/"} to be ready`,
    );
    if (error) throw new Error(`server ${index} could not join ${opts.rooms?.join(",")}: ${error}`);
    if (opts.rooms && opts.settle !== false) await settle(socket, opts.rooms, opts.nsp);
    return socket;
  };

  const serverSocket = (client: ClientSocket, nsp = "/") => {
    for (const server of servers) {
      const socket = server.io._nsps.get(nsp)?.sockets.get(client.id ?? "");
      if (socket) return { socket, index: server.index };
    }
    throw new Error(`no server has socket ${client.id} on ${nsp}`);
  };

  let probes = 0;
  // per server running our adapter: the probes its subscriber connection received
  const spies = new Map<number, Buffer[]>();
  const ready = async (nsp = "/", targets?: readonly ClientSocket[], room?: string, attempt = 1): Promise<void> => {
    const waiting = targets ?? clients.flat();
    const token = `${key}~probe~${++probes}`;
    const seen = new Map<ClientSocket, Set<number>>(waiting.map((c) => [c, new Set()]));
    const listeners = waiting.map((c) => {
      const listener = (from: number, t: string) => {
        if (t === token) seen.get(c)?.add(from);
      };
      c.on("__probe", listener);
      return () => c.off("__probe", listener);
    });
    // only servers where the namespace exists can broadcast on it (dynamic ones appear with their first client)
    const senders = () => servers.filter((server) => server.io._nsps.has(nsp));
    const done = () => [...seen.values()].every((s) => senders().every((server) => s.has(server.index)));
    const what = room === undefined ? nsp : `room ${room} of ${nsp}`;
    let rounds = 0;
    try {
      // Subscriptions complete asynchronously; re-probe until every server's broadcast reaches every client.
      const deadline = Date.now() + WAIT_MS;
      while (!done()) {
        rounds++;
        if (Date.now() > deadline) {
          const missing = [...seen].map(([c, s]) => `${c.id} heard from [${[...s]}]`);
          throw new Error(`cluster ${key} not ready on ${what}: ${missing.join(", ")}`);
        }
        for (const server of senders()) {
          const namespace = server.io._nsps.get(nsp);
          if (room === undefined) namespace?.emit("__probe", server.index, token);
          else namespace?.to(room).emit("__probe", server.index, token);
        }
        await until(done, "probe", 30).catch(() => {});
      }
    } finally {
      for (const off of listeners) off();
    }
    // Copies of an earlier round may still be on their way (a slow event loop, a Redis Cluster's bus), and would
    // reach the servers during the caller's test, counted as its messages. Every server's broadcasts keep their
    // order: once a probe sent after them arrives, they have.
    if (rounds > 1) {
      await ready(nsp, targets, room, attempt + 1);
      return;
    }
    // A server gets its own broadcasts back from Redis too, and counts them (adapter counters); with a Redis
    // Cluster they may come tens of ms after the others. Wait for its own probe wherever it is subscribed: always
    // to the namespace, to a room where it has a member.
    const own = (server: ClusterServer) => {
      const spy = spies.get(server.index);
      const adapter = server.io._nsps.get(nsp)?.adapter as { uid?: unknown; rooms: Map<unknown, unknown> } | undefined;
      if (rounds === 0 || !spy || typeof adapter?.uid !== "string") return true;
      if (room !== undefined && !adapter.rooms.has(room)) return true;
      const uid = adapter.uid;
      return spy.some((message) => message.includes(token) && message.includes(uid));
    };
    // A server's own probe may also have left before its own subscription to the room was complete (its clients
    // got it locally, the others' probes came after the SUBSCRIBE): then it never comes back, and a new round must.
    const back = await until(() => senders().every(own), "own probes", 1000).then(
      () => true,
      () => false,
    );
    if (!back) {
      if (attempt >= 5) throw new Error(`timed out waiting for every server's own probe on ${what}`);
      await ready(nsp, targets, room, attempt + 1);
      return;
    }
    for (const spy of spies.values()) {
      const others = spy.filter((message) => !message.includes(token));
      spy.splice(0, spy.length, ...others);
    }
  };

  const joinAndSettle = async (client: ClientSocket, rooms: string | readonly string[], nsp = "/") => {
    await serverSocket(client, nsp).socket.join(typeof rooms === "string" ? rooms : [...rooms]);
    await settle(client, rooms, nsp);
  };

  const settle = async (client: ClientSocket, rooms: string | readonly string[], nsp = "/") => {
    for (const room of typeof rooms === "string" ? [rooms] : rooms) await ready(nsp, [client], room);
  };

  try {
    // Redis connections take a few ms each: open them all at once
    const opening = await Promise.allSettled([
      options.clusterNodes ? connectClusterAdmin(options.clusterNodes) : connectAdmin(redisUrl),
      ...options.adapters.map((_, index) => redisPair(library, redisUrl, `${key}:s${index}`, options.clusterNodes)),
    ]);
    const [first, ...rest] = opening;
    if (first?.status === "fulfilled") admin = first.value;
    for (const r of rest) if (r.status === "fulfilled") pairs.push(r.value);
    const failed = opening.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    for (const [index, given] of options.adapters.entries()) {
      const kind = typeof given === "function" ? { label: "custom", ours: false, create: given } : given;
      const pair = pairs[index] as RedisPair;
      if (kind.ours) spies.set(index, probeSpy(pair.sub));
      const httpServer = http.createServer();
      const io = new Server(httpServer, {
        ...options.serverOptions,
        adapter: kind.create(pair.pub, pair.sub, { key, index, requestsTimeout: options.requestsTimeout ?? 1000 }),
      });
      for (const nsp of namespaces) io.of(nsp).on("connection", joinFromAuth);
      const parent = options.dynamic ? io.of(options.dynamic).on("connection", joinFromAuth) : undefined;
      httpServer.listen(0, "127.0.0.1");
      await once(httpServer, "listening");
      const port = (httpServer.address() as AddressInfo).port;
      servers.push({ index, kind, io, httpServer, port, redis: pair, parent, subName: `${key}:s${index}:sub` });
    }
    const inspect = admin as Admin;
    for (const nsp of namespaces) {
      const channel = `${key}-request#${nsp}#`;
      const count = servers.length;
      await until(async () => (await inspect.numsub(channel)) >= count, `${count} subscribers of ${channel}`);
    }
    for (const server of servers) {
      const perServer = options.clientsPerServer ?? 2;
      const list = await Promise.all(
        Array.from({ length: perServer }, (_, i) =>
          connectClient(server.index, { data: { server: server.index, client: i } }),
        ),
      );
      clients.push(list);
    }
    // they are the initial clients, not extras
    extra.length = 0;
    await ready("/");
  } catch (err) {
    await close();
    throw err;
  }

  return {
    key,
    redisUrl,
    library,
    servers,
    clients,
    all: clients.flat(),
    admin: admin as Admin,
    connect: connectClient,
    serverSocket,
    ready,
    join: joinAndSettle,
    settle,
    close,
  };
}

export function record(clients: readonly ClientSocket[]): Recorder[] {
  return clients.map((c) => new BaseRecorder(c, INTERNAL));
}
