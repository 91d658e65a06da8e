/**
 * Redis I/O shared by `@sio-redis/adapter` and `@sio-redis/emitter`: one seam over node-redis (3–6) and
 * ioredis, batched publishing, reference-counted and batched subscriptions per connection, and request/response
 * correlation for the classic request protocol. Its API follows what those two packages need; use them instead.
 *
 * @example
 * ```ts
 * import { subscriptionsOf, wrapRedisClient } from "@sio-redis/transport";
 * await wrapRedisClient(pub).publish("socket.io#/#", bytes);
 * await subscriptionsOf(sub).subscribe(["socket.io-request#/#"], (channel, message) => {});
 * ```
 *
 * @packageDocumentation
 */
export { closeClient, duplicateClient } from "./clients.js";
export { describeError, SioRedisError, type SioRedisErrorCode, toError } from "./errors.js";
export { isNodeRedis3 } from "./node-redis-3.js";
export { attempt, noop, quiet } from "./promises.js";
export { MAX_QUEUED_BYTES, MAX_WAIT_MS, PublishDroppedError } from "./publish-queue.js";
export {
  allRoomsQuery,
  broadcastWithAckQuery,
  fetchSocketsQuery,
  type QueryOrigin,
  serverSideEmitQuery,
  socketsQuery,
} from "./queries.js";
export { RecentRooms } from "./recent-rooms.js";
export { isIoRedis, isNodeRedis, wrapRedisClient } from "./redis-client.js";
export {
  ackCollector,
  type Collector,
  checkTimeout,
  eachServer,
  gather,
  type QuerySpec,
  QueryTimeoutError,
  Requests,
  type RequestsOptions,
  withDeadline,
} from "./requests.js";
export type { ConnectionState, PubSubSink, RedisClient, RedisSeam, SeamOptions } from "./seam.js";
export { type MessageHandler, Subscriptions, subscriptionsOf } from "./subscriptions.js";
