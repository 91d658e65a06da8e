// Harness of the adapter benchmark: a private redis-server per candidate, Socket.IO servers each in its own
// process (adapter-server.ts), and socket.io-client websocket clients in this process.
import { type ChildProcess, execFile, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import {
  type Socket as ClientSocket,
  io as connectClient,
  type ManagerOptions,
  type SocketOptions,
} from "socket.io-client";
import type { Command, ServerConfig, ServerStats } from "./adapter-server.js";

// Pinning needs taskset and two cores; PIN=0 turns it off. `-a` pins every thread of the process.
export const PIN = process.env.PIN !== "0" && availableParallelism() >= 2 && existsSync("/usr/bin/taskset");
/** Socket.IO servers here; redis-server, the clients and this process on the other core. */
export const SERVER_CPU = 0;
export const REDIS_CPU = 1;
export const CLIENT_CPU = 1;

export async function pin(pid: number, cpu: number): Promise<void> {
  if (PIN) await promisify(execFile)("taskset", ["-a", "-cp", String(cpu), String(pid)]);
}

export interface Candidate {
  /** Short name for the tables. */
  name: string;
  kind: ServerConfig["kind"];
  options: Record<string, unknown>;
}

/** Every server process and redis-server started and not stopped yet, for {@link stopAll}. */
const running = { servers: new Set<ServerProcess>(), redis: new Set<RedisServer>() };
let stopping = false;

/** Stops whatever is still running (on Ctrl-C, a cluster may be half started): the servers, then Redis. */
export async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.allSettled([...running.servers].map((s) => s.stop()));
  await Promise.allSettled([...running.redis].map((r) => r.stop()));
}

const SERVER_SCRIPT = new URL("./adapter-server.ts", import.meta.url);
const CALL_TIMEOUT_MS = 60_000;

/** One Socket.IO server process. */
export class ServerProcess {
  readonly child: ChildProcess;
  port = 0;
  #nextId = 0;
  /** Calls waiting for their answer, by id. */
  readonly #pending = new Map<number, (err: Error | null, value?: unknown) => void>();

  constructor() {
    if (stopping) throw new Error("stopping");
    // same node flags as this process (--import tsx, --expose-gc)
    this.child = fork(SERVER_SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    running.servers.add(this);
    this.child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const error = message.error === undefined ? null : new Error(`server ${this.child.pid}: ${message.error}`);
      this.#pending.get(message.id)?.(error, message.result);
    });
    this.child.on("exit", (code, signal) => {
      running.servers.delete(this);
      for (const settle of this.#pending.values()) settle(new Error(`server exited (${code ?? signal})`));
    });
  }

  call<T>(command: Command): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const settle = (err: Error | null, value?: unknown) => {
        if (!this.#pending.delete(id)) return;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value as T);
      };
      const timer = setTimeout(
        () => settle(new Error(`server ${this.child.pid}: ${command.cmd} timed out`)),
        CALL_TIMEOUT_MS,
      );
      this.#pending.set(id, settle);
      if (!this.child.connected) return settle(new Error(`server ${this.child.pid} is gone`));
      // with a callback, a failed send rejects this call instead of emitting "error" on the child
      this.child.send({ id, command }, (err) => {
        if (err) settle(err);
      });
    });
  }

  stats(): Promise<ServerStats> {
    return this.call<ServerStats>({ cmd: "stats" });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Asks the server to close, then makes sure the process is gone (by its PID). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await Promise.race([this.call({ cmd: "close" }).catch(() => undefined), exited]);
    const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
    if (child.exitCode === null && child.signalCode === null) await exited;
    clearTimeout(killer);
  }
}

/** A candidate's Redis and servers, plus an admin client on that Redis. */
export class Cluster {
  readonly clients: ClientSocket[] = [];

  private constructor(
    readonly candidate: Candidate,
    readonly redis: RedisServer,
    readonly admin: ReturnType<typeof createClient>,
    readonly servers: ServerProcess[],
  ) {}

  static async start(candidate: Candidate, count: number): Promise<Cluster> {
    if (stopping) throw new Error("stopping");
    const redis = await startRedisServer();
    running.redis.add(redis);
    await pin(redis.pid, REDIS_CPU);
    const servers: ServerProcess[] = [];
    let admin: ReturnType<typeof createClient> | undefined;
    try {
      admin = createClient({ url: redis.url });
      admin.on("error", (err: Error) => console.error(`admin client: ${err.message}`));
      await admin.connect();
      for (let i = 0; i < count; i++) servers.push(new ServerProcess());
      const config: ServerConfig = { kind: candidate.kind, options: candidate.options, redisPort: redis.port };
      await Promise.all(
        servers.map(async (server) => {
          await pin(server.child.pid as number, SERVER_CPU);
          server.port = (await server.call<{ port: number }>({ cmd: "start", config })).port;
        }),
      );
      return new Cluster(candidate, redis, admin, servers);
    } catch (err) {
      await Promise.allSettled(servers.map((s) => s.stop()));
      await admin?.close().catch(() => undefined);
      await redis.stop();
      running.redis.delete(redis);
      throw err;
    }
  }

  /** Connects `count` clients with at most `concurrency` handshakes at a time; `setup(i)` picks server and options. */
  async connect(
    count: number,
    setup: (i: number) => { server: ServerProcess; options?: Partial<ManagerOptions & SocketOptions> },
    concurrency = 50,
  ): Promise<ClientSocket[]> {
    const sockets: ClientSocket[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const { server, options } = setup(i);
        sockets[i] = await openClient(server.url, options);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    this.clients.push(...sockets);
    return sockets;
  }

  server(i: number): ServerProcess {
    const server = this.servers[i];
    if (!server) throw new Error(`no server ${i}`);
    return server;
  }

  stats(): Promise<ServerStats[]> {
    return Promise.all(this.servers.map((s) => s.stats()));
  }

  gc(): Promise<unknown> {
    (globalThis as { gc?: () => void }).gc?.();
    return Promise.all(this.servers.map((s) => s.call({ cmd: "gc" })));
  }

  /** INFO commandstats `calls` per command name (lower case, e.g. `subscribe`). */
  async commandCalls(): Promise<Map<string, number>> {
    const info = await this.admin.info("commandstats");
    const calls = new Map<string, number>();
    for (const match of info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
      calls.set(match[1] as string, Number(match[2]));
    }
    return calls;
  }

  /** Number of channels with at least one subscriber (patterns not included). */
  async channelCount(): Promise<number> {
    return ((await this.admin.sendCommand(["PUBSUB", "CHANNELS"])) as unknown[]).length;
  }

  async stop(): Promise<void> {
    for (const socket of this.clients) socket.disconnect();
    this.clients.length = 0;
    await Promise.allSettled(this.servers.map((s) => s.stop()));
    await this.admin.close().catch(() => undefined);
    await this.redis.stop();
    running.redis.delete(this.redis);
  }
}

/** A websocket-only client, no reconnection; resolves once the server accepted it. */
export function openClient(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<ClientSocket> {
  const socket = connectClient(url, { transports: ["websocket"], forceNew: true, reconnection: false, ...options });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err: Error) => {
      socket.disconnect();
      reject(err);
    });
  });
}
