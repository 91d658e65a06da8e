/**
 * Publish to Socket.IO servers from any Node process through Redis: a drop-in for `@socket.io/redis-emitter`
 * 5.1 (same API, same bytes) whose calls return Promises, plus `serverCount`, `fetchSockets`, `allRooms` and
 * acknowledgements through the request protocol that Redis adapters already answer.
 *
 * @example
 * ```ts
 * import { Emitter } from "@sio-redis/emitter";
 * const emitter = new Emitter(redis, { subClient: redis.duplicate() });
 * await emitter.to("room1").emit("hello", "world");
 * ```
 *
 * @packageDocumentation
 */

export {
  isIoRedis,
  isNodeRedis,
  PublishDroppedError,
  QueryTimeoutError,
  type RedisClient,
  SioRedisError,
  type SioRedisErrorCode,
} from "@sio-redis/transport";
export { Emitter, type EmitterOptions } from "./emitter.js";
export {
  type AckCallback,
  type AckParams,
  type AckResponse,
  BroadcastOperator,
  type DefaultEventsMap,
  type EmitArgs,
  type EmitterParser,
  type EventNames,
  type EventParams,
  type EventsMap,
  RemoteSocket,
} from "./operator.js";
