// Starts a private redis-server for one test file on a free loopback port, and stops it by PID.
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

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

/** A port the OS just gave out; it may be taken again before we use it, hence the retries below. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves when something on `port` answers PING with PONG; rejects after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs = 5000, child?: ChildProcess): Promise<void> {
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
      if (reply.startsWith("+PONG")) return;
      lastError = reply.trim(); // e.g. "-LOADING"
    } catch (err) {
      lastError = (err as Error).message;
    }
    // bounded poll while the server boots (it takes ~20 ms)
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${lastError}`);
}

async function startOnce(port: number): Promise<RedisServer> {
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  if (child.pid === undefined) {
    await once(child, "error").catch(() => undefined);
    throw new Error(`cannot start ${REDIS_SERVER}`);
  }
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPing(port, 5000, child);
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
 * Starts `redis-server` on a free 127.0.0.1 port, without persistence, and waits until it answers PING.
 * Retries with another port when the chosen one was taken in between.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * after(() => redis.stop());
 * ```
 */
export async function startRedisServer(): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startOnce(await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not start redis-server: ${(lastError as Error).message}`);
}
