// Starts a private redis-server for one test file (or benchmark) on a free loopback port, and stops it by PID.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** True once the process has exited (after stop(), or if it died). */
  readonly exited: boolean;
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "redis-server";
/** How long a redis-server just spawned may take to answer PING (its clock starts at the spawn). */
const STARTUP_MS = 20_000;

/** A port the OS just gave out; it may be taken again before we use it, hence the retries below. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Resolves when something on `port` answers PING with PONG; rejects after `timeoutMs`, or as soon as `child` (the
 * server's process) exits. The default bound is for a process just spawned: redis-server answers within ~20 ms on
 * an idle machine, but spawning a process can take seconds on a loaded one.
 */
export async function waitForPing(port: number, timeoutMs = STARTUP_MS, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let data = "";
        socket.setTimeout(500, () => socket.destroy(new Error("ping timed out")));
        socket.on("connect", () => socket.write("PING\r\n"));
        socket.on("data", (chunk) => {
          data += chunk.toString();
          if (data.includes("\r\n")) {
            socket.end();
            resolve(data);
          }
        });
        socket.on("error", reject);
      });
      // a password-protected server answers NOAUTH: it is up all the same
      if (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) return;
      lastError = reply.trim(); // e.g. "-LOADING"
    } catch (err) {
      lastError = (err as Error).message;
    }
    // bounded poll while the server boots (it takes ~20 ms)
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${lastError}`);
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** A fixed port, e.g. to start Redis again where a stopped one was. Default: a free one. */
  port?: number;
  /** More `redis-server` arguments, e.g. `["--requirepass", "secret"]`. */
  args?: readonly string[];
}

async function startOnce(port: number, args: readonly string[]): Promise<RedisServer> {
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
    {
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  if (child.pid === undefined) {
    const [cause] = (await once(child, "error").catch((err: unknown) => [err])) as [NodeJS.ErrnoException];
    // ENOENT (not installed) keeps its code, so that callers can say how to install it
    throw Object.assign(new Error(`cannot start ${REDIS_SERVER}: ${cause?.message ?? "no pid"}`), {
      code: cause?.code,
    });
  }
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPing(port, STARTUP_MS, child);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(pid, "SIGTERM");
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      }, 2000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Starts `redis-server` (from PATH, or `$REDIS_SERVER_BIN`) on a free 127.0.0.1 port, without persistence,
 * and waits until it answers PING. Retries with another port when the chosen one was taken in between.
 * A password set through `args` makes the readiness check accept Redis's NOAUTH answer.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * after(() => redis.stop());
 * // later, to simulate a restart on the same port:
 * await redis.stop();
 * const again = await startRedisServer({ port: redis.port });
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const args = options.args ?? [];
  if (options.port !== undefined) return startOnce(options.port, args);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startOnce(await freePort(), args);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err; // another port will not help
      lastError = err;
    }
  }
  throw new Error(`could not start redis-server: ${(lastError as Error).message}`);
}
