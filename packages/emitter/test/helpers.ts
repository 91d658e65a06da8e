// Shared test fixtures: real Socket.IO servers on @socket.io/redis-adapter 8.3, real clients, Redis clients.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { deferred, listen, next, Recorder, until, within } from "@sio-redis/testing";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { createClient as createClient4 } from "redis4";
import { Server, type Socket as ServerSocket } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import type { RedisClient } from "../src/index.js";

export { deferred, listen, next, Recorder, until, within };

export type Library = "node-redis" | "ioredis" | "node-redis-4";

/** A connected Redis client pair for an emitter: `pub` for commands, `sub` for subscriptions. */
export interface ClientPair {
  pub: RedisClient;
  sub: RedisClient;
  close(): Promise<void>;
}

export async function redisClients(library: Library, url: string): Promise<ClientPair> {
  if (library === "ioredis") {
    const pub = new Redis(url, { lazyConnect: true });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      pub,
      sub,
      async close() {
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  if (library === "node-redis-4") {
    const pub = createClient4({ url });
    const sub = pub.duplicate();
    pub.on("error", () => {});
    sub.on("error", () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      pub,
      sub,
      async close() {
        await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
      },
    };
  }
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    pub,
    sub,
    async close() {
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

export interface SioNode {
  readonly name: string;
  readonly io: Server;
  readonly port: number;
}

export interface SioCluster {
  readonly nodes: SioNode[];
  /** Connects a client to node `index`; `auth.rooms` are joined and `auth.data` becomes `socket.data`. */
  client(index: number, opts?: { nsp?: string; rooms?: string[]; data?: unknown }): Promise<ClientSocket>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  count?: number;
  key?: string;
  namespaces?: string[];
  /** Per node: answer on `socket.io-response#nsp#<uid>#` instead of the shared response channel. */
  specificResponseChannel?: (index: number) => boolean;
}

/**
 * Starts `count` Socket.IO 4.8 servers on 127.0.0.1 with @socket.io/redis-adapter 8.3 (node-redis clients),
 * and waits until every adapter is subscribed.
 */
export async function startCluster(url: string, options: ClusterOptions = {}): Promise<SioCluster> {
  const count = options.count ?? 2;
  const key = options.key ?? "socket.io";
  const namespaces = options.namespaces ?? ["/"];
  const nodes: SioNode[] = [];
  const redis: Array<{ close(): Promise<unknown>; destroy(): unknown }> = [];
  const clients: ClientSocket[] = [];
  const admin = createClient({ url });
  await admin.connect();
  for (let i = 0; i < count; i++) {
    const pub = createClient({ url });
    const sub = pub.duplicate();
    pub.on("error", () => {});
    sub.on("error", () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    redis.push(pub, sub);
    const httpServer = http.createServer();
    const io = new Server(httpServer, {
      adapter: createAdapter(pub, sub, {
        key,
        requestsTimeout: 2000,
        publishOnSpecificResponseChannel: options.specificResponseChannel?.(i) ?? false,
      }),
    });
    for (const name of namespaces) {
      io.of(name).on("connection", (socket: ServerSocket) => {
        const auth = socket.handshake.auth as { rooms?: string[]; data?: unknown };
        if (auth.rooms) socket.join(auth.rooms);
        socket.data = auth.data ?? null;
      });
    }
    httpServer.listen(0, "127.0.0.1");
    await once(httpServer, "listening");
    nodes.push({ name: String.fromCharCode(65 + i), io, port: (httpServer.address() as AddressInfo).port });
  }
  // Every adapter holds one subscription to its namespace's request channel. It PSUBSCRIBEs first on the same
  // connection, so once the channel counts are there the patterns are too.
  try {
    for (const name of namespaces) {
      const channel = `${key}-request#${name}#`;
      await until(async () => {
        const reply = (await admin.sendCommand(["PUBSUB", "NUMSUB", channel])) as unknown[];
        return Number(reply[1]) >= count;
      }, `${count} adapters subscribed to ${channel}`);
    }
  } catch (err) {
    await Promise.all(nodes.map((node) => new Promise<void>((resolve) => node.io.close(() => resolve()))));
    await Promise.allSettled([...redis, admin].map((c) => c.destroy()));
    throw err;
  }
  await admin.destroy();
  return {
    nodes,
    async client(index, opts = {}) {
      const node = nodes[index];
      if (!node) throw new Error(`no node ${index}`);
      const socket = connect(`http://127.0.0.1:${node.port}${opts.nsp ?? "/"}`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        auth: { rooms: opts.rooms ?? [], data: opts.data ?? null },
      });
      clients.push(socket);
      await next(socket, "connect");
      return socket;
    },
    async close() {
      for (const socket of clients) socket.disconnect();
      await Promise.all(nodes.map((node) => new Promise<void>((resolve) => node.io.close(() => resolve()))));
      await Promise.allSettled(redis.map((c) => c.close()));
    },
  };
}
