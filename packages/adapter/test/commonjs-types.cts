// Type-checked only (tsconfig.test.json): what a CommonJS TypeScript user writes against the package's require() entry.
import redisAdapter = require("@sio-redis/adapter");

const options: redisAdapter.RedisAdapterOptions = { key: "myapp", withChannelMultiplexing: false, subscriptionMode: "dynamic" };
export const factory: redisAdapter.RedisAdapterFactory = redisAdapter("localhost:6379", options);
export const create: typeof redisAdapter.createAdapter = redisAdapter.createAdapter;
export type Counters = redisAdapter.AdapterCounters;
