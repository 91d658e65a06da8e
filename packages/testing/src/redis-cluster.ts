// Starts a private Redis Cluster (3 masters, 3 replicas) for one test file on free loopback ports, and stops every
// node by PID. Each node is a startRedisServer() with cluster arguments and its own temp dir for nodes.conf.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, type RedisServer, startRedisServer } from "./redis-server.js";

/** One node of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Its role once the cluster was ready (a failover may change it later). */
  readonly role: "master" | "replica";
  /** The master's port for a replica, undefined for a master. */
  readonly masterPort: number | undefined;
}

export interface RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /**
   * Every node, as node-redis `createCluster({ rootNodes })` takes them (`url`) and ioredis `new Cluster(nodes)`
   * (`host`, `port`).
   */
  readonly rootNodes: ReadonlyArray<{ readonly url: string; readonly host: string; readonly port: number }>;
  /** How long the start took, in ms. */
  readonly startMs: number;
  /** Stops every node by PID and removes the temp dirs; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /**
   * Bound on forming the cluster once its 6 processes answer PING: `redis-cli --cluster create` and the wait for
   * every node to agree (default 30 s; it takes 2–4 s). Each process's own start is bounded like
   * {@link startRedisServer}'s.
   */
  timeoutMs?: number;
}

const REDIS_CLI = process.env.REDIS_CLI_BIN ?? "redis-cli";
const NODES = 6;
const SLOTS = 16384;
const BUS_OFFSET = 10000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too, and not one of `taken`. */
async function freeClusterPort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + BUS_OFFSET > 65535 || taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if (await canListen(port + BUS_OFFSET)) return port;
  }
  throw new Error("no free port pair (port, port + 10000) on 127.0.0.1");
}

/** A RESP2 reply: simple and bulk strings as strings, integers as numbers, nil as null, arrays nested. */
export type RespReply = string | number | null | RespReply[];

/** Parses one reply at `at`; undefined while incomplete. Error replies become Error values. */
function parseReply(data: Buffer, at: number): { value: RespReply | Error; next: number } | undefined {
  const end = data.indexOf("\r\n", at);
  if (end < 0) return undefined;
  const type = String.fromCharCode(data[at] as number);
  const head = data.subarray(at + 1, end).toString();
  const next = end + 2;
  switch (type) {
    case "+":
      return { value: head, next };
    case "-":
      return { value: new Error(head), next };
    case ":":
      return { value: Number(head), next };
    case "$": {
      const length = Number(head);
      if (length < 0) return { value: null, next };
      if (data.length < next + length + 2) return undefined;
      return { value: data.subarray(next, next + length).toString(), next: next + length + 2 };
    }
    case "*": {
      const count = Number(head);
      if (count < 0) return { value: null, next };
      const items: RespReply[] = [];
      let cursor = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(data, cursor);
        if (!item) return undefined;
        if (item.value instanceof Error) return item;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default:
      return { value: new Error(`unexpected RESP type ${JSON.stringify(type)}`), next };
  }
}

/** One command on a fresh connection to 127.0.0.1:`port`, bounded by `timeoutMs`; error replies reject. */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1000): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${args.join(" ")} on ${port} timed out`)));
    socket.on("connect", () => {
      const parts = [`*${args.length}\r\n`];
      for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(parts.join(""));
    });
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const reply = parseReply(data, 0);
      if (!reply) return;
      socket.end();
      if (reply.value instanceof Error) reject(reply.value);
      else resolve(reply.value);
    });
    socket.on("error", reject);
  });
}

/** Runs `redis-cli --cluster create` within `timeoutMs`, killing it by PID beyond; rejects with its output. */
async function createCluster(ports: readonly number[], timeoutMs: number): Promise<void> {
  const child = spawn(
    REDIS_CLI,
    ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const spawned = once(child, "spawn").then(
    () => undefined,
    (err: unknown) => err,
  );
  const spawnError = await Promise.race([spawned, once(child, "error").then(([err]) => err as Error)]);
  if (spawnError) throw new Error(`cannot run ${REDIS_CLI}: ${(spawnError as Error).message}`);
  const pid = child.pid as number;
  const killer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
  }, timeoutMs);
  const [code, signal] = await exit.finally(() => clearTimeout(killer));
  if (code !== 0) {
    const why = signal ? `killed (${signal}) after ${timeoutMs} ms` : `exited with code ${code}`;
    throw new Error(`redis-cli --cluster create ${why}:\n${output.slice(-2000)}`);
  }
}

interface NodeView {
  readonly port: number;
  readonly role: "master" | "replica";
  readonly masterId: string | undefined;
  readonly id: string;
}

/** CLUSTER NODES of one node: every node it knows, or undefined while one is in handshake or failing. */
function parseNodes(text: string): NodeView[] | undefined {
  const out: NodeView[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 8) continue;
    const [id, address, flags, master, , , , link] = fields as [string, string, string, string, ...string[]];
    if (/handshake|fail|noaddr/.test(flags) || link !== "connected") return undefined;
    const port = Number(address.split("@")[0]?.split(":")[1]);
    const role = flags.includes("master") ? "master" : "replica";
    out.push({ id, port, role, masterId: master === "-" ? undefined : master });
  }
  return out;
}

/** True when CLUSTER SLOTS covers all slots, each range with its master and one replica (what clients see). */
function slotsServed(reply: RespReply): boolean {
  if (!Array.isArray(reply)) return false;
  let covered = 0;
  for (const range of reply) {
    if (!Array.isArray(range) || range.length !== 4) return false;
    const [from, to] = range;
    if (typeof from !== "number" || typeof to !== "number") return false;
    covered += to - from + 1;
  }
  return covered === SLOTS;
}

/**
 * The cluster as every node sees it once it is usable: `cluster_state:ok`, all 16384 slots assigned, the 6 nodes
 * known and connected, 3 masters with one replica each, and CLUSTER SLOTS (what clients discover the cluster by)
 * listing the replicas too. Undefined while any node disagrees.
 */
async function clusterView(ports: readonly number[]): Promise<NodeView[] | undefined> {
  const replies = await Promise.all(
    ports.map(async (port) => ({
      info: String(await redisCommand(port, ["CLUSTER", "INFO"])),
      nodes: String(await redisCommand(port, ["CLUSTER", "NODES"])),
      slots: await redisCommand(port, ["CLUSTER", "SLOTS"]),
    })),
  );
  let view: NodeView[] | undefined;
  for (const { info, nodes, slots } of replies) {
    if (!info.includes("cluster_state:ok") || !info.includes(`cluster_slots_assigned:${SLOTS}`)) return undefined;
    const seen = parseNodes(nodes);
    if (!seen || seen.length !== NODES) return undefined;
    const masters = seen.filter((n) => n.role === "master");
    if (masters.length !== NODES / 2) return undefined;
    if (masters.some((m) => !seen.some((r) => r.masterId === m.id))) return undefined;
    if (!slotsServed(slots)) return undefined;
    view ??= seen;
  }
  return view;
}

/**
 * Starts a Redis Cluster of 3 masters and 3 replicas on 127.0.0.1 (`redis-server` and `redis-cli` from PATH, or
 * `$REDIS_SERVER_BIN` / `$REDIS_CLI_BIN`), without persistence, each node on a free port whose bus port
 * (port + 10000) is free too, and resolves once every node reports `cluster_state:ok` with all slots assigned
 * and sees the same 6 nodes. Forming the cluster is bounded by `timeoutMs`, each process's start by
 * startRedisServer(); a failed start stops whatever it started.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * after(() => cluster.stop());
 * const client = createCluster({ rootNodes: cluster.rootNodes.map(({ url }) => ({ url })) });
 * ```
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const servers: RedisServer[] = [];
  const dirs: string[] = [];
  let stopped = false;
  // a test process that ends without stop() (an uncaught error, process.exit) must not leave 6 servers behind;
  // a SIGKILL of the process still does
  const onExit = () => {
    for (const server of servers) {
      try {
        if (!server.exited) process.kill(server.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    await Promise.allSettled(servers.map((server) => server.stop()));
    await Promise.allSettled(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  };

  const startNode = async (taken: Set<number>): Promise<RedisServer> => {
    const dir = await mkdtemp(path.join(tmpdir(), "sio-redis-cluster-"));
    dirs.push(dir);
    let lastError: unknown;
    // a port (or its bus port) may be taken between the check and redis-server's bind: try another pair
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freeClusterPort(taken);
      taken.add(port).add(port + BUS_OFFSET);
      try {
        return await startRedisServer({
          port,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            path.join(dir, "nodes.conf"),
            "--cluster-node-timeout",
            "2000",
            "--dir",
            dir,
            // replicas sync at once (the default waits 5 s for more replicas to share a diskless transfer)
            "--repl-diskless-sync-delay",
            "0",
          ],
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err;
        lastError = err;
      }
    }
    throw new Error(`could not start a cluster node: ${(lastError as Error).message}`);
  };

  try {
    const taken = new Set<number>();
    // one at a time: the port checks of parallel starts would race each other
    for (let i = 0; i < NODES; i++) servers.push(await startNode(taken));
    const ports = servers.map((s) => s.port);
    // the clock starts once every node answers
    const deadline = Date.now() + timeoutMs;
    await createCluster(ports, timeoutMs);
    let view: NodeView[] | undefined;
    let lastError = "not ready";
    let nudged = 0;
    while (!view) {
      if (Date.now() > deadline) throw new Error(`Redis Cluster not ready within ${timeoutMs} ms: ${lastError}`);
      try {
        view = await clusterView(ports);
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (view) break;
      // a write moves the replication offsets at once (FLUSHALL of an empty master: replicated, changes nothing;
      // replicas refuse it)
      if (Date.now() >= nudged + 100) {
        nudged = Date.now();
        await Promise.allSettled(ports.map((port) => redisCommand(port, ["FLUSHALL"])));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const byId = new Map(view.map((n) => [n.id, n]));
    const nodes = servers.map((server): RedisClusterNode => {
      const seen = view.find((n) => n.port === server.port);
      const master = seen?.masterId === undefined ? undefined : byId.get(seen.masterId);
      return {
        port: server.port,
        url: server.url,
        pid: server.pid,
        role: seen?.role ?? "master",
        masterPort: seen?.role === "replica" ? master?.port : undefined,
      };
    });
    return {
      nodes,
      rootNodes: nodes.map(({ port, url }) => ({ url, host: "127.0.0.1", port })),
      startMs: Date.now() - started,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
