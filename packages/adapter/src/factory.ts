// The socket.io-redis factory: `io.adapter(redisAdapter("localhost:6379"))`. It creates its own node-redis clients
// unless given some, and closes the ones it created once the last namespace using them is closed.
import { closeClient, duplicateClient, isIoRedis, isNodeRedis, isNodeRedis3 } from "@sio-redis/transport";
import { createClient } from "redis";
import {
  type AdapterConstructor,
  createAdapter,
  type RedisAdapter,
  type RedisAdapterOptions,
  whenClosed,
} from "./adapter.js";
import type { RedisClientLike } from "./client-like.js";

/** Options of {@link redisAdapter}: those of {@link createAdapter} plus where to connect. */
export interface RedisAdapterFactoryOptions extends RedisAdapterOptions {
  /** Default `localhost`; ignored when clients are given. */
  host?: string;
  /** Default 6379; ignored when clients are given. */
  port?: number;
  /** For the clients it creates: the password (`auth_pass` is the socket.io-redis 5 name) and ACL user. */
  password?: string;
  auth_pass?: string;
  username?: string;
  /** node-redis or ioredis clients to use instead of creating them; given one alone, the other is its `duplicate()`. */
  pubClient?: object;
  subClient?: object;
}

/**
 * What {@link redisAdapter} returns: the function for `io.adapter()`, with the clients it uses. Their type is
 * {@link RedisClientLike} unless they were passed as `redisAdapter(pubClient, subClient)`, which keeps theirs.
 */
export interface RedisAdapterFactory<
  PubClient extends object = RedisClientLike,
  SubClient extends object = RedisClientLike,
> extends AdapterConstructor<PubClient, SubClient> {
  readonly pubClient: PubClient;
  readonly subClient: SubClient;
}

function endpoint(uri: string): { url: string } {
  if (uri.trim() === "") throw new TypeError('redisAdapter: the uri is empty; pass "host:port" or a redis:// URL');
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `redis://${uri}`;
  try {
    new URL(url);
  } catch {
    throw new TypeError(`redisAdapter: ${JSON.stringify(uri)} is neither "host:port" nor a redis:// URL`);
  }
  return { url };
}

/** A connected duplicate of the one client given: ours to close. */
function duplicateOf(client: unknown, role: "pubClient" | "subClient"): object {
  try {
    return duplicateClient(client, role);
  } catch {
    throw new TypeError(`redisAdapter: pass both clients, or a ${role} that has duplicate()`);
  }
}

/**
 * The classic socket.io-redis form: `redisAdapter(uri?, opts?)` or `redisAdapter(opts)`. Without clients in the
 * options it connects two node-redis clients to `uri` (`"host:port"` or a `redis://` URL) or to
 * `opts.host`/`opts.port`, and closes them when every namespace using them is closed (`io.close()`).
 *
 * @example
 * ```ts
 * import redisAdapter from "@sio-redis/adapter";
 * io.adapter(redisAdapter("localhost:6379"));
 * io.adapter(redisAdapter({ host: "localhost", port: 6379, key: "myapp" }));
 * ```
 */
export function redisAdapter(
  uri?: string | RedisAdapterFactoryOptions,
  opts?: RedisAdapterFactoryOptions,
): RedisAdapterFactory;
/** `redisAdapter(pubClient, subClient, opts)`: code written for `@socket.io/redis-adapter`'s default export. */
export function redisAdapter<PubClient extends object, SubClient extends object>(
  pubClient: PubClient,
  subClient: SubClient,
  opts?: RedisAdapterOptions,
): RedisAdapterFactory<PubClient, SubClient>;
export function redisAdapter(
  first?: string | object,
  second: object = {},
  third?: RedisAdapterOptions,
): RedisAdapterFactory<object, object> {
  // @socket.io/redis-adapter's default export is createAdapter: accept its arguments too
  if (isNodeRedis(first) || isIoRedis(first) || isNodeRedis3(first)) {
    const pubClient = first as object;
    return Object.assign(createAdapter(pubClient, second, third), { pubClient, subClient: second });
  }
  if (first !== undefined && typeof first !== "string" && (typeof first !== "object" || first === null)) {
    throw new TypeError(`redisAdapter: expected "host:port", a redis:// URL or options, got ${String(first)}`);
  }
  const uri = first as string | RedisAdapterFactoryOptions | undefined;
  const opts = second as RedisAdapterFactoryOptions;
  const options = typeof uri === "object" && uri !== null ? uri : opts;
  let pubClient = options.pubClient;
  let subClient = options.subClient;
  const owned: object[] = [];
  const toConnect: Array<{ connect(): Promise<unknown> }> = [];
  if (pubClient === undefined && subClient === undefined) {
    const where =
      typeof uri === "string"
        ? endpoint(uri)
        : { socket: { host: options.host ?? "localhost", port: options.port ?? 6379 } };
    const pub = createClient({
      ...where,
      password: options.password ?? options.auth_pass,
      username: options.username,
    });
    const sub = pub.duplicate();
    owned.push(pub, sub);
    pubClient = pub;
    subClient = sub;
    toConnect.push(pub, sub);
  } else if (pubClient === undefined) {
    pubClient = duplicateOf(subClient, "subClient");
    owned.push(pubClient);
  } else if (subClient === undefined) {
    subClient = duplicateOf(pubClient, "pubClient");
    owned.push(subClient);
  }
  // both are set by now (TypeScript does not follow the branches above); createAdapter checks what they are
  const create = createAdapter(pubClient as object, subClient as object, options);
  // connection errors go to the adapters' `error` events (or a warning): see client-errors.ts
  for (const client of toConnect) client.connect().catch(() => {});

  const open = new Set<RedisAdapter<object, object>>();
  const factory = function RedisAdapterFactory(nsp: unknown) {
    const adapter = create(nsp);
    open.add(adapter);
    whenClosed(adapter, async () => {
      open.delete(adapter);
      if (open.size === 0 && owned.length > 0) {
        await Promise.allSettled(owned.map(closeClient));
      }
    });
    return adapter;
  };
  return Object.assign(factory, { pubClient: pubClient as object, subClient: subClient as object });
}
