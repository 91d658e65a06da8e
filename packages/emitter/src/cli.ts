#!/usr/bin/env node
// sio-emit: the Emitter for cron jobs and shell scripts. One command per run; exit codes tell what went wrong.
import { CLIENT_RESERVED_EVENTS, SERVER_RESERVED_EVENTS } from "@sio-redis/protocol";
import { closeClient, describeError, QueryTimeoutError, type RedisClient } from "@sio-redis/transport";
import { Emitter } from "./emitter.js";
import { type BroadcastOperator, checkEventName } from "./operator.js";

/** Exit codes of `sio-emit`, distinct per kind of failure so scripts can react. */
const ExitCode = {
  OK: 0,
  /** Anything unexpected (Redis failed mid-command, …). */
  ERROR: 1,
  /** Unknown flag or command, missing or extra argument. */
  USAGE: 2,
  /** An argument that should be JSON is not. */
  BAD_JSON: 3,
  /** Redis cannot be reached (refused, unknown host, timeout) or no client library is installed. */
  REDIS_UNREACHABLE: 4,
  /** A query timed out: what did arrive is printed, the error goes to stderr. */
  TIMEOUT: 5,
} as const;

const HELP = `Usage: sio-emit [options] <command> [arguments]

Publish to Socket.IO servers that use a Redis adapter (@socket.io/redis-adapter or @sio-redis/adapter).

Commands:
  emit <event> [json...]         emit <event> to the selected clients; each argument is JSON
                                 (strings need quotes: '"hello"'; use -- before negative numbers)
  join <room...>                 make the selected sockets join the rooms
  leave <room...>                make the selected sockets leave the rooms
  disconnect [--close]           disconnect the selected sockets (--close: their connection too)
  server-emit <event> [json...]  emit <event> to the servers' io.on(<event>) listeners
  sockets                        print the selected sockets: id, rooms, data (handshake with --json)
  rooms                          print every room of the namespace, one per line
  count                          print how many servers serve the namespace

Options:
  --redis <url>      Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --key <prefix>     channel prefix, the adapters' "key" option (default: socket.io)
  --nsp <namespace>  namespace (default: /)
  --to <room>        select the sockets in <room>; repeatable (default: every socket)
  --except <room>    leave out the sockets in <room>; repeatable
  --volatile         emit: the packet may be dropped for clients that are not ready
  --close            disconnect: close the underlying connection as well
  --timeout <ms>     sockets/rooms: how long to wait for every server (default: 5000)
  --json             print sockets/rooms/count as JSON
  -h, --help         print this help

Environment:
  REDIS_URL          Redis URL when --redis is not given
  SIO_EMIT_CLIENT    "redis" or "ioredis": the client library to use (default: redis if installed)
  DEBUG=sio-redis:*  debug logs

Exit codes:
  0 success
  1 unexpected error (e.g. Redis failed during the command)
  2 usage error: unknown flag or command, missing or extra argument
  3 an argument is not valid JSON
  4 Redis unreachable, or neither "redis" nor "ioredis" is installed
  5 a query timed out (the answers that arrived are printed)

Examples:
  sio-emit --to room1 emit hello '"world"' '{"n":1}'
  REDIS_URL=redis://cache:6379 sio-emit --nsp /admin --except banned emit news '"v2 is out"'
  sio-emit --to user:42 join premium
  sio-emit --to room1 disconnect --close
  sio-emit server-emit reload-config '{"flags":true}'
  sio-emit --json sockets | jq '.[].id'
  sio-emit count
`;

/** A failure with its exit code; its message is printed as one line. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

interface Options {
  redis?: string;
  key?: string;
  nsp?: string;
  to: string[];
  except: string[];
  volatile: boolean;
  close: boolean;
  timeout?: number;
  json: boolean;
  help: boolean;
}

const STRING_FLAGS = new Set(["redis", "key", "nsp", "to", "except", "timeout"]);
const BOOLEAN_FLAGS = new Set(["volatile", "close", "json", "help"]);

/** Parses argv into options and positionals; throws CliError(USAGE) for unknown flags or missing values. */
function parseArgs(argv: readonly string[]): { options: Options; positionals: string[] } {
  const options: Options = { to: [], except: [], volatile: false, close: false, json: false, help: false };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      options.help = true;
      continue;
    }
    // "-1" and "-2.5" are JSON numbers, not flags
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw new CliError(`unknown flag "${arg}" (see sio-emit --help)`, ExitCode.USAGE);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined) throw new CliError(`flag --${name} takes no value`, ExitCode.USAGE);
      options[name as "volatile" | "close" | "json" | "help"] = true;
      continue;
    }
    if (!STRING_FLAGS.has(name)) throw new CliError(`unknown flag "--${name}" (see sio-emit --help)`, ExitCode.USAGE);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`flag --${name} needs a value`, ExitCode.USAGE);
    switch (name) {
      case "to":
      case "except":
        options[name].push(value);
        break;
      case "timeout": {
        const ms = Number(value);
        if (!Number.isFinite(ms) || ms < 0) {
          throw new CliError(`--timeout needs a number of milliseconds, got "${value}"`, ExitCode.USAGE);
        }
        options.timeout = ms;
        break;
      }
      default:
        options[name as "redis" | "key" | "nsp"] = value;
    }
  }
  return { options, positionals };
}

function parseJsonArgs(args: readonly string[], firstPosition: number): unknown[] {
  return args.map((text, i) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      const reason = (err as Error).message.split("\n")[0];
      throw new CliError(
        `argument ${firstPosition + i} is not valid JSON: ${JSON.stringify(text)} (${reason}); quote strings as '"text"'`,
        ExitCode.BAD_JSON,
      );
    }
  });
}

interface Connection {
  pub: RedisClient;
  sub?: RedisClient;
  close(): Promise<void>;
}

// The library is the user's (a peer dependency), loaded only when the CLI runs.
async function connect(url: string, withSubscriber: boolean): Promise<Connection> {
  const wanted = process.env.SIO_EMIT_CLIENT;
  if (wanted !== undefined && wanted !== "redis" && wanted !== "ioredis") {
    throw new CliError(`SIO_EMIT_CLIENT must be "redis" or "ioredis", got "${wanted}"`, ExitCode.USAGE);
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(`invalid Redis URL "${url}"`, ExitCode.USAGE);
  }
  if (wanted !== "ioredis") {
    const mod = await import("redis").catch(() => undefined);
    if (mod) return connectNodeRedis(mod.createClient, url, withSubscriber);
    if (wanted === "redis") throw new CliError('the "redis" package is not installed', ExitCode.REDIS_UNREACHABLE);
  }
  const io = await import("ioredis").catch(() => undefined);
  if (!io) {
    throw new CliError("sio-emit needs a Redis client: npm install redis (or ioredis)", ExitCode.REDIS_UNREACHABLE);
  }
  return connectIoRedis(io.Redis, url, withSubscriber);
}

async function connectNodeRedis(
  createClient: typeof import("redis").createClient,
  url: string,
  withSubscriber: boolean,
): Promise<Connection> {
  // no reconnection: a one-shot command should fail fast instead of waiting for Redis to come back
  const pub = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  const clients = [pub];
  pub.on("error", () => {}); // errors surface through the rejected commands
  try {
    await pub.connect();
    if (withSubscriber) {
      const sub = pub.duplicate();
      sub.on("error", () => {});
      clients.push(sub);
      await sub.connect();
    }
  } catch (err) {
    // node-redis 4 has disconnect() where 5+ has destroy()
    await Promise.allSettled(clients.map((c) => (typeof c.destroy === "function" ? c.destroy() : c.disconnect())));
    throw new CliError(`cannot connect to Redis at ${url}: ${describeError(err)}`, ExitCode.REDIS_UNREACHABLE);
  }
  return {
    pub,
    sub: clients[1],
    async close() {
      await Promise.allSettled(clients.map(closeClient));
    },
  };
}

async function connectIoRedis(
  Redis: typeof import("ioredis").Redis,
  url: string,
  withSubscriber: boolean,
): Promise<Connection> {
  const opts = {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    enableOfflineQueue: false,
    disconnectTimeout: 0,
  };
  const pub = new Redis(url, opts);
  const clients = [pub];
  // ioredis rejects connect() with "Connection is closed."; the cause is in the "error" event
  let cause: unknown;
  const remember = (e: unknown) => {
    cause ??= e;
  };
  pub.on("error", remember);
  try {
    await pub.connect();
    if (withSubscriber) {
      const sub = new Redis(url, opts);
      sub.on("error", remember);
      clients.push(sub);
      await sub.connect();
    }
  } catch (err) {
    for (const c of clients) c.disconnect();
    throw new CliError(`cannot connect to Redis at ${url}: ${describeError(cause ?? err)}`, ExitCode.REDIS_UNREACHABLE);
  }
  return {
    pub,
    sub: clients[1],
    async close() {
      await Promise.allSettled(clients.map(closeClient));
    },
  };
}

const COMMANDS: Record<string, { min: number; max: number; query: boolean }> = {
  emit: { min: 1, max: Number.POSITIVE_INFINITY, query: false },
  join: { min: 1, max: Number.POSITIVE_INFINITY, query: false },
  leave: { min: 1, max: Number.POSITIVE_INFINITY, query: false },
  disconnect: { min: 0, max: 0, query: false },
  "server-emit": { min: 1, max: Number.POSITIVE_INFINITY, query: false },
  sockets: { min: 0, max: 0, query: true },
  rooms: { min: 0, max: 0, query: true },
  count: { min: 0, max: 0, query: false },
};

type Print = (line: string) => void;

/** Runs one command. Returns the exit code; output goes through `out`, the one-line error through `err`. */
export async function run(argv: readonly string[], out: Print, err: Print): Promise<number> {
  try {
    const { options, positionals } = parseArgs(argv);
    if (options.help) {
      out(HELP.trimEnd());
      return ExitCode.OK;
    }
    const [command, ...args] = positionals;
    if (command === undefined) throw new CliError("missing command (see sio-emit --help)", ExitCode.USAGE);
    const spec = COMMANDS[command];
    if (!spec) throw new CliError(`unknown command "${command}" (see sio-emit --help)`, ExitCode.USAGE);
    if (args.length < spec.min) {
      const what = command === "join" || command === "leave" ? "at least one room" : "an event name";
      throw new CliError(`${command} needs ${what}`, ExitCode.USAGE);
    }
    if (args.length > spec.max) throw new CliError(`${command} takes no arguments, got "${args[0]}"`, ExitCode.USAGE);
    // validate the event and its JSON before touching Redis, so a typo never half-runs
    const jsonArgs = command === "emit" || command === "server-emit" ? parseJsonArgs(args.slice(1), 2) : [];
    if (command === "emit" || command === "server-emit") {
      try {
        checkEventName(args[0], command === "emit" ? CLIENT_RESERVED_EVENTS : SERVER_RESERVED_EVENTS);
      } catch (error) {
        throw new CliError((error as Error).message, ExitCode.USAGE);
      }
    }

    const url = options.redis ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const connection = await connect(url, spec.query);
    try {
      const emitter = new Emitter(connection.pub, {
        key: options.key,
        subClient: connection.sub,
        requestsTimeout: options.timeout,
      });
      let target: BroadcastOperator | Emitter = emitter.of(options.nsp ?? "/");
      if (options.to.length > 0) target = target.to(options.to);
      if (options.except.length > 0) target = target.except(options.except);
      if (options.volatile) target = target.volatile;
      try {
        return await execute(command, args, jsonArgs, target, emitter.of(options.nsp ?? "/"), options, out);
      } finally {
        await emitter.close();
      }
    } finally {
      await connection.close();
    }
  } catch (error) {
    if (error instanceof CliError) {
      err(`sio-emit: ${error.message}`);
      return error.code;
    }
    if (error instanceof QueryTimeoutError) {
      err(`sio-emit: ${error.message}`);
      return ExitCode.TIMEOUT;
    }
    err(`sio-emit: ${describeError(error).split("\n")[0]}`);
    return ExitCode.ERROR;
  }
}

async function execute(
  command: string,
  args: string[],
  jsonArgs: unknown[],
  target: BroadcastOperator | Emitter,
  nsp: Emitter,
  options: Options,
  out: Print,
): Promise<number> {
  const event = args[0] as string;
  switch (command) {
    case "emit":
      await target.emit(event, ...jsonArgs);
      return ExitCode.OK;
    case "join":
      await target.socketsJoin(args);
      return ExitCode.OK;
    case "leave":
      await target.socketsLeave(args);
      return ExitCode.OK;
    case "disconnect":
      await target.disconnectSockets(options.close);
      return ExitCode.OK;
    case "server-emit":
      await nsp.serverSideEmit(event, ...jsonArgs);
      return ExitCode.OK;
    case "count": {
      const servers = await nsp.serverCount();
      out(options.json ? JSON.stringify({ servers }) : String(servers));
      return ExitCode.OK;
    }
    case "rooms":
      return partial(
        () => nsp.allRooms(),
        (rooms: Set<unknown>) => {
          const sorted = [...rooms].map(String).sort();
          if (options.json) out(JSON.stringify(sorted));
          else for (const room of sorted) out(room);
        },
      );
    default: {
      // sockets
      type Listed = { id: string; rooms: ReadonlySet<unknown>; data: unknown; handshake: unknown };
      return partial(
        () => target.fetchSockets(),
        (sockets: Listed[]) => {
          if (options.json) {
            const list = sockets.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake }));
            out(JSON.stringify(list));
          } else {
            for (const s of sockets) out(`${s.id}\trooms=${[...s.rooms].join(",")}\tdata=${JSON.stringify(s.data)}`);
          }
        },
      );
    }
  }
}

// Prints what a query got, also when it timed out (then with exit code TIMEOUT and the error on stderr).
async function partial<T>(query: () => Promise<T>, print: (value: T) => void): Promise<number> {
  try {
    print(await query());
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof QueryTimeoutError) print(error.partial as T);
    throw error;
  }
}

void run(
  process.argv.slice(2),
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
).then((code) => {
  process.exitCode = code;
  // the clients are closed; should a library still hold a timer, do not let it delay a cron job
  setTimeout(() => process.exit(code), 500).unref();
});
