// `pnpm demo`: a private redis-server (or REDIS_URL), 3 Socket.IO instances on @sio-redis/adapter, a cron job and
// an HTTP worker publishing through @sio-redis/emitter. Prints the URLs; Ctrl-C stops everything it started.
import { parseArgs } from "node:util";
import { type RedisServer, startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import { type Demo, startDemo } from "./processes.js";

const USAGE = `usage: pnpm demo [--instances N] [--port BASE] [--cron-ms MS]

  --instances N   Socket.IO instances to start, 1 to 9 (default 3)
  --port BASE     the HTTP worker listens on BASE, instance i on BASE+i (default 3000; taken ports are
                  replaced by free ones; 0 for free ports only)
  --cron-ms MS    how often the cron job posts to the lobby (default 10000)

REDIS_URL=redis://host:port uses that Redis instead of starting a private redis-server.`;

/**
 * Exit codes: 2 a bad argument, 3 no redis-server installed, 4 Redis not started or not reachable, 5 a process of
 * the demo failed to start.
 */
function fail(message: string, code: number): never {
  console.error(`demo: ${message}`);
  process.exit(code);
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) fail(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`, 2);
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  // `pnpm demo -- --help` passes the "--" along
  const argv = process.argv.slice(2);
  return parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      instances: { type: "string" },
      port: { type: "string" },
      "cron-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}
try {
  args = parse();
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`, 2);
}
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const instances = wholeNumber("instances", args.values.instances, 3, 1, 9);
const basePort = wholeNumber("port", args.values.port, 3000, 0, 65526);
const cronMs = wholeNumber("cron-ms", args.values["cron-ms"], 10_000, 100, 3_600_000);

let redis: RedisServer | undefined;
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  try {
    redis = await startRedisServer();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      fail("redis-server is not installed: apt-get install redis-server (or set REDIS_URL=redis://host:port)", 3);
    }
    fail(`could not start redis-server: ${(err as Error).message}`, 4);
  }
  redisUrl = redis.url;
  // a crash of the launcher must not leave the private Redis behind (the other processes follow their parent)
  const { pid } = redis;
  process.on("exit", () => {
    if (redis && !redis.exited) process.kill(pid, "SIGTERM");
  });
} else {
  await reachable(redisUrl);
}

/** Fails at once, in one line, when REDIS_URL does not answer (rather than every process retrying). */
async function reachable(url: string): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    await client.close();
  } catch (err) {
    fail(`REDIS_URL ${url} does not answer: ${(err as Error).message}`, 4);
  }
}

let demo: Demo | undefined;
let stopping = false;
const starting = new AbortController();
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nstopping every process of the demo…");
    starting.abort(); // during startup: startDemo stops what it started
    await demo?.stop();
    await redis?.stop();
  }
  process.exit(code);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

try {
  demo = await startDemo({ redisUrl, instances, basePort, cronMs, signal: starting.signal });
} catch (err) {
  if (!stopping) {
    console.error(`demo: ${(err as Error).message}`);
    await stopAll(5);
  }
}

const running = demo as Demo;
console.log(`
sio-redis demo: ${instances} Socket.IO instances on one Redis (${redis ? `private redis-server, pid ${redis.pid}` : "REDIS_URL"}: ${redisUrl})
${running.instances.map((p) => `  instance ${p.name}  ${p.url}   (pid ${p.pid})`).join("\n")}
  HTTP worker ${running.worker.url}/notify   (pid ${running.worker.pid})
  cron job    posts to "lobby" every ${cronMs / 1000} s   (pid ${running.cron.pid})

Open two instances in two browser tabs and chat between them. Try:
  curl -X POST ${running.worker.url}/notify -H 'content-type: application/json' -d '{"room":"lobby","text":"hello from curl"}'
  kill ${running.instances[0]?.pid}   # instance A goes away; the others keep working and its tabs move over
Ctrl-C (or kill -INT ${process.pid}, this launcher) stops everything.
`);
for (const p of [...running.instances, running.worker, running.cron]) {
  void p.exit.then((how) => {
    if (!stopping) console.log(`demo: ${p.name} stopped (${how}); the others keep running`);
  });
}
