// The type of the adapter's Redis clients when TypeScript does not know which library they come from.

/**
 * What `pubClient` and `subClient` are typed as on a {@link RedisAdapter} or a {@link RedisAdapterFactory} whose
 * client type is not known, e.g. `io.of("/").adapter as RedisAdapter` or `redisAdapter("localhost:6379")`: the part
 * that node-redis (4 or later) and ioredis clients, single or cluster, have in common and that applications call on
 * them. `createAdapter(pubClient, subClient)` keeps the clients' own types instead, and `RedisAdapter<RedisClientType>`
 * names them.
 *
 * @example
 * ```ts
 * const adapter = io.of("/").adapter as RedisAdapter;
 * await adapter.pubClient.publish("news", "hello");
 * adapter.subClient.on("error", (err) => log.warn(err.message));
 * ```
 */
export interface RedisClientLike {
  /** PUBLISH: node-redis resolves to, and ioredis returns a promise of, the number of clients that received it. */
  publish(channel: string, message: string | Buffer): unknown;
  on(event: "error", listener: (err: Error) => void): this;
  on<Args extends unknown[]>(event: string | symbol, listener: (...args: Args) => void): this;
  once(event: "error", listener: (err: Error) => void): this;
  once<Args extends unknown[]>(event: string | symbol, listener: (...args: Args) => void): this;
  off<Args extends unknown[]>(event: string | symbol, listener: (...args: Args) => void): this;
  removeListener<Args extends unknown[]>(event: string | symbol, listener: (...args: Args) => void): this;
}
