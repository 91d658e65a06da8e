// Which Redis client library a client comes from, told apart by duck typing (never by `instanceof`, so duplicate
// installs still work), and the one seam per client that everything on that connection shares.
import { type IoRedisClient, ioRedisSeam, isIoRedisLike } from "./ioredis.js";
import {
  isNodeRedisCluster,
  isNodeRedisLike,
  type NodeRedisClient,
  nodeRedisClusterSeam,
  nodeRedisSeam,
} from "./node-redis.js";
import { isNodeRedis3, type NodeRedis3Client, nodeRedis3Seam } from "./node-redis-3.js";
import { noop } from "./promises.js";
import { publishQueue } from "./publish-queue.js";
import { type Emitting, events, type RedisClient, type RedisSeam, type SeamOptions } from "./seam.js";

function has(client: unknown, method: string): boolean {
  return (
    typeof client === "object" && client !== null && typeof (client as Record<string, unknown>)[method] === "function"
  );
}

/**
 * True for node-redis ≥ 4 (`createClient()`, `createCluster()`, `duplicate()`), whose methods are camelCase.
 *
 * @example
 * ```ts
 * isNodeRedis(createClient()); // true
 * ```
 */
export function isNodeRedis(client: unknown): boolean {
  return isNodeRedisLike(client) && has(client, "sendCommand");
}

/**
 * True for ioredis `Redis` and `Cluster` instances.
 *
 * @example
 * ```ts
 * isIoRedis(new Redis({ lazyConnect: true })); // true
 * ```
 */
export function isIoRedis(client: unknown): boolean {
  return isIoRedisLike(client);
}

/**
 * Wraps a node-redis or ioredis client, once per client: every user of a connection shares its publish queue
 * (which keeps their call order) and its subscriptions. Throws a TypeError naming what is missing for
 * anything else.
 *
 * @example
 * ```ts
 * const seam = wrapRedisClient(createClient());
 * await seam.publish("socket.io#/#", bytes);
 * ```
 */
export function wrapRedisClient(client: unknown, options: SeamOptions = {}): RedisSeam {
  const known = typeof client === "object" && client !== null ? seams.get(client) : undefined;
  if (known) return known;
  const seam = createSeam(client, options.role ?? "redisClient", options.subEvent ?? "messageBuffer");
  seams.set(client as object, seam);
  return seam;
}

const seams = new WeakMap<object, RedisSeam>();

function createSeam(client: unknown, role: string, subEvent: string): RedisSeam {
  if (isNodeRedisCluster(client)) return nodeRedisClusterSeam(client);
  if (isNodeRedis(client)) return nodeRedisSeam(client as NodeRedisClient);
  if (isNodeRedis3(client)) return nodeRedis3Seam(client as NodeRedis3Client, subEvent, role);
  if (isIoRedis(client)) return ioRedisSeam(client as IoRedisClient, subEvent);
  if (has(client, "publish")) return publishOnlySeam(client as RedisClient, role);
  throw new TypeError(`${role} must be a node-redis or ioredis client: it has no publish() method`);
}

/** Publish-only clients (test doubles, thin wrappers): enough for everything but queries. */
function publishOnlySeam(publisher: RedisClient, role: string): RedisSeam {
  const unsupported = (what: string) => () =>
    Promise.reject(new TypeError(`${role} is neither node-redis nor ioredis: cannot ${what}`));
  const ready = () => "ready" as const;
  // an EventEmitter among them gets its error and ready events listened to, like any client
  const seam =
    has(publisher, "on") && has(publisher, "listenerCount")
      ? events(publisher as unknown as Emitting, ready)
      : { onError: () => noop, onReady: () => noop, errorListenerCount: () => 0, state: ready };
  return {
    library: "node-redis",
    cluster: false,
    publish: publishQueue({
      send: (messages) => Promise.all(messages.map(([c, p]) => publisher.publish(c, p))),
      state: ready,
      onReady: () => noop,
    }),
    numsub: unsupported("run PUBSUB NUMSUB"),
    listen: noop,
    subscribe: unsupported("subscribe"),
    unsubscribe: unsupported("unsubscribe"),
    psubscribe: unsupported("psubscribe"),
    punsubscribe: unsupported("punsubscribe"),
    ...seam,
  };
}
