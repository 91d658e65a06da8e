// @ts-check
// Type-checked only (tsconfig.json, tsconfig.sio46.json, with checkJs): the classic JavaScript form, typed by the
// package's require() entry, dist/cjs/commonjs.d.ts.
const redisAdapter = require("@sio-redis/adapter");
const { createAdapter, RedisAdapter } = require("@sio-redis/adapter");
const { Redis } = require("ioredis");
const { Server } = require("socket.io");

const io = new Server();
io.adapter(redisAdapter("localhost:6379"));
const factory = redisAdapter({ host: "localhost", port: 6379, key: "myapp" });
io.adapter(factory);
factory.pubClient.publish("ch", "x");
factory.subClient.on("error", (/** @type {Error} */ err) => console.warn(err.message));

const pubClient = new Redis();
new Server({ adapter: createAdapter(pubClient, pubClient.duplicate()) });

const adapter = /** @type {RedisAdapter} */ (io.of("/").adapter);
adapter.pubClient.publish("ch", "x");
adapter.subClient.on("error", (err) => console.warn(err.message));
adapter.clients(["r"], (err, ids) => console.log(err, ids?.length));
adapter.allRooms((err, rooms) => console.log(err, rooms));
console.log(io.of("/").adapter instanceof RedisAdapter);

// @ts-expect-error: a URL is not a client
createAdapter("redis://localhost:6379", pubClient);
// @ts-expect-error: the factory, not its result
io.adapter(redisAdapter);

module.exports = { io };
