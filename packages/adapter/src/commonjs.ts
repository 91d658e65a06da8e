// The CommonJS entry: `require("@sio-redis/adapter")` is the socket.io-redis factory itself, as it has always been
// for `require("socket.io-redis")`, with every export of the package (createAdapter, RedisAdapter, the types…) on it.
import * as api from "./index.js";

// A function and a namespace of the same name merge: the function is callable, the namespace carries the rest.
function main(
  uri?: string | api.RedisAdapterFactoryOptions,
  opts?: api.RedisAdapterFactoryOptions,
): api.RedisAdapterFactory;
function main(pubClient: object, subClient: object, opts?: api.RedisAdapterOptions): api.RedisAdapterFactory;
function main(...args: unknown[]): api.RedisAdapterFactory {
  return (api.redisAdapter as (...a: unknown[]) => api.RedisAdapterFactory)(...args);
}

namespace main {
  export import createAdapter = api.createAdapter;
  export import redisAdapter = api.redisAdapter;
  export import RedisAdapter = api.RedisAdapter;
  export import QueryTimeoutError = api.QueryTimeoutError;
  export type AdapterConstructor = api.AdapterConstructor;
  export type AdapterCounters = api.AdapterCounters;
  export type CustomHook = api.CustomHook;
  export type NodeCallback<T> = api.NodeCallback<T>;
  export type RedisAdapterFactory = api.RedisAdapterFactory;
  export type RedisAdapterFactoryOptions = api.RedisAdapterFactoryOptions;
  export type RedisAdapterOptions = api.RedisAdapterOptions;
}
// `default` too, so that code compiled with esModuleInterop (`import redisAdapter from`) finds it
Object.defineProperty(main, "default", { value: api.redisAdapter, enumerable: true });

export = main;
