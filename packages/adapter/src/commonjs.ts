// The CommonJS entry: `require("@sio-redis/adapter")` is the socket.io-redis factory itself, as it has always been
// for `require("socket.io-redis")`, with every named export (createAdapter, RedisAdapter…) on it.
import * as api from "./index.js";

const main: typeof api.redisAdapter & typeof api = Object.assign(
  (...args: Parameters<typeof api.redisAdapter>) => api.redisAdapter(...args),
  api,
);
export = main;
