/**
 * The Redis adapter for Socket.IO 4: broadcasts, rooms, acknowledgements, `fetchSockets`, `serverSideEmit` and
 * the socket.io-redis callback API across every server on one Redis. A drop-in for
 * `@socket.io/redis-adapter` 8 (`createAdapter`) and `socket.io-redis` (the default export), wire-compatible
 * with both and with the Redis emitters.
 *
 * @example
 * ```ts
 * import { createAdapter } from "@sio-redis/adapter";
 * io.adapter(createAdapter(pubClient, subClient));
 * ```
 *
 * @packageDocumentation
 */

export { PublishDroppedError, QueryTimeoutError, SioRedisError, type SioRedisErrorCode } from "@sio-redis/transport";
export {
  type AdapterConstructor,
  type AdapterCounters,
  type CustomHook,
  createAdapter,
  RedisAdapter,
  type RedisAdapterOptions,
} from "./adapter.js";
export type { RedisClientLike } from "./client-like.js";
export {
  type RedisAdapterFactory,
  type RedisAdapterFactoryOptions,
  redisAdapter,
  redisAdapter as default,
} from "./factory.js";
export type { NodeCallback } from "./socket-io-redis-api.js";
