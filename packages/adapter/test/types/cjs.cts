// Type-checked only (tsconfig.json, tsconfig.sio46.json, and tsconfig.test.json): what a CommonJS TypeScript user
// writes against the package's require() entry, dist/cjs/commonjs.d.ts. In TypeScript files a plain
// `const x = require(…)` is untyped: the typed form is `import x = require(…)`; require.cjs checks the plain form
// in JavaScript.
import redisAdapter = require("@sio-redis/adapter");
import ioredis = require("ioredis");
import redis = require("redis");
import socketio = require("socket.io");

const io = new socketio.Server();

// the module itself is the socket.io-redis factory
io.adapter(redisAdapter("localhost:6379"));
const options: redisAdapter.RedisAdapterOptions = {
  key: "myapp",
  withChannelMultiplexing: false,
  subscriptionMode: "dynamic",
};
const factory: redisAdapter.RedisAdapterFactory = redisAdapter("localhost:6379", options);
factory.pubClient.publish("ch", "x");
factory.subClient.on("error", (err: Error) => console.warn(err.message));
new socketio.Server({ adapter: factory });
io.adapter(redisAdapter({ host: "localhost", port: 6379, auth_pass: "secret" }));

// with every named export on it
const create: typeof redisAdapter.createAdapter = redisAdapter.createAdapter;
export type Counters = redisAdapter.AdapterCounters;
const pubClient = redis.createClient({ url: "redis://localhost:6379" });
const subClient = pubClient.duplicate();
io.adapter(redisAdapter.createAdapter(pubClient, subClient));
const ioPub = new ioredis.Redis();
new socketio.Server({ adapter: redisAdapter.createAdapter(ioPub, ioPub.duplicate()) });
const given: redisAdapter.RedisAdapterFactory<typeof ioPub, typeof ioPub> = redisAdapter(ioPub, ioPub.duplicate());
const status: string = given.pubClient.status;
const like: redisAdapter.RedisClientLike = pubClient;

const adapter = io.of("/").adapter as redisAdapter.RedisAdapter;
adapter.pubClient.publish("ch", "x");
adapter.subClient.on("error", (err: Error) => console.warn(err));
adapter.clients(["r"], (err, ids) => console.log(err, ids?.length));
adapter.remoteDisconnect("socket-id", false, (err) => console.log(err));
const isAdapter: boolean = io.of("/").adapter instanceof redisAdapter.RedisAdapter;
const timedOut = (err: unknown): boolean => err instanceof redisAdapter.QueryTimeoutError;

// @ts-expect-error: a URL is not a client
redisAdapter.createAdapter("redis://localhost:6379", subClient);
// @ts-expect-error: the factory, not its result
io.adapter(redisAdapter);
// @ts-expect-error: not every client has sPublish
factory.pubClient.sPublish("ch", "x");

export = { factory, create, given, status, like, isAdapter, timedOut, options };
