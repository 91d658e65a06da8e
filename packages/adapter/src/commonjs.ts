// The CommonJS entry: `require("@sio-redis/adapter")` is the socket.io-redis factory itself, as it has always been
// for `require("socket.io-redis")`, with every export of the package (createAdapter, RedisAdapter, the types…) on it.
import * as api from "./index.js";

// A function and a namespace of the same name merge: the function is callable, the namespace carries the rest.
function main(
  uri?: string | api.RedisAdapterFactoryOptions,
  opts?: api.RedisAdapterFactoryOptions,
): api.RedisAdapterFactory;
function main<PubClient extends object, SubClient extends object>(
  pubClient: PubClient,
  subClient: SubClient,
  opts?: api.RedisAdapterOptions,
): api.RedisAdapterFactory<PubClient, SubClient>;
function main(...args: unknown[]): api.RedisAdapterFactory {
  return (api.redisAdapter as (...a: unknown[]) => api.RedisAdapterFactory)(...args);
}

namespace main {
  export import createAdapter = api.createAdapter;
  export import redisAdapter = api.redisAdapter;
  export import RedisAdapter = api.RedisAdapter;
  export import QueryTimeoutError = api.QueryTimeoutError;
  export import PublishDroppedError = api.PublishDroppedError;
  export import SioRedisError = api.SioRedisError;
  export type SioRedisErrorCode = api.SioRedisErrorCode;
  export type AdapterConstructor<
    PubClient extends object = api.RedisClientLike,
    SubClient extends object = api.RedisClientLike,
  > = api.AdapterConstructor<PubClient, SubClient>;
  export type AdapterCounters = api.AdapterCounters;
  export type CustomHook = api.CustomHook;
  export type NodeCallback<T> = api.NodeCallback<T>;
  export type RedisAdapterFactory<
    PubClient extends object = api.RedisClientLike,
    SubClient extends object = api.RedisClientLike,
  > = api.RedisAdapterFactory<PubClient, SubClient>;
  export type RedisAdapterFactoryOptions = api.RedisAdapterFactoryOptions;
  export type RedisAdapterOptions = api.RedisAdapterOptions;
  export type RedisClientLike = api.RedisClientLike;
}
// `default` too, so that code compiled with esModuleInterop (`import redisAdapter from`) finds it
Object.defineProperty(main, "default", { value: api.redisAdapter, enumerable: true });

export = main;
