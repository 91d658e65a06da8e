// One Socket.IO server of the adapter benchmark, in its own process (forked by adapter-cluster.ts, driven over
// IPC): an HTTP server on 127.0.0.1, a node-redis 6 pub and sub client, and either our adapter or the official
// one. It counts what its sub connection receives the same way for both: every pub/sub message handed to a
// listener the adapter registered (the sub client's subscribe methods are wrapped before the adapter sees the
// client), and the bytes read from that TCP connection (the socket is caught through the `net.client.socket`
// diagnostics channel while the sub client connects).
import diagnostics from "node:diagnostics_channel";
import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { performance } from "node:perf_hooks";
import { createAdapter as createOfficialAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Server } from "socket.io";

export type AdapterKind = "official" | "ours";

export interface ServerConfig {
  kind: AdapterKind;
  /** Passed as the third argument of `createAdapter`. */
  options: Record<string, unknown>;
  redisPort: number;
}

/** What the sub connection received so far, and the adapter's own counters where it has them. */
export interface ServerStats {
  subMessages: number;
  subBytes: number;
  sockets: number;
  counters?: { messagesIn: number; messagesOut: number; dropped: number; errors: number };
}

/** What a client sends in `auth`: the rooms the server puts it in, and what `socket.data` becomes. */
export interface ClientAuth {
  rooms?: string[];
  data?: Record<string, unknown>;
  token?: string;
}

export type Command =
  | { cmd: "start"; config: ServerConfig }
  | { cmd: "fanout"; count: number; text: string }
  | { cmd: "rooms"; rooms: string[] }
  | { cmd: "fetchSockets"; times: number }
  | { cmd: "serverSideEmit"; times: number }
  | { cmd: "stats" }
  | { cmd: "gc" }
  | { cmd: "close" };

export interface Timed {
  latencies: number[];
  /** Sockets returned by the last fetchSockets(), or answers to the last serverSideEmitWithAck(). */
  count: number;
}

/** Emits are produced in slices of this many, yielding to the event loop in between, like a busy producer. */
const SLICE = 100;
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** What both packages export as `createAdapter`, as far as this benchmark uses it. */
type AdapterFactory = (
  pub: unknown,
  sub: unknown,
  options: Record<string, unknown>,
) => Parameters<Server["adapter"]>[0];

type Listener = (...args: unknown[]) => unknown;
const SUBSCRIBE_METHODS = ["subscribe", "unsubscribe", "pSubscribe", "pUnsubscribe", "sSubscribe", "sUnsubscribe"];

/**
 * Wraps the node-redis subscribe methods so that every listener the adapter registers counts its calls. The
 * same listener always gets the same wrapper, so unsubscribing with it still finds it.
 */
function countDeliveries(client: object, count: () => void): void {
  const wrappers = new WeakMap<Listener, Listener>();
  const wrap = (listener: Listener) => {
    let wrapper = wrappers.get(listener);
    if (!wrapper) {
      wrapper = function (this: unknown, ...args: unknown[]) {
        count();
        return listener.apply(this, args);
      };
      wrappers.set(listener, wrapper);
    }
    return wrapper;
  };
  const methods = client as Record<string, unknown>;
  for (const name of [...SUBSCRIBE_METHODS, ...SUBSCRIBE_METHODS.map((m) => m.toUpperCase())]) {
    const original = methods[name];
    if (typeof original !== "function") continue;
    methods[name] = function (this: unknown, names: unknown, listener: unknown, ...rest: unknown[]) {
      return original.call(
        this,
        names,
        typeof listener === "function" ? wrap(listener as Listener) : listener,
        ...rest,
      );
    };
  }
}

/** Runs `connect` and returns the TCP sockets it opened. */
async function socketsOpenedBy(connect: () => Promise<unknown>): Promise<NetSocket[]> {
  const opened: NetSocket[] = [];
  const onSocket = (message: unknown) => opened.push((message as { socket: NetSocket }).socket);
  diagnostics.subscribe("net.client.socket", onSocket);
  try {
    await connect();
  } finally {
    diagnostics.unsubscribe("net.client.socket", onSocket);
  }
  return opened;
}

async function start(config: ServerConfig) {
  const url = `redis://127.0.0.1:${config.redisPort}`;
  // BENCH_LIBRARY=ioredis (inherited from the parent's environment): ioredis 6 clients instead of node-redis 6
  const io6 = process.env.BENCH_LIBRARY === "ioredis";
  const pub = io6 ? new Redis({ host: "127.0.0.1", port: config.redisPort, lazyConnect: true }) : createClient({ url });
  const sub = io6 ? new Redis({ host: "127.0.0.1", port: config.redisPort, lazyConnect: true }) : createClient({ url });
  for (const client of [pub, sub]) client.on("error", (err: Error) => console.error(`redis client: ${err.message}`));
  await pub.connect();
  const [subSocket] = await socketsOpenedBy(() => sub.connect());
  let subMessages = 0;
  if (sub instanceof Redis) {
    // ioredis hands every message of the connection to its (p)messageBuffer listeners, the adapters' included
    const emit = sub.emit.bind(sub);
    sub.emit = (event: string | symbol, ...args: unknown[]) => {
      if (event === "messageBuffer" || event === "pmessageBuffer") subMessages++;
      return emit(event, ...args);
    };
  } else {
    countDeliveries(sub, () => subMessages++);
  }

  // ours is loaded only when asked for, so that the official side runs before ours is built
  const createAdapter: AdapterFactory =
    config.kind === "official"
      ? createOfficialAdapter
      : ((await import("@sio-redis/adapter")) as unknown as { createAdapter: AdapterFactory }).createAdapter;

  const http = createServer();
  const io = new Server(http, { serveClient: false, transports: ["websocket"] });
  io.adapter(createAdapter(pub, sub, config.options));
  io.on("connection", (socket) => {
    const auth = socket.handshake.auth as ClientAuth;
    if (auth.data) socket.data = auth.data;
    if (auth.rooms) socket.join(auth.rooms);
  });
  // answers io.serverSideEmitWithAck("health", n) from the other servers
  io.on("health", (n: number, ack: (answer: unknown) => void) => ack({ ok: true, n, pid: process.pid }));
  http.listen(0, "127.0.0.1");
  await new Promise((resolve) => http.once("listening", resolve));

  const stats = async (): Promise<ServerStats> => {
    // Redis answers PING on the sub connection after every message it queued there before: once it is
    // back, everything published so far has been counted.
    await sub.ping();
    const counters = (io.of("/").adapter as { counters?: ServerStats["counters"] }).counters;
    return {
      subMessages,
      subBytes: subSocket?.bytesRead ?? Number.NaN,
      sockets: io.of("/").sockets.size,
      ...(counters ? { counters: { ...counters } } : {}),
    };
  };

  const timed = async (times: number, call: () => Promise<number>): Promise<Timed> => {
    const latencies: number[] = [];
    let count = 0;
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      count = await call();
      latencies.push(performance.now() - started);
    }
    return { latencies, count };
  };

  return {
    port: (http.address() as AddressInfo).port,
    async handle(command: Command): Promise<unknown> {
      switch (command.cmd) {
        case "fanout":
          for (let i = 0; i < command.count; i++) {
            io.emit("m", i, command.text);
            if (i % SLICE === SLICE - 1) await yieldToLoop();
          }
          return null;
        case "rooms":
          for (const [i, room] of command.rooms.entries()) {
            io.to(room).emit("r", i);
            if (i % SLICE === SLICE - 1) await yieldToLoop();
          }
          return null;
        case "fetchSockets":
          return timed(command.times, async () => (await io.fetchSockets()).length);
        case "serverSideEmit":
          return timed(command.times, async () => (await io.serverSideEmitWithAck("health", 1)).length);
        case "stats":
          return stats();
        case "gc":
          (globalThis as { gc?: () => void }).gc?.();
          return null;
        case "close":
          io.close();
          await Promise.allSettled(
            [pub, sub].map((client) => (client instanceof Redis ? client.quit() : client.close())),
          );
          return null;
        default:
          throw new Error(`unknown command ${(command as { cmd: string }).cmd}`);
      }
    },
  };
}

type Running = Awaited<ReturnType<typeof start>>;
let running: Running | undefined;

process.on("message", async (message: { id: number; command: Command }) => {
  const { id, command } = message;
  try {
    let result: unknown;
    if (command.cmd === "start") {
      running = await start(command.config);
      result = { port: running.port };
    } else if (command.cmd === "close" && !running) {
      result = null; // stopped while starting: nothing to close
    } else if (!running) {
      throw new Error("not started");
    } else {
      result = await running.handle(command);
    }
    // closed: leave once the parent has the answer
    reply({ id, result }, command.cmd === "close" ? () => process.exit(0) : undefined);
  } catch (err) {
    reply({ id, error: (err as Error).stack ?? String(err) });
  }
});

/** Answers the parent, unless it is gone already (then there is no one left to tell); then calls `sent`. */
function reply(message: { id: number; result?: unknown; error?: string }, sent?: () => void): void {
  if (process.connected) process.send?.(message, undefined, undefined, () => sent?.());
  else sent?.();
}
// the parent went away: nothing left to serve
process.on("disconnect", () => process.exit(0));
